// The draft socket types (Server, Client, Radio, Dish, Scatter, Gather, Peer,
// Channel, Datagram) over the transports libzmq 4.3.4 supports for each:
// routing ids, groups, single-frame rules, and the awaited, non-waiting and
// blocking forms (the thread-safe types wait through a zmq_poller's fd).
//
// Debian's libzmq has no draft API: there these tests skip, and only the
// "without the draft API" ones run. CI runs this file a second time against a
// draft build: ZMQ_LIBRARY_PATH="$(.ci/build-draft-libzmq.sh)".
import { describe, test } from "./leakcheck.ts";
import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { Buffer } from "node:buffer";
import { capability, Dealer, Router, ZmqError } from "../mod.ts";
import * as compatDraft from "../compat_draft.ts";
import {
  Channel,
  Client,
  Datagram,
  type DatagramMessage,
  Dish,
  Gather,
  type GroupMessage,
  Peer,
  Radio,
  type RoutedMessage,
  Scatter,
  Server,
} from "../draft.ts";
import {
  endpoint,
  modUrl,
  receiveWithin,
  runScript,
  text,
  texts,
  type Transport,
  transports,
  within,
  zmqCode,
} from "./helpers.ts";

const draftUrl = new URL("../draft.ts", import.meta.url).href;

const needsDraft = {
  skip: capability.draft ? false : (
    "needs a libzmq built with the draft API (capability.draft is false); " +
    'run with ZMQ_LIBRARY_PATH="$(.ci/build-draft-libzmq.sh)"'
  ),
};

// Neither runner prints a skip reason: say it once.
if (needsDraft.skip) console.log(`tests/draft.test.ts: ${needsDraft.skip}`);

const draftClasses = {
  Server,
  Client,
  Radio,
  Dish,
  Gather,
  Scatter,
  Datagram,
  Peer,
  Channel,
};

const threadSafe = [
  Server,
  Client,
  Radio,
  Dish,
  Gather,
  Scatter,
  Peer,
  Channel,
];

