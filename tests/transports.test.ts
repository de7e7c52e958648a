// pgm:// and epgm:// (reliable multicast through OpenPGM) for pub-sub, on
// every runtime: over loopback in one process, and across two network
// namespaces joined by a veth pair (a LAN as a program sees it), one peer
// process per socket (tests/fixtures/multicast_peer.ts). Plus the errors a
// refused multicast endpoint gets, and what capability tells in advance
// about ws:// and tipc://.
//
// What multicast promises, and so what is asserted: a subscriber gets every
// message published after it started receiving, in order, with none lost;
// nothing published before its socket existed; its filters apply. Joining a
// group takes a while, so a test first publishes a probe until every
// subscriber has received one, and only then counts.
//
// Gated on capability.pgm (libzmq built with OpenPGM). pgm:// also needs raw
// sockets (root or CAP_NET_RAW), the namespace tests root and iproute2; each
// says why it skips. OpenPGM prints warnings about lo ("not multicast
// capable"): expected, 127.0.0.1 works all the same.
import { describe, test } from "./leakcheck.ts";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import {
  capability,
  Dealer,
  Pair,
  Publisher,
  Pull,
  Push,
  Reply,
  Request,
  Router,
  Subscriber,
  XPublisher,
} from "../mod.ts";
import { rawSocketProblem } from "../src/pgm.ts";
import {
  type Multicast,
  multicastEndpoint,
  namespacePair,
  namespacesSkipReason,
  type Peer,
  receiveWithin,
  type SocketClass,
  startPeer,
  text,
  texts,
  until,
  zmqCode,
} from "./helpers.ts";

const fixture = new URL("./fixtures/multicast_peer.ts", import.meta.url)
  .pathname;
const SLOW = { timeout: 60000 };
const PROBE = "probe";

const noPgm = capability.pgm
  ? false
  : "libzmq was built without OpenPGM (capability.pgm is false)";

/** Why a transport's tests cannot run here, or false. */
function skipReason(transport: Multicast): string | false {
  if (noPgm) return noPgm;
  if (transport === "pgm" && rawSocketProblem() !== null) {
    return "pgm:// needs raw sockets: run as root or with CAP_NET_RAW (epgm:// is tested without)";
  }
  return false;
}

/** The part of a Publisher or XPublisher these tests use. */
type Sender = Pick<Publisher, "sendSync">;
/** The part of a Subscriber these tests use. */
type Receiver = Pick<Subscriber, "receive">;

/**
 * Publishes PROBE every 20 ms until each subscriber has received one (it
 * has joined the group and the publisher's stream), at most 20 s.
 */
async function joined(
  publisher: Sender,
  subscribers: Receiver[],
): Promise<void> {
  const waiting = new Set(subscribers);
  const deadline = performance.now() + 20000;
  while (waiting.size > 0) {
    assert.ok(
      performance.now() < deadline,
      `${waiting.size} of ${subscribers.length} subscriber(s) received no probe in 20 s`,
    );
    publisher.sendSync(PROBE);
    for (const subscriber of [...waiting]) {
      if (await receiveWithin(subscriber, 20) !== null) {
        waiting.delete(subscriber);
      }
    }
  }
}

/**
 * The next `count` messages of a subscriber other than probes (a joined
 * subscriber may still have some queued), as texts joined with "|", waiting
 * at most 20 s in all.
 */
async function collect(
  subscriber: Receiver,
  count: number,
): Promise<string[]> {
  const got: string[] = [];
  const deadline = performance.now() + 20000;
  while (got.length < count) {
    const left = deadline - performance.now();
    const message = left > 0 ? await receiveWithin(subscriber, left) : null;
    assert.ok(
      message !== null,
      `received ${got.length} of ${count} messages: ${got.join(", ")}`,
    );
    if (message.length === 1 && text(message[0]) === PROBE) continue;
    got.push(texts(message).join("|"));
  }
  return got;
}

/** Closes every socket, whatever happened. */
function closeAll(sockets: { close(): void }[]): void {
  for (const socket of sockets) socket.close();
}

const range = <T>(count: number, label: (index: number) => T): T[] =>
  Array.from({ length: count }, (_, index) => label(index));

