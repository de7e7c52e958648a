// Socket and context options: every entry of the option table on every socket
// type it applies to, validation, and what libzmq itself rejects.
import { describe, test } from "./leakcheck.ts";
import assert from "node:assert/strict";
import {
  capability,
  Context,
  Dealer,
  type OptionName,
  Pair,
  Publisher,
  Pull,
  Push,
  Reply,
  Request,
  Router,
  type Socket,
  socketOptions,
  type SocketTypeName,
  Stream,
  Subscriber,
  XPublisher,
  XSubscriber,
} from "../mod.ts";
import { curveKeyPair, endpoint, z85Decode, zmqCode } from "./helpers.ts";

type AnySocket = Socket & Record<string, unknown>;
/** Any object's properties, to write values of the wrong type on purpose. */
const properties = (value: object) => value as Record<string, unknown>;
// deno-lint-ignore no-explicit-any
type SocketClass = new (options?: any) => Socket;

/** The classic socket types, their classes and ZMQ_TYPE numbers. */
const socketTypes: [SocketTypeName, SocketClass, number][] = [
  ["pair", Pair, 0],
  ["pub", Publisher, 1],
  ["sub", Subscriber, 2],
  ["req", Request, 3],
  ["rep", Reply, 4],
  ["dealer", Dealer, 5],
  ["router", Router, 6],
  ["pull", Pull, 7],
  ["push", Push, 8],
  ["xpub", XPublisher, 9],
  ["xsub", XSubscriber, 10],
  ["stream", Stream, 11],
];

const encoder = new TextEncoder();
const clientKeys = curveKeyPair();
const serverKeys = curveKeyPair();

/**
 * A valid non-default value for every writable option, and what reading it
 * back gives when that differs from what was written.
 */
const samples: Record<string, { write: unknown; read?: unknown }> = {
  affinity: { write: 3n },
  routingId: { write: "id-1", read: encoder.encode("id-1") },
  rate: { write: 200 },
  recoveryInterval: { write: 5000 },
  sendBufferSize: { write: 65536 },
  receiveBufferSize: { write: 131072 },
  linger: { write: 100 },
  reconnectInterval: { write: 250 },
  backlog: { write: 50 },
  reconnectMaxInterval: { write: 1000 },
  maxMessageSize: { write: 1_000_000 },
  sendHighWaterMark: { write: 5 },
  receiveHighWaterMark: { write: 7 },
  multicastHops: { write: 3 },
  receiveTimeout: { write: 250 },
  sendTimeout: { write: 300 },
  mandatory: { write: true },
  tcpKeepalive: { write: 1 },
  tcpKeepaliveCount: { write: 5 },
  tcpKeepaliveIdle: { write: 60 },
  tcpKeepaliveInterval: { write: 10 },
  immediate: { write: true },
  verbose: { write: true },
  ipv6: { write: true },
  plainServer: { write: true },
  plainUsername: { write: "user" },
  plainPassword: { write: "secret" },
  curveServer: { write: true },
  curvePublicKey: { write: clientKeys.publicKey },
  curveSecretKey: { write: clientKeys.secretKey },
  curveServerKey: { write: serverKeys.publicKey },
  probeRouter: { write: true },
  correlate: { write: true },
  relaxed: { write: true },
  conflate: { write: true },
  zapDomain: { write: "global" },
  handover: { write: true },
  typeOfService: { write: 16 },
  gssapiServer: { write: true },
  gssapiPrincipal: { write: "host/localhost" },
  gssapiServicePrincipal: { write: "service/localhost" },
  gssapiPlainText: { write: true },
  handshakeInterval: { write: 5000 },
  socksProxy: { write: "127.0.0.1:1080" },
  noDrop: { write: true },
  manual: { write: true },
  welcomeMessage: { write: "welcome" },
  notify: { write: false },
  invertMatching: { write: true },
  heartbeatInterval: { write: 1000 },
  heartbeatTimeToLive: { write: 2000 },
  heartbeatTimeout: { write: 3000 },
  verboser: { write: true },
  connectTimeout: { write: 500 },
  tcpMaxRetransmitTimeout: { write: 1000 },
  multicastMaxTransportDataUnitSize: { write: 1400 },
  gssapiPrincipalNameType: { write: 1 },
  gssapiServicePrincipalNameType: { write: 2 },
  bindToDevice: { write: "lo" },
};