/** A UDP port on 127.0.0.1 that was free a moment ago. */
function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createSocket("udp4");
    socket.on("error", reject);
    socket.bind(0, "127.0.0.1", () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

/** Binds `socket` to a fresh endpoint of `transport`; returns where to connect. */
async function bindFresh(
  socket: { bind(endpoint: string): Promise<void>; lastEndpoint: string },
  transport: Transport,
): Promise<string> {
  await socket.bind(endpoint(transport));
  return socket.lastEndpoint;
}

/**
 * Publishes `message` to `group` every 10 ms until `dish` receives a message
 * (joins and connections settle in the background), at most 3 s; returns it.
 */
async function radioUntilReceived(
  radio: Radio,
  dish: Dish,
  message: string,
  group: string,
): Promise<GroupMessage> {
  for (let attempt = 0; attempt < 300; attempt++) {
    radio.sendSync(message, { group });
    const received = await receiveWithin(dish, 10);
    if (received !== null) return received;
  }
  throw new Error(`The Dish received nothing for group ${group}`);
}

/** Takes every message already queued or arriving within `milliseconds` of the last. */
async function drain(
  dish: Dish,
  milliseconds: number,
): Promise<GroupMessage[]> {
  const messages: GroupMessage[] = [];
  for (;;) {
    const received = await receiveWithin(dish, milliseconds);
    if (received === null) return messages;
    messages.push(received);
  }
}

describe("without the draft API", () => {
  test(
    "each draft class throws ZmqError ENOTSUP saying it needs a draft libzmq",
    {
      skip: capability.draft
        ? "this libzmq has the draft API (the next test checks a non-draft one in a child)"
        : false,
    },
    () => {
      for (const [name, DraftClass] of Object.entries(draftClasses)) {
        assert.throws(
          () => new DraftClass(),
          (error: unknown) => {
            assert.ok(error instanceof ZmqError, String(error));
            assert.equal(error.code, "ENOTSUP");
            assert.match(
              error.message,
              new RegExp(
                `^The ${name} socket type needs a libzmq built with the draft API`,
              ),
            );
            assert.match(error.message, /ZMQ_LIBRARY_PATH/);
            return true;
          },
        );
      }
    },
  );

  test(
    "a child on the system's default libzmq gets the same errors",
    {
      skip: capability.draft
        ? false
        : "this libzmq has no draft API: the test above ran in this process",
    },
    async () => {
      // An empty ZMQ_LIBRARY_PATH means no override: the default candidates.
      const child = await runScript(
        `
        import { capability } from ${JSON.stringify(modUrl)};
        import * as draft from ${JSON.stringify(draftUrl)};
        const errors = [];
        if (!capability.draft) {
          for (const name of ${JSON.stringify(Object.keys(draftClasses))}) {
            try {
              new draft[name]().close();
              errors.push({ name, code: "none" });
            } catch (error) {
              errors.push({ name, code: error.code, message: error.message });
            }
          }
        }
        console.log(JSON.stringify({ draft: capability.draft, errors }));
        `,
        { env: { ZMQ_LIBRARY_PATH: "" } },
      );
      assert.equal(child.code, 0, child.stderr);
      const result = JSON.parse(child.stdout) as {
        draft: boolean;
        errors: { name: string; code: string; message: string }[];
      };
      // A system libzmq that has the draft API has nothing to refuse.
      if (result.draft) return;
      assert.equal(result.errors.length, 9);
      for (const { name, code, message } of result.errors) {
        assert.equal(code, "ENOTSUP", name);
        assert.match(
          message,
          new RegExp(`${name} socket type needs a libzmq built with the draft`),
        );
      }
    },
  );
});

describe("draft sockets: common rules", () => {
  test("all but Datagram are thread-safe (ZMQ_THREAD_SAFE)", needsDraft, () => {
    for (const DraftClass of threadSafe) {
      using socket = new DraftClass();
      assert.equal(socket.threadSafe, true, DraftClass.name);
    }
    using datagram = new Datagram();
    assert.equal(datagram.threadSafe, false);
  });

  test(
    "multipart sends are refused with a TypeError before anything is sent",
    needsDraft,
    async () => {
      using server = new Server();
      const address = await bindFresh(server, "inproc");
      using client = new Client();
      client.connect(address);
      using radio = new Radio();
      using scatter = new Scatter();
      using channel = new Channel();
      using peer = new Peer();
      const singleFrame = /single-frame messages only, got 2 frames/;
      const two = ["a", "b"] as never;
      for (const socket of [client, scatter, channel]) {
        assert.throws(() => socket.sendSync(two), TypeError);
        assert.throws(() => socket.trySend(two), singleFrame);
        await assert.rejects(socket.send(two), singleFrame);
      }
      const routed = { routingId: 1 };
      for (const socket of [server, peer]) {
        assert.throws(() => socket.sendSync(two, routed), singleFrame);
        assert.throws(() => socket.trySend(two, routed), singleFrame);
        await assert.rejects(socket.send(two, routed), singleFrame);
      }
      const group = { group: "g" };
      assert.throws(() => radio.sendSync(two, group), singleFrame);
      assert.throws(() => radio.trySend(two, group), singleFrame);
      await assert.rejects(radio.send(two, group), singleFrame);
      // A one-element array is one frame, and nothing was sent before it.
      await client.send(["only"]);
      const [message, { routingId }] = await within(
        server.receive(),
        5000,
        "server receive",
      );
      assert.equal(text(message), "only");
      assert.ok(routingId > 0);
      assert.equal(server.tryReceive(), null);
    },
  );
});

describe("Server and Client", () => {
  for (const transport of transports) {
    test(
      `over ${transport}: requests carry routing ids, replies reach their client`,
      needsDraft,
      async () => {
        using server = new Server();
        const address = await bindFresh(server, transport);
        using first = new Client();
        using second = new Client({ receiveTimeout: 5000 });
        first.connect(address);
        second.connect(address);
        // Waits on the Server's zmq_poller fd: nothing was sent yet.
        const request = server.receive();
        await first.send("from first");
        const [fromFirst, { routingId: firstId }] = await within(
          request,
          5000,
          "awaited Server receive",
        );
        second.sendSync("from second");
        const [fromSecond, { routingId: secondId }] = await within(
          server.receive(),
          5000,
          "second request",
        );
        assert.equal(text(fromFirst), "from first");
        assert.equal(text(fromSecond), "from second");
        for (const id of [firstId, secondId]) {
          assert.ok(
            Number.isInteger(id) && id > 0 && id <= 0xffffffff,
            `${id}`,
          );
        }
        assert.notEqual(firstId, secondId);

        const reply = first.receive();
        await server.send("to first", { routingId: firstId });
        assert.equal(
          server.trySend("to second", { routingId: secondId }),
          true,
        );
        assert.deepEqual(
          texts(await within(reply, 5000, "awaited Client receive")),
          ["to first"],
        );
        assert.deepEqual(texts(second.receiveSync()), ["to second"]);
        assert.equal(first.tryReceive(), null);
        assert.equal(second.tryReceive(), null);
      },
    );
  }

  test(
    "large messages keep their routing id and bytes (lent frames on Node)",
    needsDraft,
    async () => {
      using server = new Server({ receiveTimeout: 5000 });
      const address = await bindFresh(server, "tcp");
      using first = new Client({ receiveTimeout: 5000 });
      using second = new Client({ receiveTimeout: 5000 });
      first.connect(address);
      second.connect(address);
      const sizes = [65_536, 300_000, 10, 1_000_000];
      const ids = new Map<number, number>();
      for (const [index, size] of sizes.entries()) {
        const client = index % 2 === 0 ? first : second;
        client.sendSync(new Uint8Array(size).fill(index + 1));
        const [message, { routingId }] = index < 2
          ? server.receiveSync()
          : await within(server.receive(), 5000, `request ${index}`);
        assert.equal(message.length, size);
        assert.ok(message.every((byte) => byte === index + 1), `${index}`);
        const known = ids.get(index % 2);
        if (known !== undefined) assert.equal(routingId, known);
        ids.set(index % 2, routingId);
        await server.send(message, { routingId });
        const [echo] = client.receiveSync();
        assert.equal(echo!.length, size);
        assert.ok(echo!.every((byte) => byte === index + 1), `echo ${index}`);
      }
      assert.notEqual(ids.get(0), ids.get(1));
    },
  );

  test("the blocking and non-waiting forms", needsDraft, async () => {
    using server = new Server({ receiveTimeout: 5000 });
    const address = await bindFresh(server, "tcp");
    using client = new Client({ receiveTimeout: 5000 });
    client.connect(address);
    assert.equal(server.tryReceive(), null);
    client.sendSync("sync");
    const [message, { routingId }] = server.receiveSync();
    assert.equal(text(message), "sync");
    server.sendSync(new Uint8Array([1, 2, 3]), { routingId });
    assert.deepEqual([...client.receiveSync()[0]!], [1, 2, 3]);
    assert.equal(client.trySend("try"), true);
    let received: RoutedMessage | null = null;
    for (let attempt = 0; attempt < 500 && received === null; attempt++) {
      received = server.tryReceive();
      if (received === null) await new Promise((r) => setTimeout(r, 10));
    }
    assert.ok(received !== null);
    assert.equal(text(received[0]), "try");
    assert.equal(received[1].routingId, routingId);
  });

  test(
    "for await yields [message, { routingId }] and ends on close",
    needsDraft,
    async () => {
      using server = new Server();
      const address = await bindFresh(server, "ipc");
      using client = new Client();
      client.connect(address);
      const seen: string[] = [];
      const ids = new Set<number>();
      const loop = (async () => {
        for await (const [message, { routingId }] of server) {
          seen.push(text(message));
          ids.add(routingId);
          await server.send(`echo ${text(message)}`, { routingId });
          if (seen.length === 5) break;
        }
      })();
      for (let index = 0; index < 5; index++) await client.send(`${index}`);
      await within(loop, 5000, "for await over a Server");
      assert.deepEqual(seen, ["0", "1", "2", "3", "4"]);
      assert.equal(ids.size, 1);
      const echoes: string[] = [];
      for await (const [echo] of client) {
        echoes.push(text(echo));
        if (echoes.length === 5) break;
      }
      assert.deepEqual(echoes, [
        "echo 0",
        "echo 1",
        "echo 2",
        "echo 3",
        "echo 4",
      ]);

      // A loop waiting on a socket that gets closed ends quietly.
      const waiting = (async () => {
        let count = 0;
        for await (const _ of server) count++;
        return count;
      })();
      await new Promise((resolve) => setTimeout(resolve, 20));
      server.close();
      assert.equal(await within(waiting, 5000, "loop end on close"), 0);
    },
  );

  test(
    "bad routing ids: TypeError, RangeError, EHOSTUNREACH",
    needsDraft,
    async () => {
      using server = new Server();
      await bindFresh(server, "inproc");
      assert.throws(
        () => server.sendSync("x", undefined as never),
        /Server.sendSync needs \{ routingId \}/,
      );
      assert.throws(() => server.trySend("x", {} as never), TypeError);
      await assert.rejects(
        server.send("x", { routingId: "7" } as never),
        TypeError,
      );
      for (const routingId of [0, -1, 1.5, 2 ** 32, NaN]) {
        assert.throws(
          () => server.sendSync("x", { routingId }),
          RangeError,
          `${routingId}`,
        );
      }
      // A well-formed id that no client has.
      assert.throws(
        () => server.sendSync("x", { routingId: 12345 }),
        zmqCode("EHOSTUNREACH"),
      );
      await assert.rejects(
        server.send("x", { routingId: 12345 }),
        zmqCode("EHOSTUNREACH"),
      );
    },
  );

  test(
    "awaited sends to a slow client wait on the high-water mark, then complete in order",
    needsDraft,
    async () => {
      using server = new Server({ sendHighWaterMark: 2 });
      using client = new Client({ receiveHighWaterMark: 2 });
      client.connect(await bindFresh(server, "inproc"));
      await client.send("hello");
      const [, { routingId }] = await within(server.receive(), 5000, "hello");
      let done = 0;
      const payload = new Uint8Array(1);
      const sends = Array.from({ length: 20 }, (_, index) => {
        // The caller may reuse its buffer once send() returned.
        payload[0] = index;
        return server.send(payload, { routingId }).then(() => done++);
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.ok(done < 20, `${done} of 20 sends completed with nothing read`);
      const received: number[] = [];
      for await (const [message] of client) {
        received.push(message![0]!);
        if (received.length === 20) break;
      }
      await within(Promise.all(sends), 5000, "blocked sends");
      assert.deepEqual(
        received,
        Array.from({ length: 20 }, (_, index) => index),
      );
    },
  );

  test("receiveTimeout applies to awaited receives", needsDraft, async () => {
    using server = new Server({ receiveTimeout: 50 });
    await bindFresh(server, "tcp");
    const started = performance.now();
    await assert.rejects(server.receive(), zmqCode("EAGAIN"));
    assert.ok(performance.now() - started < 2000);
  });
});

describe("Radio and Dish", () => {
  const radioTransports = [...transports, "udp"] as const;
  for (const transport of radioTransports) {
    test(
      `over ${transport}: groups reach the Dishes that joined them, join and leave`,
      needsDraft,
      async () => {
        using radio = new Radio();
        using dish = new Dish();
        if (transport === "udp") {
          // udp: the Dish binds, the Radio sends to it (IPv4 unicast here).
          const address = `udp://127.0.0.1:${await freeUdpPort()}`;
          await dish.bind(address);
          radio.connect(address);
        } else {
          dish.connect(await bindFresh(radio, transport));
        }
        dish.join("weather");
        const [first, { group }] = await radioUntilReceived(
          radio,
          dish,
          "sunny",
          "weather",
        );
        assert.equal(text(first), "sunny");
        assert.equal(group, "weather");
        await drain(dish, 50); // later copies of "sunny"

        // A group nobody joined is not delivered.
        await radio.send("jam", { group: "traffic" });
        await radio.send("rain", { group: "weather" });
        const [next, { group: nextGroup }] = await within(
          dish.receive(),
          5000,
          "awaited Dish receive",
        );
        assert.deepEqual([text(next), nextGroup], ["rain", "weather"]);

        dish.join("traffic");
        const [jam, { group: jamGroup }] = await radioUntilReceived(
          radio,
          dish,
          "jam",
          "traffic",
        );
        assert.deepEqual([text(jam), jamGroup], ["jam", "traffic"]);
        await drain(dish, 50);

        // After leave() returns, nothing of that group comes through.
        dish.leave("weather");
        radio.sendSync("hail", { group: "weather" });
        assert.equal(radio.trySend("clear", { group: "traffic" }), true);
        const after = await within(dish.receive(), 5000, "after leave");
        assert.deepEqual([text(after[0]), after[1].group], [
          "clear",
          "traffic",
        ]);
        assert.deepEqual(await drain(dish, 50), []);
      },
    );
  }

  test(
    "for await on a Dish, and several Dishes on one Radio",
    needsDraft,
    async () => {
      using radio = new Radio();
      const address = await bindFresh(radio, "inproc");
      using news = new Dish();
      using sport = new Dish();
      news.connect(address);
      sport.connect(address);
      news.join("news");
      sport.join("sport", "news");
      await radioUntilReceived(radio, news, "warm-up", "news");
      await radioUntilReceived(radio, sport, "warm-up", "sport");
      await drain(news, 20);
      await drain(sport, 20);
      for (let index = 0; index < 3; index++) {
        await radio.send(`n${index}`, { group: "news" });
        await radio.send(`s${index}`, { group: "sport" });
      }
      const fromNews: string[] = [];
      for await (const [message, { group }] of news) {
        fromNews.push(`${group}:${text(message)}`);
        if (fromNews.length === 3) break;
      }
      assert.deepEqual(fromNews, ["news:n0", "news:n1", "news:n2"]);
      const fromSport: string[] = [];
      for (let index = 0; index < 6; index++) {
        const [message, { group }] = sport.receiveSync();
        fromSport.push(`${group}:${text(message)}`);
      }
      assert.deepEqual(fromSport, [
        "news:n0",
        "sport:s0",
        "news:n1",
        "sport:s1",
        "news:n2",
        "sport:s2",
      ]);
    },
  );

  test(
    "group names are checked; joining twice or leaving an unjoined group is EINVAL",
    needsDraft,
    async () => {
      using dish = new Dish();
      using radio = new Radio();
      dish.join("a");
      assert.throws(() => dish.join("a"), zmqCode("EINVAL"));
      assert.throws(() => dish.leave("b"), zmqCode("EINVAL"));
      dish.join("g".repeat(255));
      assert.throws(() => dish.join(""), RangeError);
      assert.throws(() => dish.join("g".repeat(256)), RangeError);
      assert.throws(() => dish.join("é".repeat(128)), RangeError); // 256 bytes
      assert.throws(() => dish.join("a\0b"), RangeError); // a NUL would end the C string
      assert.throws(() => dish.join(7 as never), TypeError);
      // A bad name anywhere in the list: none of them is joined.
      assert.throws(() => dish.join("c", ""), RangeError);
      dish.join("c");
      assert.throws(() => radio.sendSync("x", undefined as never), TypeError);
      assert.throws(() => radio.trySend("x", { group: "" }), RangeError);
      await assert.rejects(radio.send("x", {} as never), TypeError);
      await assert.rejects(
        radio.send("x", { group: "g".repeat(256) }),
        RangeError,
      );
    },
  );
});

describe("Scatter and Gather", () => {
  for (const transport of transports) {
    test(
      `over ${transport}: fan-out round-robin to every Gather, fan-in from every Scatter`,
      needsDraft,
      async () => {
        const gathers = [new Gather(), new Gather(), new Gather()];
        using scatter = new Scatter();
        using other = new Scatter();
        try {
          // Connecting creates each pipe at once, so the round-robin is exact.
          for (const gather of gathers) {
            scatter.connect(await bindFresh(gather, transport));
          }
          for (let index = 0; index < 30; index++) {
            await scatter.send(`${index}`);
          }
          const got = await Promise.all(gathers.map(async (gather) => {
            const messages: number[] = [];
            for (let index = 0; index < 10; index++) {
              const [message] = await within(
                gather.receive(),
                5000,
                "Gather receive",
              );
              messages.push(Number(text(message)));
            }
            return messages;
          }));
          for (const messages of got) {
            assert.equal(messages.length, 10);
            const step = messages[0];
            assert.deepEqual(
              messages,
              Array.from({ length: 10 }, (_, index) => step! + 3 * index),
            );
          }
          assert.deepEqual(
            got.flat().sort((a, b) => a - b),
            Array.from({ length: 30 }, (_, index) => index),
          );
          for (const gather of gathers) assert.equal(gather.tryReceive(), null);

          // Two Scatters into one Gather: it hears both.
          other.connect(gathers[0]!.lastEndpoint);
          scatter.disconnect(gathers[1]!.lastEndpoint);
          scatter.disconnect(gathers[2]!.lastEndpoint);
          await scatter.send("from scatter");
          await other.send("from other");
          const heard = [
            text((await within(gathers[0]!.receive(), 5000, "fan-in"))[0]),
            text((await within(gathers[0]!.receive(), 5000, "fan-in"))[0]),
          ].sort();
          assert.deepEqual(heard, ["from other", "from scatter"]);
        } finally {
          for (const gather of gathers) gather.close();
        }
      },
    );
  }

  test(
    "awaited sends wait on the high-water mark and complete in order as the Gather reads",
    needsDraft,
    async () => {
      using gather = new Gather({ receiveHighWaterMark: 2 });
      using scatter = new Scatter({ sendHighWaterMark: 2 });
      scatter.connect(await bindFresh(gather, "inproc"));
      let done = 0;
      const sends = Array.from(
        { length: 20 },
        (_, index) => scatter.send(`${index}`).then(() => done++),
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.ok(done < 20, `${done} of 20 sends completed with nothing read`);
      assert.equal(scatter.trySend("late"), false); // queued sends go first
      const received: string[] = [];
      for (let index = 0; index < 20; index++) {
        const [message] = await within(
          gather.receive(),
          5000,
          "Gather receive",
        );
        received.push(text(message));
      }
      await within(Promise.all(sends), 5000, "blocked sends");
      assert.deepEqual(
        received,
        Array.from({ length: 20 }, (_, index) => `${index}`),
      );
    },
  );
});

describe("Peer", () => {
  for (const transport of transports) {
    test(
      `over ${transport}: connect returns the routing id to send to; replies carry it`,
      needsDraft,
      async () => {
        using alice = new Peer();
        const address = await bindFresh(alice, transport);
        using bob = new Peer();
        using carol = new Peer();
        const aliceForBob = bob.connect(address);
        const aliceForCarol = carol.connect(address);
        for (const id of [aliceForBob, aliceForCarol]) {
          assert.ok(
            Number.isInteger(id) && id > 0 && id <= 0xffffffff,
            `${id}`,
          );
        }
        // The connecting side sends first, before the connection is up.
        await bob.send("from bob", { routingId: aliceForBob });
        carol.sendSync("from carol", { routingId: aliceForCarol });
        const senders = new Map<string, number>();
        for (let index = 0; index < 2; index++) {
          const [message, { routingId }] = await within(
            alice.receive(),
            5000,
            "awaited Peer receive",
          );
          senders.set(text(message), routingId);
        }
        assert.deepEqual([...senders.keys()].sort(), [
          "from bob",
          "from carol",
        ]);
        const bobId = senders.get("from bob")!;
        const carolId = senders.get("from carol")!;
        assert.notEqual(bobId, carolId);

        await alice.send("to bob", { routingId: bobId });
        await alice.send("to carol", { routingId: carolId });
        const [toBob, { routingId: fromAliceToBob }] = await within(
          bob.receive(),
          5000,
          "bob receive",
        );
        const [toCarol, { routingId: fromAliceToCarol }] = await within(
          carol.receive(),
          5000,
          "carol receive",
        );
        assert.equal(text(toBob), "to bob");
        assert.equal(text(toCarol), "to carol");
        // A reply arrives with the routing id connect returned.
        assert.equal(fromAliceToBob, aliceForBob);
        assert.equal(fromAliceToCarol, aliceForCarol);
      },
    );
  }

  test(
    "one Peer connected to two: each routing id addresses its own peer",
    needsDraft,
    async () => {
      using hub = new Peer();
      using left = new Peer();
      using right = new Peer();
      const leftId = hub.connect(await bindFresh(left, "tcp"));
      const rightId = hub.connect(await bindFresh(right, "ipc"));
      assert.notEqual(leftId, rightId);
      for (let index = 0; index < 3; index++) {
        await hub.send(`left ${index}`, { routingId: leftId });
        await hub.send(`right ${index}`, { routingId: rightId });
      }
      const fromHub = async (peer: Peer) => {
        const messages: string[] = [];
        for await (const [message] of peer) {
          messages.push(text(message));
          if (messages.length === 3) break;
        }
        return messages;
      };
      assert.deepEqual(await within(fromHub(left), 5000, "left"), [
        "left 0",
        "left 1",
        "left 2",
      ]);
      assert.deepEqual(await within(fromHub(right), 5000, "right"), [
        "right 0",
        "right 1",
        "right 2",
      ]);
      assert.equal(left.tryReceive(), null);
      assert.equal(right.tryReceive(), null);
    },
  );

  test("connect errors: bad endpoints, immediate set", needsDraft, () => {
    using peer = new Peer();
    assert.throws(() => peer.connect(5 as never), TypeError);
    assert.throws(() => peer.connect(""), TypeError);
    assert.throws(() => peer.connect("tcp://a\0b"), RangeError);
    assert.throws(() => peer.connect("nope://x"), zmqCode("EPROTONOSUPPORT"));
    // The same endpoint check as every other connect: libzmq would take
    // port 70000 modulo 65536.
    assert.throws(() => peer.connect("tcp://h:70000"), zmqCode("EINVAL"));
    assert.throws(
      () => peer.connect("udp://127.0.0.1:5"),
      zmqCode("ENOCOMPATPROTO"),
    );
    peer.immediate = true;
    assert.throws(
      () => peer.connect("tcp://127.0.0.1:5"),
      zmqCode("EFAULT", /immediate/),
    );
  });
});

describe("Channel", () => {
  for (const transport of transports) {
    test(
      `over ${transport}: an exclusive pair in both directions`,
      needsDraft,
      async () => {
        using left = new Channel();
        using right = new Channel({ receiveTimeout: 5000 });
        right.connect(await bindFresh(left, transport));
        const waiting = left.receive();
        await right.send("ping");
        assert.deepEqual(
          texts(await within(waiting, 5000, "awaited Channel receive")),
          ["ping"],
        );
        left.sendSync("pong");
        assert.deepEqual(texts(right.receiveSync()), ["pong"]);
        for (let index = 0; index < 3; index++) {
          assert.equal(left.trySend(`${index}`), true);
        }
        const seen: string[] = [];
        for await (const [message] of right) {
          seen.push(text(message));
          if (seen.length === 3) break;
        }
        assert.deepEqual(seen, ["0", "1", "2"]);
      },
    );
  }
});

describe("Datagram", () => {
  test(
    "[address, payload] both ways over udp, the sender's address to reply to",
    needsDraft,
    async () => {
      const [portA, portB] = [await freeUdpPort(), await freeUdpPort()];
      using a = new Datagram();
      using b = new Datagram({ receiveTimeout: 5000 });
      await a.bind(`udp://127.0.0.1:${portA}`);
      await b.bind(`udp://127.0.0.1:${portB}`);
      // UDP drops what arrives before the io thread bound the port: retry.
      let received: Uint8Array[] | null = null;
      for (let attempt = 0; attempt < 300 && received === null; attempt++) {
        await a.send([`127.0.0.1:${portB}`, "hello"]);
        received = await receiveWithin(b, 10);
      }
      assert.ok(received !== null, "no datagram arrived");
      assert.equal(received.length, 2);
      assert.equal(text(received[0]), `127.0.0.1:${portA}`);
      assert.equal(text(received[1]), "hello");
      while ((await receiveWithin(b, 30)) !== null); // later copies

      // Reply to the address as received (bytes), with an awaited receive waiting.
      const reply = (async () => {
        for (;;) {
          const [from, payload] = await a.receive();
          if (text(payload) !== "hello") return [text(from), text(payload)];
        }
      })();
      assert.equal(b.trySend([received[0]!, new Uint8Array([104, 105])]), true);
      assert.deepEqual(await within(reply, 5000, "awaited Datagram receive"), [
        `127.0.0.1:${portB}`,
        "hi",
      ]);

      b.sendSync([`127.0.0.1:${portA}`, "again"]);
      for await (const [from, payload] of a) {
        if (text(payload) !== "again") continue;
        assert.equal(text(from), `127.0.0.1:${portB}`);
        break;
      }
    },
  );

  test(
    "sending needs a bind (libzmq would wait forever); connect is ENOCOMPATPROTO",
    needsDraft,
    async () => {
      using dgram = new Datagram();
      const message: DatagramMessage = ["127.0.0.1:5555", "x"];
      assert.throws(() => dgram.sendSync(message), zmqCode("ENOTCONN", /bind/));
      assert.throws(() => dgram.trySend(message), zmqCode("ENOTCONN"));
      await assert.rejects(dgram.send(message), zmqCode("ENOTCONN"));
      assert.throws(
        () => dgram.connect("udp://127.0.0.1:5555"),
        zmqCode("ENOCOMPATPROTO"),
      );
      const address = `udp://127.0.0.1:${await freeUdpPort()}`;
      await dgram.bind(address);
      assert.equal(dgram.trySend(message), true);
      dgram.close();
      assert.throws(() => dgram.sendSync(message), zmqCode("EBADF"));
    },
  );

  test(
    "malformed datagrams are refused with a TypeError",
    needsDraft,
    async () => {
      using dgram = new Datagram();
      await dgram.bind(`udp://127.0.0.1:${await freeUdpPort()}`);
      const bad: unknown[] = [
        "payload only",
        ["127.0.0.1:5555"],
        ["127.0.0.1:5555", "a", "b"],
        ["localhost:5555", "x"],
        ["127.0.0.1", "x"],
        ["127.0.0.1:0", "x"],
        ["127.0.0.1:65536", "x"],
        ["256.0.0.1:5555", "x"],
        ["[::1]:5555", "x"],
      ];
      for (const message of bad) {
        const what = JSON.stringify(message);
        assert.throws(
          () => dgram.sendSync(message as DatagramMessage),
          TypeError,
          what,
        );
        assert.throws(
          () => dgram.trySend(message as DatagramMessage),
          TypeError,
          what,
        );
        await assert.rejects(
          dgram.send(message as DatagramMessage),
          TypeError,
          what,
        );
      }
    },
  );
});

describe("the compat entry's draft sockets (zeromq/draft)", () => {
  test(
    "Server/Client: Buffer frames and { routingId }",
    needsDraft,
    async () => {
      const server = new compatDraft.Server({ receiveTimeout: 10000 });
      const client = new compatDraft.Client({ receiveTimeout: 10000 });
      try {
        await server.bind("tcp://127.0.0.1:*");
        client.connect(server.lastEndpoint!);
        await client.send("ping");
        const [request, { routingId }] = await server.receive();
        assert.ok(Buffer.isBuffer(request));
        assert.equal(request.toString(), "ping");
        await server.send("pong", { routingId });
        const [reply] = await client.receive();
        assert.equal(reply.toString(), "pong");
      } finally {
        client.close();
        server.close();
      }
    },
  );

  test(
    "Radio/Dish: groups as Buffer or string, received as Buffer",
    needsDraft,
    async () => {
      const radio = new compatDraft.Radio();
      const dish = new compatDraft.Dish({ receiveTimeout: 10000 });
      try {
        await dish.bind("tcp://127.0.0.1:*");
        dish.join(Buffer.from("weather"), "news");
        radio.connect(dish.lastEndpoint!);
        const received = dish.receive();
        // A Radio drops what it sends before the Dish's join reaches it.
        let arrived = false;
        received.then(() => (arrived = true), () => {});
        while (!arrived) {
          await radio.send("sunny", { group: Buffer.from("weather") });
          await within(received, 20, "the first message").catch(() => {});
        }
        const [message, { group }] = await received;
        assert.equal(message.toString(), "sunny");
        assert.ok(Buffer.isBuffer(group));
        assert.equal(group.toString(), "weather");
      } finally {
        radio.close();
        dish.close();
      }
    },
  );
});

describe("Router.connect with a routing id an inbound peer took", () => {
  // libzmq asserts (!has_out_pipe (routing_id)) when a connect routing id is
  // taken, and a remote peer chooses its own id: a draft libzmq can be asked
  // first (zmq_socket_get_peer_state), so the connect is refused instead.
  test(
    "is refused with EEXIST, and the process lives on",
    needsDraft,
    async () => {
      const router = new Router();
      const dealer = new Dealer({ routingId: "node-2" });
      const target = new Dealer();
      try {
        await router.bind("tcp://127.0.0.1:*");
        await target.bind("tcp://127.0.0.1:*");
        dealer.connect(router.lastEndpoint);
        await dealer.send("hello");
        const [id] = await router.receive(); // node-2 is known to the router now
        assert.equal(new TextDecoder().decode(id), "node-2");
        assert.throws(
          () => router.connect(target.lastEndpoint, { routingId: "node-2" }),
          (error: ZmqError) => error.code === "EEXIST",
        );
        // The router still works, and another id is fine.
        router.connect(target.lastEndpoint, { routingId: "node-3" });
        await router.send(["node-2", "still here"]);
        assert.equal(
          new TextDecoder().decode((await dealer.receive())[0]),
          "still here",
        );
      } finally {
        target.close();
        dealer.close();
        router.close();
      }
    },
  );
});