for (const transport of ["epgm", "pgm"] as const) {
  describe(`${transport}:// over loopback`, () => {
    const skip = skipReason(transport);

    test(
      "three subscribers each receive every message, in order, multipart intact",
      { ...SLOW, skip },
      async () => {
        const address = multicastEndpoint(transport);
        const publisher = new Publisher({ linger: 0 });
        const subscribers = range(3, () => new Subscriber({ linger: 0 }));
        try {
          publisher.connect(address);
          for (const subscriber of subscribers) {
            subscriber.connect(address);
            subscriber.subscribe();
          }
          await joined(publisher, subscribers);
          const sent = range(20, (index) => `update|${index}`);
          for (const message of sent) publisher.sendSync(message.split("|"));
          for (const subscriber of subscribers) {
            assert.deepEqual(await collect(subscriber, sent.length), sent);
          }
        } finally {
          closeAll([publisher, ...subscribers]);
        }
      },
    );

    test(
      "a subscriber that joins late gets what is published after it joined, nothing from before",
      { ...SLOW, skip },
      async () => {
        const address = multicastEndpoint(transport);
        const publisher = new Publisher({ linger: 0 });
        const early = new Subscriber({ linger: 0 });
        const late = new Subscriber({ linger: 0 });
        try {
          publisher.connect(address);
          early.connect(address);
          early.subscribe();
          await joined(publisher, [early]);
          const before = range(10, (index) => `before ${index}`);
          for (const message of before) publisher.sendSync(message);
          // The early subscriber has them all: they were on the wire before
          // the late one's socket was connected.
          assert.deepEqual(await collect(early, before.length), before);

          late.connect(address);
          late.subscribe();
          await joined(publisher, [late]);
          const after = range(10, (index) => `after ${index}`);
          for (const message of after) publisher.sendSync(message);
          assert.deepEqual(await collect(late, after.length), after);
          assert.deepEqual(await collect(early, after.length), after);
        } finally {
          closeAll([publisher, early, late]);
        }
      },
    );

    test(
      "prefix filters: each subscriber gets its topics only (from an XPublisher)",
      { ...SLOW, skip },
      async () => {
        const address = multicastEndpoint(transport);
        // Over multicast the publisher sends everything; each Subscriber
        // filters on its side.
        const publisher = new XPublisher({ linger: 0 });
        const weather = new Subscriber({ linger: 0 });
        const news = new Subscriber({ linger: 0 });
        try {
          publisher.connect(address);
          for (
            const [subscriber, topic] of [[weather, "weather."], [
              news,
              "news.",
            ]] as const
          ) {
            subscriber.connect(address);
            subscriber.subscribe(topic);
            subscriber.subscribe(PROBE);
          }
          await joined(publisher, [weather, news]);
          const sent = range(
            12,
            (index) =>
              `${
                ["weather.", "news.", "sports."][index % 3]
              }${index}|body ${index}`,
          );
          for (const message of sent) publisher.sendSync(message.split("|"));
          // Ordering makes the last expected message prove the others were
          // filtered out: they were published before it.
          for (
            const [subscriber, topic] of [[weather, "weather."], [
              news,
              "news.",
            ]] as const
          ) {
            assert.deepEqual(
              await collect(subscriber, 4),
              sent.filter((message) => message.startsWith(topic)),
            );
          }
        } finally {
          closeAll([publisher, weather, news]);
        }
      },
    );
  });
}