const table = socketOptions as Record<
  string,
  (typeof socketOptions)[OptionName]
>;
const names = Object.keys(socketOptions) as OptionName[];
const applies = (name: string, kind: SocketTypeName) => {
  const on = table[name]!.on;
  return on === "all" || (on as readonly string[]).includes(kind);
};
const isDraft = (name: string) => "draft" in table[name]!;

describe("socket options table", () => {
  test("every writable non-draft option has a test value", () => {
    const missing = names.filter((name) =>
      table[name]!.access !== "r" && !isDraft(name) && !(name in samples)
    );
    assert.deepEqual(missing, []);
  });

  for (const [kind, SocketClass, typeNumber] of socketTypes) {
    test(`${SocketClass.name}: every applicable option`, () => {
      for (const name of names) {
        const spec = table[name];
        // A fresh socket per option: some options change others (mechanism).
        const socket = new SocketClass() as AnySocket;
        try {
          if (!applies(name, kind)) {
            assert.ok(!(name in socket), `${name} is not a ${kind} property`);
            assert.throws(
              () => socket.setOption(name, samples[name]?.write ?? 1),
              TypeError,
              name,
            );
            continue;
          }
          assert.ok(name in socket, `${name} is a ${kind} property`);
          if (isDraft(name) && !capability.draft) {
            assert.throws(() => socket[name], zmqCode("ENOTSUP"), name);
            assert.throws(() => {
              socket[name] = samples[name]?.write ?? 1;
            }, zmqCode("ENOTSUP"));
            continue;
          }
          if (isDraft(name)) continue; // draft values are tested in draft tests
          if (spec!.access === "r") {
            const expected = {
              type: typeNumber,
              lastEndpoint: "",
              securityMechanism: null,
              threadSafe: false,
            }[name as string];
            assert.deepEqual(socket[name], expected, name);
            assert.throws(() => {
              socket[name] = expected;
            }, TypeError);
            continue;
          }
          const sample = samples[name];
          if (name.startsWith("gssapi") && !capability.gssapi) {
            // Without GSSAPI libzmq rejects the option itself.
            assert.throws(() => {
              socket[name] = sample!.write;
            }, zmqCode("EINVAL"));
            continue;
          }
          const expected = "read" in sample! ? sample.read : sample!.write;
          const before = socket[name];
          if (spec!.access === "w") {
            // libzmq's default where the table has one (notify), else off.
            assert.deepEqual(
              before,
              "default" in spec!
                ? spec.default
                : spec!.type === "boolean"
                ? false
                : null,
              `${name} before writing`,
            );
          } else {
            assert.notDeepEqual(before, expected, `${name} default`);
          }
          socket[name] = sample!.write;
          assert.deepEqual(socket[name], expected, `${name} read back`);
          assert.deepEqual(socket.getOption(name), expected, name);
        } finally {
          socket.close();
        }
      }
    });
  }

  test("security mechanism follows the mechanism options", () => {
    const cases: [string, unknown, string][] = [
      ["plainServer", true, "plain"],
      ["plainUsername", "user", "plain"],
      ["curveServer", true, "curve"],
      ["curveServerKey", serverKeys.publicKey, "curve"],
    ];
    if (capability.gssapi) cases.push(["gssapiServer", true, "gssapi"]);
    for (const [name, value, mechanism] of cases) {
      using socket = new Dealer();
      properties(socket)[name] = value;
      assert.equal(socket.securityMechanism, mechanism, name);
    }
  });

  test("lastEndpoint reports the resolved address", () => {
    using socket = new Pull();
    socket.bindSync("tcp://127.0.0.1:*");
    assert.match(socket.lastEndpoint, /^tcp:\/\/127\.0\.0\.1:\d+$/);
    assert.notEqual(socket.lastEndpoint, "tcp://127.0.0.1:*");
    const inproc = endpoint("inproc");
    socket.bindSync(inproc);
    assert.equal(socket.lastEndpoint, inproc);
  });

  test("CURVE keys as z85 strings and as 32-byte arrays", () => {
    assert.ok(capability.curve, "Debian's libzmq has CURVE");
    using socket = new Dealer();
    assert.equal(socket.curvePublicKey, "0".repeat(40)); // 32 zero bytes
    socket.curvePublicKey = z85Decode(clientKeys.publicKey);
    assert.equal(socket.curvePublicKey, clientKeys.publicKey);
    socket.curveSecretKey = clientKeys.secretKey;
    assert.equal(socket.curveSecretKey, clientKeys.secretKey);
    socket.curveServerKey = z85Decode(serverKeys.publicKey);
    assert.equal(socket.curveServerKey, serverKeys.publicKey);
    // The well-known test key from the zmq_curve man page.
    socket.curveServerKey = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7";
    assert.equal(
      socket.curveServerKey,
      "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7",
    );
  });

  test("heartbeatTimeToLive is kept in units of 100 ms", () => {
    using socket = new Dealer();
    socket.heartbeatTimeToLive = 6553599;
    assert.equal(socket.heartbeatTimeToLive, 6553500);
  });

  test("Publisher noDrop and Router mandatory read back what was written", () => {
    using pub = new Publisher();
    using router = new Router();
    assert.equal(pub.noDrop, false);
    pub.noDrop = true;
    assert.equal(pub.noDrop, true);
    pub.noDrop = false;
    assert.equal(pub.noDrop, false);
    router.mandatory = true;
    assert.equal(router.mandatory, true);
  });
});

