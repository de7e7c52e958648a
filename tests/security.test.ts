import { describe, test } from "./leakcheck.ts";
import assert from "node:assert/strict";
import {
  connect as netConnect,
  createServer,
  type Server as NetServer,
  type Socket as NetSocket,
} from "node:net";
import {
  type AuthenticationLog,
  Authenticator,
  capability,
  Context,
  curveKeyPair,
  curvePublicKey,
  Dealer,
  type EventOfType,
  HandshakeError,
  Pull,
  Push,
  Reply,
  Request,
  z85,
} from "../mod.ts";
import {
  endpoint,
  nextEvent,
  receiveWithin,
  text,
  within,
  zmqCode,
} from "./helpers.ts";

const needsCurve = {
  skip: capability.curve ? false : (
    "needs a libzmq built with CURVE (capability.curve is false): install one built with libsodium"
  ),
};
// Neither runner prints a skip reason: say it once.
if (needsCurve.skip) {
  console.log(`tests/security.test.ts: CURVE tests ${needsCurve.skip}`);
}

const TIMEOUT = 5000;

/** Sends a unique message and checks it arrives intact. */
async function exchanges(push: Push, pull: Pull): Promise<void> {
  const message = `hello ${crypto.randomUUID()}`;
  await push.send(message);
  const [frame] = await within(pull.receive(), TIMEOUT, "receive");
  assert.equal(text(frame), message);
}

/**
 * Checks that nothing gets through: the server sees `failures` handshake
 * failures of `type` and then receives nothing. Read `pull.events` before
 * the client connects, so that no event is missed. (libzmq clients retry
 * after a protocol error, not after an authentication failure.)
 */
async function refused<
  T extends "handshake:error:auth" | "handshake:error:protocol",
>(
  pull: Pull,
  type: T,
  failures = 1,
): Promise<EventOfType<T>> {
  let event: EventOfType<T> | undefined;
  for (let count = 0; count < failures; count++) {
    event = await nextEvent(pull.events, type);
  }
  assert.equal(await receiveWithin(pull, 50), null);
  return event!;
}

/** A TCP relay between a client and a server that records every byte. */
class Relay {
  readonly recorded: Uint8Array[] = [];
  /** What happened, for the message of a failing test. */
  readonly log: string[] = [];
  #server: NetServer;
  #sockets = new Set<NetSocket>();
  #closed: Promise<void>[] = [];