describe("refused multicast endpoints say why and what to do", () => {
  const others: SocketClass[] = [
    Push,
    Pull,
    Request,
    Reply,
    Dealer,
    Router,
    Pair,
  ];

  test(
    "Push, Pull, Request, Reply, Dealer, Router, Pair: ENOCOMPATPROTO naming Publisher and Subscriber",
    { skip: noPgm },
    () => {
      const transports: Multicast[] = rawSocketProblem() === null
        ? ["epgm", "pgm"]
        : ["epgm"];
      for (const transport of transports) {
        const address = multicastEndpoint(transport);
        for (const Class of others) {
          const socket = new Class({ linger: 0 });
          try {
            for (const operation of ["bindSync", "connect"] as const) {
              assert.throws(
                () => socket[operation](address),
                zmqCode(
                  "ENOCOMPATPROTO",
                  new RegExp(
                    `^${transport}:// is multicast and carries pub-sub only: use it on a Publisher, XPublisher, Subscriber or XSubscriber, not on ${Class.name} sockets`,
                  ),
                ),
                `${Class.name} ${operation} ${address}`,
              );
            }
          } finally {
            socket.close();
          }
        }
      }
    },
  );

  test("udp:// on a Dealer: ENOCOMPATPROTO naming the draft sockets that use it", () => {
    const socket = new Dealer({ linger: 0 });
    try {
      assert.throws(
        () => socket.connect("udp://127.0.0.1:5555"),
        zmqCode(
          "ENOCOMPATPROTO",
          /^udp:\/\/ carries only the draft sockets, a Radio connecting to it and a Dish or Datagram binding it: a Dealer socket cannot connect/,
        ),
      );
    } finally {
      socket.close();
    }
  });

  test(
    "an interface or group libzmq cannot use: EINVAL that says the form is right and what to try",
    { skip: noPgm },
    () => {
      const [, group] = /;(.*)$/.exec(multicastEndpoint("epgm"))!;
      const refused = [
        `epgm://zmqffi-none0;${group}`, // no such interface
        "epgm://127.0.0.1;10.1.2.3:5555", // not a multicast group
      ];
      // lo, named by name, is refused while it lacks IFF_MULTICAST (0x1000).
      const flags = "/sys/class/net/lo/flags";
      if (
        existsSync(flags) &&
        (Number(readFileSync(flags, "utf8")) & 0x1000) === 0
      ) {
        refused.push(`epgm://lo;${group}`);
      }
      const socket = new Publisher({ linger: 0 });
      try {
        for (const address of refused) {
          for (const operation of ["bindSync", "connect"] as const) {
            assert.throws(
              () => socket[operation](address),
              zmqCode(
                "EINVAL",
                /^libzmq refused the multicast endpoint '.*' \(its form is right\): .*give an interface's IP address instead.*multicast group \(224\.0\.0\.0 to 239\.255\.255\.255\)/,
              ),
              `${operation} ${address}`,
            );
          }
        }
        // A malformed endpoint is still told its form is wrong.
        assert.throws(
          () => socket.connect("epgm:/127.0.0.1;239.192.1.1:5555"),
          zmqCode("EINVAL", /expected transport:\/\/address/),
        );
        // libzmq 4.3 reads the port with atoi: without one, or with "x" or
        // "0", it fails with a misleading EAGAIN; 70000 would quietly mean
        // 4464. Checked before libzmq sees them.
        for (
          const address of [
            "epgm://127.0.0.1;239.192.1.1",
            "epgm://127.0.0.1;239.192.1.1:x",
            "epgm://127.0.0.1;239.192.1.1:0",
            "epgm://127.0.0.1;239.192.1.1:70000",
            "norm://127.0.0.1;239.192.1.1:70000",
          ]
        ) {
          assert.throws(
            () => socket.connect(address),
            zmqCode(
              "EINVAL",
              /^Invalid multicast endpoint '.*': expected interface;group:port with a port from 1 to 65535/,
            ),
            address,
          );
        }
      } finally {
        socket.close();
      }
    },
  );

  test(
    "pgm:// without raw-socket permission: EPERM naming epgm:// and CAP_NET_RAW, not a crash",
    { ...SLOW, skip: noPgm || withoutRawSocketsSkip() },
    async () => {
      const check = (code: string, message: string) => {
        assert.equal(code, "EPERM");
        assert.match(
          message,
          /^pgm:\/\/ needs raw sockets, which this process may not open .*use epgm:\/\/.*root.*CAP_NET_RAW/,
        );
      };
      const address = multicastEndpoint("pgm");
      if (rawSocketProblem() !== null) {
        for (const Class of [Publisher, Subscriber]) {
          const socket = new Class({ linger: 0 });
          try {
            assert.throws(() => socket.connect(address), (error: Error) => {
              check((error as { code?: string }).code ?? "", error.message);
              return true;
            });
          } finally {
            socket.close();
          }
        }
        return;
      }
      // Root here: a child without CAP_NET_RAW (libzmq alone would abort it).
      for (const role of ["pub", "sub"]) {
        const peer = await startPeer([fixture, role, address], {
          prefix: ["setpriv", "--bounding-set", "-net_raw"],
        });
        try {
          const line = await peer.line(/^REFUSED /);
          const [, code, message] = /^REFUSED (\S+) (.*)$/.exec(line)!;
          check(code!, message!);
          assert.deepEqual(await peer.exited, { code: 1, signal: null });
        } finally {
          await peer.kill();
        }
      }
    },
  );
});

/**
 * Why the raw-socket refusal cannot be shown here, or false: it is shown in
 * this process when it lacks the permission, else in a child that root
 * starts without CAP_NET_RAW (util-linux's setpriv).
 */
function withoutRawSocketsSkip(): string | false {
  if (rawSocketProblem() !== null) return false;
  if (process.platform !== "linux") {
    return "this process may open raw sockets, and dropping CAP_NET_RAW for a child needs Linux";
  }
  try {
    readFileSync("/usr/bin/setpriv");
  } catch {
    return "this process may open raw sockets, and dropping CAP_NET_RAW for a child needs setpriv (util-linux)";
  }
  return false;
}

/** The numbers of the "even N" / "odd N" messages a peer printed. */
function received(peer: Peer): number[] {
  return peer.lines.filter((line) => line.startsWith("GOT ")).map((line) => {
    const [label, number] = line.slice(4).split(" ");
    assert.equal(label, Number(number) % 2 === 0 ? "even" : "odd", line);
    return Number(number);
  });
}