describe("constructor options", () => {
  test("are applied", () => {
    using push = new Push({
      sendHighWaterMark: 5,
      linger: 10,
      routingId: "pusher",
      immediate: true,
      affinity: 1n,
      maxMessageSize: 4096n,
      receiveTimeout: undefined, // undefined values are ignored
    });
    assert.equal(push.sendHighWaterMark, 5);
    assert.equal(push.linger, 10);
    assert.deepEqual(push.routingId, encoder.encode("pusher"));
    assert.equal(push.immediate, true);
    assert.equal(push.affinity, 1n);
    assert.equal(push.maxMessageSize, 4096);
    assert.equal(push.receiveTimeout, -1);
  });

  test("per socket type options", () => {
    using router = new Router({ mandatory: true, handover: true });
    using xpub = new XPublisher({ verbose: true, welcomeMessage: "hi" });
    using stream = new Stream({ notify: false });
    using req = new Request({ correlate: true, relaxed: true });
    assert.equal(router.mandatory, true);
    assert.equal(router.handover, true);
    assert.equal(xpub.verbose, true);
    assert.equal(xpub.welcomeMessage, "hi");
    assert.equal(stream.notify, false);
    assert.equal(req.correlate, true);
    assert.equal(req.relaxed, true);
  });

  test("an unknown, read-only or foreign option name is a TypeError naming it", () => {
    const construct = (options: Record<string, unknown>) => () =>
      new Push(options as never).close();
    assert.throws(construct({ bogusOption: 1 }), {
      name: "TypeError",
      message: /bogusOption/,
    });
    assert.throws(construct({ type: 8 }), {
      name: "TypeError",
      message: /'type'/,
    });
    assert.throws(construct({ lastEndpoint: "x" }), TypeError);
    assert.throws(construct({ mandatory: true }), {
      name: "TypeError",
      message: /mandatory/,
    });
    assert.throws(construct({ verbose: true }), TypeError);
    assert.throws(() => new Push(null as never), TypeError);
    assert.throws(() => new Push("linger" as never), TypeError);
  });

  test("a bad value fails the construction", () => {
    assert.throws(() => new Push({ linger: "10" as never }), TypeError);
    assert.throws(() => new Push({ linger: -5 }), RangeError);
    if (capability.draft) {
      assert.throws(() => new Push({ priority: -1 } as never), RangeError);
    } else {
      assert.throws(
        () => new Push({ priority: 1 } as never),
        zmqCode("ENOTSUP", /draft/),
      );
    }
  });
});

