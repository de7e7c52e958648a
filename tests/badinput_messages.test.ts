// Bad input in messages: multipart arrays with holes and bad frames, messages
// over maxMessageSize, REQ/REP state violations, subscriptions on sockets
// that are not Subscribers, draft types without draft support. Every refusal
// is a TypeError, RangeError or ZmqError of our own; the socket still works.
import { describe, test } from "./leakcheck.ts";
import assert from "node:assert/strict";
import * as draftApi from "../draft.ts";
import {
  capability,
  Context,
  Pair,
  Pull,
  Push,
  Reply,
  Request,
  Subscriber,
  XPublisher,
  XSubscriber,
  ZmqError,
} from "../mod.ts";
import {
  endpoint,
  receiveWithin,
  type SocketClass,
  socketClasses,
  texts,
} from "./helpers.ts";

import {
  assertHelpful,
  bounded,
  type Loose,
  outcome,
  receiveOne,
  WAIT,
} from "./badinput_tables.ts";

describe("multipart messages are validated before any frame is sent", () => {
  for (const form of ["send", "trySend", "sendSync"] as const) {
    test(
      `${form}: a sparse array sends nothing and leaves message boundaries intact`,
      bounded,
      async () => {
        using push = new Push();
        using pull = new Pull();
        pull.bindSync(endpoint("inproc"));
        push.connect(pull.lastEndpoint);
        // deno-lint-ignore no-sparse-arrays
        const holes: unknown[][] = [["a", , "c"], [, "b"], new Array(3)];
        for (const message of holes) {
          const error = await outcome(() =>
            (push as unknown as Loose)[form](message)
          );
          assertHelpful(error, `${form} of a sparse array`);
          assert.ok(error instanceof TypeError, String(error));
        }
        push.sendSync(["whole", "message"]);
        assert.deepEqual(texts(await receiveOne(pull, "after holes")), [
          "whole",
          "message",
        ]);
        assert.equal(pull.tryReceive(), null);
      },
    );
  }

  test(
    "every writable class refuses unsupported frames and stays in sync",
    bounded,
    async () => {
      const bad: unknown[] = [
        undefined,
        { frame: 1 },
        true,
        Symbol("frame"),
        7n,
        NaN,
        () => "frame",
        [],
        ["ok", undefined],
        [["nested"]],
        new Map(),
        new Set(["a"]),
        Promise.resolve("frame"),
        new Date(),
      ];
      for (const SocketClass of socketClasses) {
        using socket = new SocketClass();
        const loose = socket as unknown as Loose;
        if (typeof loose.send !== "function") continue;
        for (const message of bad) {
          for (const form of ["send", "trySend", "sendSync"]) {
            const error = await outcome(() => loose[form](message));
            assertHelpful(
              error,
              `${SocketClass.name}.${form}(${typeof message})`,
            );
            assert.ok(error instanceof TypeError, String(error));
          }
        }
      }
    },
  );
});

describe("messages over maxMessageSize", () => {
  for (const transport of ["tcp", "ipc"] as const) {
    test(
      `over ${transport}: the receiver drops the sender's connection, and both keep working`,
      bounded,
      async () => {
        using pull = new Pull({ maxMessageSize: 1000, receiveTimeout: WAIT });
        using push = new Push({ reconnectInterval: 10 });
        pull.bindSync(endpoint(transport));
        push.connect(pull.lastEndpoint);
        await push.send("before");
        assert.deepEqual(texts(await receiveOne(pull, "before")), ["before"]);
        // Multipart: the limit applies to each frame.
        await push.send(["small", new Uint8Array(1001)]);
        await push.send(new Uint8Array(100_000));
        // The connection was dropped; Push reconnects and later messages arrive.
        const deadline = performance.now() + WAIT;
        let received: string[] | null = null;
        while (received === null && performance.now() < deadline) {
          push.trySend("after");
          const message = await receiveWithin(pull, 20);
          if (message !== null) received = texts(message);
        }
        assert.deepEqual(received, ["after"]);
        for (let message; (message = await receiveWithin(pull, 50)) !== null;) {
          // Nothing but copies of "after": the oversized ones never arrive.
          assert.deepEqual(texts(message), ["after"]);
        }
        // A message right at the limit is fine.
        await push.send(new Uint8Array(1000).fill(7));
        const [exact] = await receiveOne(pull, "exact");
        assert.equal(exact!.length, 1000);
        assert.ok(exact!.every((byte) => byte === 7));
      },
    );
  }

  test(
    "over inproc the limit does not apply (no decoder); the message arrives",
    bounded,
    async () => {
      using pull = new Pull({ maxMessageSize: 10 });
      using push = new Push();
      pull.bindSync(endpoint("inproc"));
      push.connect(pull.lastEndpoint);
      await push.send(new Uint8Array(100));
      const [frame] = await receiveOne(pull, "inproc");
      assert.equal(frame!.length, 100);
    },
  );
});