  private constructor(target: number) {
    this.#server = createServer((inbound) => {
      this.log.push("accepted");
      // Read nothing until the server side is connected: no write to a
      // socket that is still connecting.
      inbound.pause();
      const outbound = netConnect(target, "127.0.0.1");
      outbound.pause();
      for (
        const [from, to, name] of [
          [inbound, outbound, "client"],
          [outbound, inbound, "server"],
        ] as const
      ) {
        this.#sockets.add(from);
        this.#closed.push(
          new Promise((resolve) => from.once("close", resolve)),
        );
        from.on("error", (error) => this.log.push(`${name} ${error}`));
        from.on("data", (chunk: Uint8Array) => {
          const copy = new Uint8Array(chunk);
          this.recorded.push(copy);
          this.log.push(`${name} sent ${copy.length} B`);
          to.write(copy);
        });
        from.on("close", () => to.destroy());
      }
      outbound.once("connect", () => {
        this.log.push("connected to the server");
        inbound.resume();
        outbound.resume();
      });
    });
  }

  /** Starts a relay on 127.0.0.1 to a local port; resolves with its endpoint. */
  static async start(target: number): Promise<[Relay, string]> {
    const relay = new Relay(target);
    await new Promise<void>((resolve) =>
      relay.#server.listen(0, "127.0.0.1", resolve)
    );
    const address = relay.#server.address();
    assert.ok(typeof address === "object" && address !== null);
    return [relay, `tcp://127.0.0.1:${address.port}`];
  }

  /** Whether the recorded traffic contains `needle`. */
  saw(needle: string): boolean {
    const bytes = new TextEncoder().encode(needle);
    const all = new Uint8Array(
      this.recorded.reduce((total, chunk) => total + chunk.length, 0),
    );
    let offset = 0;
    for (const chunk of this.recorded) {
      all.set(chunk, offset);
      offset += chunk.length;
    }
    outer: for (let start = 0; start + bytes.length <= all.length; start++) {
      for (let index = 0; index < bytes.length; index++) {
        if (all[start + index] !== bytes[index]) continue outer;
      }
      return true;
    }
    return false;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await Promise.all(this.#closed);
    await new Promise((resolve) => this.#server.close(resolve));
  }
}

function port(endpoint: string): number {
  return Number(endpoint.split(":").at(-1));
}

describe("CURVE keys", () => {
  test("curveKeyPair makes fresh Z85 key pairs", needsCurve, () => {
    const first = curveKeyPair();
    const second = curveKeyPair();
    for (const key of [first.publicKey, first.secretKey]) {
      assert.equal(key.length, 40);
      assert.equal(z85.decode(key).length, 32);
    }
    assert.notEqual(first.secretKey, second.secretKey);
    assert.notEqual(first.publicKey, second.publicKey);
    assert.equal(curvePublicKey(first.secretKey), first.publicKey);
    assert.equal(
      curvePublicKey(z85.decode(second.secretKey)),
      second.publicKey,
    );
  });

  test("curvePublicKey rejects what is not a key", needsCurve, () => {
    const { secretKey } = curveKeyPair();
    assert.throws(() => curvePublicKey(secretKey.slice(1)), RangeError);
    assert.throws(() => curvePublicKey(new Uint8Array(31)), RangeError);
    assert.throws(
      () => curvePublicKey(" ".repeat(40)),
      (error: unknown) =>
        error instanceof RangeError &&
        error.message.includes("not a Z85 character"),
    );
    assert.throws(() => curvePublicKey(42 as never), TypeError);
  });

  test(
    "key options take Z85 or 32 bytes and read back as Z85",
    needsCurve,
    () => {
      const { publicKey, secretKey } = curveKeyPair();
      const socket = new Dealer();
      try {
        socket.curvePublicKey = z85.decode(publicKey);
        socket.curveSecretKey = secretKey;
        socket.curveServerKey = z85.decode(publicKey);
        assert.equal(socket.curvePublicKey, publicKey);
        assert.equal(socket.curveSecretKey, secretKey);
        assert.equal(socket.curveServerKey, publicKey);
        assert.throws(() => (socket.curveServerKey = "too short"), RangeError);
        assert.throws(
          () => (socket.curveServerKey = new Uint8Array(8)),
          RangeError,
        );
      } finally {
        socket.close();
      }
    },
  );
});

describe("CURVE", () => {
  for (const transport of ["tcp", "ipc"] as const) {
    test(
      `a client with the right server key talks both ways over ${transport}`,
      needsCurve,
      async () => {
        const server = curveKeyPair();
        const client = curveKeyPair();
        const reply = new Reply({
          curveServer: true,
          curveSecretKey: server.secretKey,
        });
        const request = new Request({
          curveServerKey: server.publicKey,
          curvePublicKey: client.publicKey,
          curveSecretKey: client.secretKey,
        });
        try {
          await reply.bind(endpoint(transport));
          request.connect(reply.lastEndpoint);
          for (let round = 0; round < 3; round++) {
            await request.send(`question ${round}`);
            const [question] = await within(
              reply.receive(),
              TIMEOUT,
              "request",
            );
            assert.equal(text(question), `question ${round}`);
            await reply.send(`answer ${round}`);
            const [answer] = await within(request.receive(), TIMEOUT, "reply");
            assert.equal(text(answer), `answer ${round}`);
          }
          assert.equal(reply.securityMechanism, "curve");
          assert.equal(request.securityMechanism, "curve");
        } finally {
          request.close();
          reply.close();
        }
      },
    );
  }

  test(
    "a client with a wrong server key never gets through",
    needsCurve,
    async () => {
      const server = curveKeyPair();
      const impostor = curveKeyPair();
      const client = curveKeyPair();
      const pull = new Pull({
        curveServer: true,
        curveSecretKey: server.secretKey,
      });
      const push = new Push({
        curveServerKey: impostor.publicKey,
        curvePublicKey: client.publicKey,
        curveSecretKey: client.secretKey,
        reconnectInterval: 20,
      });
      try {
        const clientFailure = nextEvent(push.events, "handshake:error:other");
        await pull.bind("tcp://127.0.0.1:*");
        push.connect(pull.lastEndpoint);
        assert.equal(push.trySend("secret"), true); // queued, never delivered
        const event = await refused(pull, "handshake:error:protocol", 3);
        assert.ok(event.error instanceof HandshakeError);
        assert.equal(event.error.reason, "ERR_ZMTP_CRYPTOGRAPHIC");
        assert.equal(event.address, pull.lastEndpoint);
        // The server drops the connection; the client sees it fail.
        assert.equal((await clientFailure).address, pull.lastEndpoint);
      } finally {
        push.close();
        pull.close();
      }
    },
  );

  for (const secure of [false, true]) {
    test(
      `the wire ${secure ? "carries no" : "carries the"} plaintext ${
        secure ? "under" : "without"
      } CURVE`,
      secure ? needsCurve : {},
      async () => {
        const server = secure ? curveKeyPair() : undefined;
        const client = secure ? curveKeyPair() : undefined;
        const pull = new Pull(
          server ? { curveServer: true, curveSecretKey: server.secretKey } : {},
        );
        const push = new Push(
          server && client
            ? {
              curveServerKey: server.publicKey,
              curvePublicKey: client.publicKey,
              curveSecretKey: client.secretKey,
            }
            : {},
        );
        let relay: Relay | undefined;
        try {
          await pull.bind("tcp://127.0.0.1:*");
          let relayEndpoint: string;
          [relay, relayEndpoint] = await Relay.start(port(pull.lastEndpoint));
          push.connect(relayEndpoint);
          const payload = `top secret payload ${crypto.randomUUID()}`;
          await push.send(payload);
          const [frame] = await within(
            pull.receive(),
            TIMEOUT,
            "receive",
          ).catch((error) => {
            throw new Error(
              `${error.message}; relay: ${relay!.log.join(", ")}`,
            );
          });
          assert.equal(text(frame), payload);
          // The relay saw the handshake (the greeting names the mechanism)...
          assert.equal(relay.saw(secure ? "CURVE" : "NULL"), true);
          // ...and the payload in clear text only without CURVE.
          assert.equal(relay.saw(payload), !secure);
          assert.equal(relay.saw("top secret"), !secure);
        } finally {
          push.close();
          pull.close();
          await relay?.close();
        }
      },
    );
  }
});

describe("PLAIN with an Authenticator", () => {
  test("the right password gets through, a wrong one never does", async () => {
    const context = new Context();
    const log: AuthenticationLog[] = [];
    const auth = new Authenticator({
      context,
      log: (entry) => log.push(entry),
    });
    auth.configurePlain("*", { alice: "correct horse" });
    const pull = new Pull({ context, plainServer: true, zapDomain: "shop" });
    const good = new Push({
      context,
      plainUsername: "alice",
      plainPassword: "correct horse",
    });
    const bad = new Push({
      context,
      plainUsername: "alice",
      plainPassword: "battery staple",
      reconnectInterval: 20,
    });
    try {
      await pull.bind("tcp://127.0.0.1:*");
      good.connect(pull.lastEndpoint);
      await exchanges(good, pull);
      assert.equal(pull.securityMechanism, "plain");
      good.close();

      const clientRefused = nextEvent(bad.events, "handshake:error:auth");
      pull.events; // observe from before the attempt
      bad.connect(pull.lastEndpoint);
      bad.trySend("must not arrive");
      const event = await refused(pull, "handshake:error:auth");
      assert.equal(event.error.status, 400);
      assert.equal((await clientRefused).error.status, 400);

      // The decisions are logged without the passwords.
      assert.deepEqual(log[0], {
        domain: "shop",
        address: "127.0.0.1",
        mechanism: "PLAIN",
        userId: "alice",
        status: 200,
        reason: "OK",
      });
      assert.equal(log.at(-1)!.status, 400);
      const logged = JSON.stringify(log);
      assert.equal(logged.includes("horse"), false);
      assert.equal(logged.includes("battery"), false);
    } finally {
      good.close();
      bad.close();
      pull.close();
      auth.close();
      context.close();
    }
  });

  test("users are per domain, with '*' for domains without their own", async () => {
    const context = new Context();
    const auth = new Authenticator({ context });
    auth.configurePlain("*", { guest: "guest" });
    auth.configurePlain("admin", { root: "s3cret" });
    const admin = new Pull({ context, plainServer: true, zapDomain: "admin" });
    const other = new Pull({ context, plainServer: true, zapDomain: "other" });
    const pushes: Push[] = [];
    const push = (user: string, password: string) => {
      const socket = new Push({
        context,
        plainUsername: user,
        plainPassword: password,
        reconnectInterval: 20,
      });
      pushes.push(socket);
      return socket;
    };
    try {
      await admin.bind("tcp://127.0.0.1:*");
      await other.bind("tcp://127.0.0.1:*");
      const root = push("root", "s3cret");
      root.connect(admin.lastEndpoint);
      await exchanges(root, admin);
      const guest = push("guest", "guest");
      guest.connect(other.lastEndpoint);
      await exchanges(guest, other);
      // The admin domain has its own users: the '*' guest is not one.
      admin.events; // observe from before the attempt
      push("guest", "guest").connect(admin.lastEndpoint);
      assert.equal(
        (await refused(admin, "handshake:error:auth")).error.status,
        400,
      );
    } finally {
      for (const socket of pushes) socket.close();
      admin.close();
      other.close();
      auth.close();
      context.close();
    }
  });
});

describe("Authenticator: addresses", () => {
  // libzmq asks the handler about NULL connections when zapDomain is set.
  async function attempt(
    configure: (auth: Authenticator) => void,
    expectAllowed: boolean,
    ipv6 = false,
  ): Promise<void> {
    const context = new Context();
    const auth = new Authenticator({ context });
    configure(auth);
    const pull = new Pull({ context, zapDomain: "global", ipv6 });
    const push = new Push({ context, reconnectInterval: 20 });
    try {
      pull.events; // observe from before the attempt
      await pull.bind("tcp://127.0.0.1:*");
      push.connect(pull.lastEndpoint);
      if (expectAllowed) {
        await exchanges(push, pull);
      } else {
        push.trySend("must not arrive");
        const event = await refused(pull, "handshake:error:auth");
        assert.equal(event.error.status, 400);
      }
    } finally {
      push.close();
      pull.close();
      auth.close();
      context.close();
    }
  }

  test("an allowed address gets through", () =>
    attempt((auth) => auth.allow("127.0.0.1"), true));

  test("a denied address never does", () =>
    attempt((auth) => auth.deny("127.0.0.1"), false));

  test("with an allow list, other addresses never do (deny is ignored)", () =>
    attempt((auth) => auth.allow("192.0.2.1").deny("192.0.2.2"), false));

  test("addresses neither allowed nor denied get through", () =>
    attempt((auth) => auth.deny("192.0.2.2"), true));

  // With ipv6 on, libzmq reports an IPv4 client as "::ffff:127.0.0.1": the
  // same client, so the same entries apply to it.
  test("an IPv4 client of an ipv6 socket is denied by its IPv4 address", () =>
    attempt((auth) => auth.deny("127.0.0.1"), false, true));

  test("an IPv4 client of an ipv6 socket is allowed by its IPv4 address", () =>
    attempt((auth) => auth.allow("127.0.0.1"), true, true));

  test("an IPv4-mapped entry names the same IPv4 client", () =>
    attempt((auth) => auth.deny("::FFFF:127.0.0.1"), false));

  test("allow and deny check their arguments", () => {
    const context = new Context();
    const auth = new Authenticator({ context });
    try {
      assert.throws(() => auth.allow(""), TypeError);
      assert.throws(() => auth.deny(42 as never), TypeError);
    } finally {
      auth.close();
      context.close();
    }
  });
});

describe("Authenticator: CURVE keys", () => {
  async function attempt(
    allowed: (clientKey: string) => readonly (string | Uint8Array)[] | "*",
    expectAllowed: boolean,
    domain = "*",
  ): Promise<void> {
    const context = new Context();
    const auth = new Authenticator({ context });
    const server = curveKeyPair();
    const client = curveKeyPair();
    auth.configureCurve(domain, allowed(client.publicKey));
    const pull = new Pull({
      context,
      curveServer: true,
      curveSecretKey: server.secretKey,
      zapDomain: "vault",
    });
    const push = new Push({
      context,
      curveServerKey: server.publicKey,
      curvePublicKey: client.publicKey,
      curveSecretKey: client.secretKey,
      reconnectInterval: 20,
    });
    try {
      pull.events; // observe from before the attempt
      await pull.bind("tcp://127.0.0.1:*");
      push.connect(pull.lastEndpoint);
      if (expectAllowed) {
        await exchanges(push, pull);
      } else {
        push.trySend("must not arrive");
        const event = await refused(pull, "handshake:error:auth");
        assert.equal(event.error.status, 400);
      }
    } finally {
      push.close();
      pull.close();
      auth.close();
      context.close();
    }
  }

  test(
    "an allowed client key gets through (Z85 or bytes)",
    needsCurve,
    async () => {
      await attempt((key) => [key], true);
      await attempt((key) => [z85.decode(key)], true, "vault");
    },
  );

  test(
    "'*' lets any client that knows the server key through",
    needsCurve,
    () => attempt(() => "*", true),
  );

  test(
    "an unknown client key never gets through",
    needsCurve,
    () => attempt(() => [curveKeyPair().publicKey], false),
  );

  test(
    "keys of another domain do not count",
    needsCurve,
    () => attempt((key) => [key], false, "other"),
  );

  test("configureCurve checks the keys", () => {
    const context = new Context();
    const auth = new Authenticator({ context });
    try {
      assert.throws(() => auth.configureCurve("*", ["short"]), RangeError);
      assert.throws(
        () => auth.configureCurve("*", [new Uint8Array(3)]),
        RangeError,
      );
      assert.throws(() => auth.configureCurve("*", "all" as never), TypeError);
    } finally {
      auth.close();
      context.close();
    }
  });
});

describe("Authenticator: the ZAP protocol", () => {
  // Talks to the handler directly, as libzmq does: [delimiter, version,
  // request id, domain, address, identity, mechanism, credentials...].
  test("status codes, status texts and user ids", async () => {
    const context = new Context();
    const log: AuthenticationLog[] = [];
    const auth = new Authenticator({
      context,
      log: (entry) => log.push(entry),
    });
    const { publicKey } = capability.curve
      ? curveKeyPair()
      : { publicKey: z85.encode(new Uint8Array(32).fill(7)) };
    auth.configurePlain("*", { alice: "wonderland" });
    auth.configureCurve("*", [publicKey]);
    const zap = new Dealer({ context });
    try {
      zap.connect("inproc://zeromq.zap.01");
      let id = 0;
      const ask = async (...frames: (string | Uint8Array)[]) => {
        const requestId = String(++id);
        const [mechanism, ...credentials] = frames;
        await zap.send([
          "",
          "1.0",
          requestId,
          "domain",
          "10.0.0.1",
          "",
          mechanism!,
          ...credentials,
        ]);
        const reply = await within(zap.receive(), TIMEOUT, "ZAP reply");
        assert.equal(text(reply[0]), "");
        assert.equal(text(reply[1]), "1.0");
        assert.equal(text(reply[2]), requestId);
        assert.equal(reply.length, 7);
        return [text(reply[3]), text(reply[4]), text(reply[5])];
      };
      assert.deepEqual(await ask("NULL"), ["200", "OK", ""]);
      assert.deepEqual(await ask("PLAIN", "alice", "wonderland"), [
        "200",
        "OK",
        "alice",
      ]);
      assert.deepEqual(await ask("PLAIN", "alice", "looking glass"), [
        "400",
        "Wrong user name or password",
        "",
      ]);
      assert.deepEqual(await ask("PLAIN", "bob", "wonderland"), [
        "400",
        "Wrong user name or password",
        "",
      ]);
      assert.deepEqual(await ask("CURVE", z85.decode(publicKey)), [
        "200",
        "OK",
        publicKey,
      ]);
      const stranger = new Uint8Array(32).fill(9);
      assert.deepEqual(await ask("CURVE", stranger), [
        "400",
        "Public key not allowed",
        "",
      ]);
      // Malformed requests are internal errors, not refusals.
      assert.deepEqual(await ask("PLAIN", "alice"), [
        "500",
        "Malformed PLAIN credentials",
        "",
      ]);
      assert.deepEqual(await ask("CURVE", new Uint8Array(5)), [
        "500",
        "Malformed CURVE credentials",
        "",
      ]);
      assert.deepEqual(await ask("KERBEROS"), ["500", "Unknown mechanism", ""]);

      await zap.send(["", "2.0", "99", "domain", "10.0.0.1", "", "NULL"]);
      const reply = await within(zap.receive(), TIMEOUT, "ZAP reply");
      assert.deepEqual(reply.slice(1, 5).map(text), [
        "1.0",
        "99",
        "500",
        "Unsupported ZAP version",
      ]);

      // Nothing secret reaches the log.
      assert.ok(log.length >= 9);
      assert.equal(JSON.stringify(log).includes("wonderland"), false);
      assert.equal(JSON.stringify(log).includes("looking glass"), false);
    } finally {
      zap.close();
      auth.close();
      context.close();
    }
  });

  test("it writes nothing to the console", async () => {
    const context = new Context();
    const auth = new Authenticator({ context });
    auth.configurePlain("*", { alice: "hidden-password" });
    const pull = new Pull({ context, plainServer: true });
    const push = new Push({
      context,
      plainUsername: "alice",
      plainPassword: "wrong-password",
      reconnectInterval: 20,
    });
    const methods = ["log", "info", "warn", "error", "debug"] as const;
    const saved = methods.map((name) => console[name]);
    const written: unknown[] = [];
    for (const name of methods) console[name] = (...args) => written.push(args);
    try {
      pull.events; // observe from before the attempt
      await pull.bind("tcp://127.0.0.1:*");
      push.connect(pull.lastEndpoint);
      await refused(pull, "handshake:error:auth");
    } finally {
      methods.forEach((name, index) => (console[name] = saved[index]!));
      push.close();
      pull.close();
      auth.close();
      context.close();
    }
    assert.deepEqual(written, []);
  });
});

describe("Authenticator: lifecycle", () => {
  test("one per context; close() is idempotent and frees the endpoint", () => {
    const context = new Context();
    try {
      const first = new Authenticator({ context });
      assert.throws(
        () => new Authenticator({ context }),
        zmqCode("EADDRINUSE", /already has a ZAP handler/),
      );
      assert.equal(first.closed, false);
      first.close();
      first.close();
      assert.equal(first.closed, true);
      {
        using second = new Authenticator({ context });
        assert.equal(second.closed, false);
      }
      // `using` closed the second one: others can start at once, again and again.
      for (let round = 0; round < 20; round++) {
        new Authenticator({ context }).close();
      }
    } finally {
      context.close();
    }
  });

  test("closing the context stops it", () => {
    const context = new Context();
    const auth = new Authenticator({ context });
    context.close();
    assert.equal(auth.closed, true);
    auth.close();
  });

  test("after close() PLAIN clients are refused, not let in", async () => {
    const context = new Context();
    const auth = new Authenticator({ context });
    auth.configurePlain("*", { alice: "right" });
    const pull = new Pull({ context, plainServer: true });
    const push = new Push({
      context,
      plainUsername: "alice",
      plainPassword: "right",
      reconnectInterval: 20,
    });
    try {
      await pull.bind("tcp://127.0.0.1:*");
      push.connect(pull.lastEndpoint);
      await exchanges(push, pull);
      auth.close();
      // A new client finds no ZAP handler: libzmq fails its handshake.
      const late = new Push({
        context,
        plainUsername: "alice",
        plainPassword: "right",
        reconnectInterval: 20,
      });
      try {
        pull.events; // observe from before the attempt
        late.connect(pull.lastEndpoint);
        const event = await nextEvent(pull.events, "handshake:error:other");
        assert.equal(event.error.code, "EFAULT");
        assert.equal(await receiveWithin(pull, 50), null);
      } finally {
        late.close();
      }
    } finally {
      push.close();
      pull.close();
      auth.close();
      context.close();
    }
  });

  test("options are checked", () => {
    assert.throws(() => new Authenticator(null as never), TypeError);
    assert.throws(
      () => new Authenticator({ log: "yes" as never }),
      TypeError,
    );
    const context = new Context();
    const auth = new Authenticator({ context });
    try {
      assert.throws(() => auth.configurePlain(7 as never, {}), TypeError);
      assert.throws(
        () => auth.configurePlain("*", { alice: 7 as never }),
        TypeError,
      );
    } finally {
      auth.close();
      context.close();
    }
  });
});