describe("option validation", () => {
  test("wrong type is a TypeError", () => {
    using dealer = new Dealer();
    const socket = properties(dealer);
    const cases: [string, unknown][] = [
      ["linger", "10"],
      ["linger", 10n],
      ["linger", null],
      ["immediate", 1],
      ["immediate", "true"],
      ["routingId", 5],
      ["routingId", ["a"]],
      ["zapDomain", 5],
      ["plainUsername", encoder.encode("user")],
      ["curvePublicKey", 5],
      ["curvePublicKey", new ArrayBuffer(32)],
      ["affinity", "1"],
      ["maxMessageSize", "1"],
    ];
    for (const [name, value] of cases) {
      assert.throws(
        () => {
          socket[name] = value;
        },
        TypeError,
        `${name} = ${String(value)}`,
      );
    }
  });

  test("out of range is a RangeError", () => {
    using router = new Router();
    const socket = properties(router);
    const cases: [string, unknown][] = [
      ["linger", -2],
      ["linger", 1.5],
      ["linger", 2 ** 31],
      ["linger", NaN],
      ["sendHighWaterMark", -1],
      ["typeOfService", 256],
      ["tcpKeepalive", 2],
      ["heartbeatTimeToLive", 6553600],
      ["multicastHops", 0],
      ["maxMessageSize", -2],
      ["maxMessageSize", 2 ** 53],
      ["maxMessageSize", 0.5],
      ["affinity", -1n],
      ["affinity", 2n ** 64n],
      ["routingId", ""],
      ["routingId", "x".repeat(256)],
      ["routingId", new Uint8Array(0)],
      ["curvePublicKey", "tooShort"],
      ["curvePublicKey", "x".repeat(41)],
      ["curveSecretKey", new Uint8Array(31)],
      ["curveServerKey", new Uint8Array(33)],
    ];
    for (const [name, value] of cases) {
      assert.throws(
        () => {
          socket[name] = value;
        },
        RangeError,
        `${name} = ${String(value)}`,
      );
    }
    // Limits themselves are accepted.
    socket.linger = -1;
    socket.typeOfService = 255;
    socket.routingId = "x".repeat(255);
    socket.affinity = 2n ** 64n - 1n;
    assert.equal(socket.affinity, 2n ** 64n - 1n);
  });

  test("draft options need a draft libzmq (ENOTSUP)", {
    skip: capability.draft ? "this libzmq has the draft API" : false,
  }, () => {
    using socket = new Router();
    const router = properties(socket);
    const drafts = names.filter((name) =>
      isDraft(name) && applies(name, "router")
    );
    assert.ok(drafts.length > 5);
    for (const name of drafts) {
      assert.throws(
        () => router[name],
        zmqCode("ENOTSUP", new RegExp(`'${name}'.*draft`)),
      );
      assert.throws(() => {
        router[name] = 1;
      }, zmqCode("ENOTSUP"));
    }
  });

  test("values libzmq rejects itself are ZmqError EINVAL", () => {
    using socket = new Dealer();
    // A key is decoded strictly before libzmq sees it (libzmq's decoder
    // would stop at a NUL and keep the rest of the old key).
    assert.throws(
      () => {
        socket.curvePublicKey = " ".repeat(40); // not z85
      },
      (error) =>
        error instanceof RangeError && /curvePublicKey/.test(error.message),
    );
    assert.throws(() => {
      socket.bindToDevice = "x".repeat(40); // longer than an interface name
    }, zmqCode("EINVAL"));
    assert.throws(() => {
      socket.zapDomain = "x".repeat(300); // more than 255 bytes
    }, zmqCode("EINVAL"));
    assert.throws(() => {
      socket.plainPassword = "x".repeat(300);
    }, zmqCode("EINVAL"));
    // The socket is unharmed.
    socket.zapDomain = "ok";
    assert.equal(socket.zapDomain, "ok");
  });

  test("getOption/setOption reject unknown names", () => {
    using socket = new Pair();
    assert.throws(() => socket.getOption("nope" as OptionName), TypeError);
    assert.throws(() => socket.setOption("nope" as OptionName, 1), TypeError);
    assert.throws(() => socket.setOption("type", 1), TypeError);
  });
});