describe("REQ/REP state violations", () => {
  test(
    "Reply: receiving twice, sending twice, every form; the exchange recovers",
    bounded,
    async () => {
      using rep = new Reply();
      using req = new Request();
      rep.bindSync(endpoint("inproc"));
      req.connect(rep.lastEndpoint);
      for (let round = 0; round < 3; round++) {
        await req.send(`q${round}`);
        assert.deepEqual(texts(await receiveOne(rep, "request")), [
          `q${round}`,
        ]);
        // A reply is owed: every receive form is EFSM.
        assert.throws(() => rep.tryReceive(), { code: "EFSM" });
        assert.throws(() => rep.receiveSync(), { code: "EFSM" });
        await assert.rejects(rep.receive(), { code: "EFSM" });
        await rep.send(`a${round}`);
        // No request is pending: every send form is EFSM.
        assert.throws(() => rep.trySend("extra"), { code: "EFSM" });
        assert.throws(() => rep.sendSync("extra"), { code: "EFSM" });
        await assert.rejects(rep.send("extra"), { code: "EFSM" });
        assert.deepEqual(texts(await receiveOne(req, "reply")), [`a${round}`]);
      }
    },
  );

  test(
    "Request: a pending awaited receive, then a send, is EFSM; the receive still completes",
    bounded,
    async () => {
      using rep = new Reply();
      using req = new Request();
      rep.bindSync(endpoint("inproc"));
      req.connect(rep.lastEndpoint);
      await req.send("question");
      const reply = req.receive();
      await assert.rejects(req.send("impatient"), { code: "EFSM" });
      assert.throws(() => req.sendSync("impatient"), { code: "EFSM" });
      assert.deepEqual(texts(await receiveOne(rep, "question")), ["question"]);
      await rep.send("answer");
      assert.deepEqual(texts(await reply), ["answer"]);
    },
  );

  test(
    "Request with relaxed + correlate may resend; the stale reply is dropped",
    bounded,
    async () => {
      using rep = new Reply();
      using req = new Request({ relaxed: true, correlate: true });
      rep.bindSync(endpoint("inproc"));
      req.connect(rep.lastEndpoint);
      await req.send("first");
      await req.send("second"); // no EFSM in relaxed mode
      assert.deepEqual(texts(await receiveOne(rep, "first")), ["first"]);
      await rep.send("reply to first");
      assert.deepEqual(texts(await receiveOne(rep, "second")), ["second"]);
      await rep.send("reply to second");
      assert.deepEqual(texts(await receiveOne(req, "reply")), [
        "reply to second",
      ]);
    },
  );

  test("the state machine errors of a closed or terminated socket win over EFSM", () => {
    using ctx = new Context();
    const req = new Request({ context: ctx });
    const rep = new Reply({ context: ctx });
    req.close();
    assert.throws(() => req.receiveSync(), { code: "EBADF" });
    ctx.close();
    assert.throws(() => rep.sendSync("x"), { code: "ETERM" });
  });
});

describe("subscriptions on sockets that are not a Subscriber", () => {
  test("Subscriber's subscribe/unsubscribe applied to any other socket: a typed error, no crash", () => {
    const subscribe = Subscriber.prototype.subscribe;
    const unsubscribe = Subscriber.prototype.unsubscribe;
    for (const SocketClass of socketClasses) {
      if (SocketClass === Subscriber) continue;
      using socket = new SocketClass();
      assert.equal((socket as unknown as Loose).subscribe, undefined);
      for (const method of [subscribe, unsubscribe]) {
        let error: unknown;
        try {
          method.call(socket as never, "topic");
        } catch (caught) {
          error = caught;
        }
        // libzmq refuses ZMQ_SUBSCRIBE on other types with EINVAL.
        assertHelpful(error, `${SocketClass.name}: ${method.name}`);
      }
    }
  });

  test(
    "an XSubscriber subscribes by message; bad subscription messages are just data",
    bounded,
    async () => {
      using pub = new XPublisher();
      using xsub = new XSubscriber();
      pub.bindSync(endpoint("inproc"));
      xsub.connect(pub.lastEndpoint);
      // Empty, and a first byte that is neither 0 nor 1: not subscriptions.
      await xsub.send(new Uint8Array(0));
      await xsub.send(new Uint8Array([7, 65]));
      await xsub.send(new Uint8Array([1, 65]));
      const seen: number[][] = [];
      for (let message; (message = await receiveWithin(pub, 200)) !== null;) {
        seen.push([...message[0]!]);
      }
      assert.deepEqual(seen.at(-1), [1, 65]);
    },
  );
});

describe("draft socket types", () => {
  const draftClasses = Object.entries(draftApi).filter(([, value]) =>
    typeof value === "function"
  ) as [string, SocketClass][];

  test(
    "without draft support each one refuses with ENOTSUP and leaks nothing",
    {
      skip: capability.draft ? "this libzmq has the draft API" : false,
    },
    () => {
      assert.ok(
        draftClasses.length >= 9,
        `${draftClasses.length} draft classes`,
      );
      using ctx = new Context({ maxSockets: 1 });
      for (const [name, DraftClass] of draftClasses) {
        for (
          const options of [undefined, {}, { context: ctx }, { linger: 0 }]
        ) {
          assert.throws(() => new DraftClass(options), (error: ZmqError) => {
            assert.ok(error instanceof ZmqError, String(error));
            assert.equal(error.code, "ENOTSUP");
            assert.match(error.message, new RegExp(`${name}.*draft`));
            return true;
          });
        }
      }
      // Nothing was created in the context: its one socket is still free.
      using pair = new Pair({ context: ctx });
      assert.equal(pair.closed, false);
    },
  );
});