/** Asserts each number is the previous plus `step`: nothing lost, nothing twice. */
function assertRun(name: string, numbers: number[], step: number): void {
  for (let index = 1; index < numbers.length; index++) {
    assert.equal(
      numbers[index],
      numbers[index - 1]! + step,
      `${name}: ${numbers[index]} after ${numbers[index - 1]}`,
    );
  }
}

describe("multicast across two network namespaces (a veth pair)", () => {
  for (const transport of ["epgm", "pgm"] as const) {
    test(
      `${transport}://: two subscribers beyond the link get every message (one filtered), a late one nothing from before it started`,
      { timeout: 90000, skip: skipReason(transport) || namespacesSkipReason() },
      async () => {
        using net = namespacePair();
        const [, groupAndPort] = /;(.*)$/.exec(multicastEndpoint(transport))!;
        const on = (side: "a" | "b") =>
          `${transport}://${net.addresses[side]};${groupAndPort}`;
        const peers: Peer[] = [];
        const start = async (side: "a" | "b", ...args: string[]) => {
          const peer = await startPeer([fixture, ...args], {
            prefix: ["ip", "netns", "exec", net.names[side]],
            limit: 80000,
          });
          peers.push(peer);
          await peer.line(/^READY$/);
          return peer;
        };
        try {
          const all = await start("b", "sub", on("b"));
          const even = await start("b", "sub", on("b"), "even");
          await start("a", "pub", on("a"));
          await until(
            () => received(all).length >= 10 && received(even).length >= 5,
            30000,
            "the subscribers in namespace b receiving from namespace a",
          );
          // Everything `all` has printed so far was published before the
          // late subscriber's process even started.
          const seenBefore = Math.max(...received(all));
          const late = await start("b", "sub", on("b"));
          await until(
            () => received(late).length >= 10,
            30000,
            "the late subscriber receiving",
          );
          const lateNumbers = received(late);
          const allNumbers = received(all);
          const evenNumbers = received(even);
          assertRun("subscriber of everything", allNumbers, 1);
          assertRun("subscriber of 'even'", evenNumbers, 2);
          assert.equal(evenNumbers[0]! % 2, 0, "'even' got only even numbers");
          assertRun("late subscriber", lateNumbers, 1);
          assert.ok(
            lateNumbers[0]! > seenBefore,
            `the late subscriber's first message ${
              lateNumbers[0]
            } was published after it started (the first subscriber had seen up to ${seenBefore} by then)`,
          );
        } finally {
          await Promise.all(peers.map((peer) => peer.kill()));
        }
      },
    );
  }
});

describe("what capability tells in advance about the other transports", () => {
  test("capability.ws: when true, Push -> Pull over ws:// delivers; when false, ws:// is refused", async () => {
    const pull = new Pull({ linger: 0 });
    const push = new Push({ linger: 0 });
    try {
      if (!capability.ws) {
        assert.throws(
          () => pull.bindSync("ws://127.0.0.1:*/feed"),
          zmqCode("EPROTONOSUPPORT"),
        );
        return;
      }
      pull.bindSync("ws://127.0.0.1:*/feed");
      assert.match(pull.lastEndpoint ?? "", /^ws:\/\/127\.0\.0\.1:\d+\/feed$/);
      push.connect(pull.lastEndpoint!);
      await push.send(["over", "websocket"]);
      const message = await receiveWithin(pull, 10000);
      assert.ok(message !== null, "nothing arrived over ws:// in 10 s");
      assert.deepEqual(texts(message), ["over", "websocket"]);
    } finally {
      closeAll([push, pull]);
    }
  });

  test(
    "tipc:// binds where the kernel has TIPC; elsewhere EAFNOSUPPORT says to load the module",
    {
      skip: capability.tipc
        ? false
        : "libzmq was built without TIPC (capability.tipc is false)",
    },
    () => {
      const socket = new Pair({ linger: 0 });
      try {
        // A service type of our own, from the process id.
        socket.bindSync(`tipc://{${70000 + (process.pid % 100000)},0,0}`);
      } catch (error) {
        zmqCode("EAFNOSUPPORT", /^The kernel has no TIPC .*modprobe tipc/)(
          error,
        );
      } finally {
        socket.close();
      }
    },
  );

  test("tcp:// with an IPv6 address on a socket without { ipv6: true }: ENODEV that says to set it", () => {
    const socket = new Pair({ linger: 0 });
    try {
      assert.throws(
        () => socket.bindSync("tcp://[::1]:*"),
        zmqCode("ENODEV", /is an IPv6 address.*\{ ipv6: true \}/),
      );
    } finally {
      socket.close();
    }
  });
});