describe("context options", () => {
  test("round-trip from the constructor and setters", () => {
    using ctx = new Context({
      ioThreads: 2,
      maxSockets: 100,
      maxMessageSize: 4096,
      ipv6: true,
      blocky: true,
    });
    assert.equal(ctx.ioThreads, 2);
    assert.equal(ctx.maxSockets, 100);
    assert.equal(ctx.maxMessageSize, 4096);
    assert.equal(ctx.ipv6, true);
    assert.equal(ctx.blocky, true);
    ctx.ioThreads = 3;
    ctx.maxSockets = 200;
    ctx.maxMessageSize = 8192;
    ctx.ipv6 = false;
    ctx.blocky = false;
    assert.equal(ctx.ioThreads, 3);
    assert.equal(ctx.maxSockets, 200);
    assert.equal(ctx.maxMessageSize, 8192);
    assert.equal(ctx.ipv6, false);
    assert.equal(ctx.blocky, false);
    assert.ok(ctx.socketLimit >= 1023, `socketLimit ${ctx.socketLimit}`);
    assert.throws(() => {
      properties(ctx).socketLimit = 5;
    }, TypeError);
  });

  test("defaults", () => {
    using ctx = new Context();
    assert.equal(ctx.ioThreads, 1);
    assert.equal(ctx.maxSockets, 1023);
    assert.equal(ctx.ipv6, false);
    assert.equal(ctx.blocky, false);
    assert.equal(ctx.threadPriority, -1);
    assert.equal(ctx.threadSchedulingPolicy, -1);
  });

  test("-1 leaves the thread options at libzmq's defaults", () => {
    using ctx = new Context({ threadPriority: -1, threadSchedulingPolicy: -1 });
    using socket = new Pair({ context: ctx });
    socket.bindSync(endpoint("inproc"));
    assert.equal(ctx.threadPriority, -1);
    assert.equal(ctx.threadSchedulingPolicy, -1);
  });

  test("blocky and ipv6 become the defaults of new sockets", () => {
    using blocky = new Context({ blocky: true, ipv6: true });
    using plain = new Context();
    using first = new Dealer({ context: blocky });
    using second = new Dealer({ context: plain });
    assert.equal(first.linger, -1);
    assert.equal(first.ipv6, true);
    assert.equal(second.linger, 0);
    assert.equal(second.ipv6, false);
    first.linger = 0;
  });

  test("maxSockets limits the sockets of a context (EMFILE)", () => {
    using ctx = new Context({ maxSockets: 2 });
    using first = new Pair({ context: ctx });
    using second = new Pair({ context: ctx });
    assert.throws(() => new Pair({ context: ctx }), zmqCode("EMFILE"));
    assert.equal(first.closed || second.closed, false);
  });

  test("validation", () => {
    const bad: [unknown, ErrorConstructor | RangeErrorConstructor, RegExp?][] =
      [
        [null, TypeError],
        ["ioThreads", TypeError],
        [{ bogus: 1 }, TypeError, /bogus/],
        [{ ioThreads: "2" }, TypeError, /ioThreads/],
        [{ ioThreads: 1.5 }, TypeError, /ioThreads/],
        [{ maxSockets: true }, TypeError, /maxSockets/],
        [{ ipv6: 1 }, TypeError, /ipv6/],
        [{ blocky: "yes" }, TypeError, /blocky/],
        [{ ioThreads: -1 }, RangeError, /ioThreads/],
        [{ maxSockets: 0 }, RangeError, /maxSockets/],
        [{ maxMessageSize: -1 }, RangeError, /maxMessageSize/],
        [{ threadPriority: -2 }, RangeError, /threadPriority/],
        [{ maxSockets: 2 ** 31 }, RangeError, /maxSockets/],
        [{ socketLimit: 10 }, TypeError, /socketLimit/],
      ];
    for (const [options, kind, message] of bad) {
      assert.throws(
        () => new Context(options as never),
        (error: Error) =>
          error instanceof kind && (message?.test(error.message) ?? true),
        JSON.stringify(options),
      );
    }
    using context = new Context();
    const ctx = properties(context);
    assert.throws(() => {
      ctx.ioThreads = "2";
    }, TypeError);
    assert.throws(() => {
      ctx.maxSockets = -5;
    }, RangeError);
    assert.throws(() => {
      ctx.ipv6 = 1;
    }, TypeError);
    assert.throws(() => {
      ctx.blocky = null;
    }, TypeError);
    // Values libzmq would reject are refused before the context is touched.
    for (
      const [name, value] of [
        ["maxSockets", 0],
        ["ioThreads", -1],
        ["maxMessageSize", -1],
        ["threadPriority", -1],
        ["threadSchedulingPolicy", -1],
      ] as const
    ) {
      assert.throws(() => {
        ctx[name] = value;
      }, { name: "RangeError", message: new RegExp(name) });
    }
  });
});
