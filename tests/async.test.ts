// The async engine: awaited send/receive and `for await` never block the event
// loop and keep call order.
import { describe, test } from "./leakcheck.ts";
import assert from "node:assert/strict";
import { Pair, Pull, Push, Reply, Request } from "../mod.ts";
import { endpoint, nextTurn, text, texts, within } from "./helpers.ts";

import {
  bounded,
  frameOf,
  indexOf,
  isCode,
  LONG,
  range,
  WAIT,
  wire,
} from "./async_helpers.ts";

describe("the event loop keeps running", () => {
  test("a timer keeps firing while a receive is pending", bounded, async () => {
    const pull = new Pull({ linger: 0 });
    const push = new Push({ linger: 0 });
    let ticks = 0;
    const interval = setInterval(() => {
      ticks++;
      if (ticks === 5) push.sendSync("after five ticks");
    }, 5);
    try {
      wire(pull, push, "tcp");
      const [message] = await within(pull.receive(), WAIT, "receive");
      assert.equal(text(message), "after five ticks");
      assert.ok(ticks >= 5, `only ${ticks} ticks while the receive waited`);
    } finally {
      clearInterval(interval);
      push.close();
      pull.close();
    }
  });

  test(
    "a long for-await over a busy socket lets setTimeout(0) and setImmediate run",
    bounded,
    async () => {
      const pull = new Pull({ linger: 0 });
      const push = new Push({ linger: 0 });
      try {
        wire(pull, push, "inproc");
        // Fill both high-water marks: a message is always ready from here on.
        let sent = 0;
        while (push.trySend(frameOf(sent))) sent++;
        assert.ok(sent > 100, `only ${sent} messages queued`);
        let timeoutRan = false;
        let immediateRan = false;
        setTimeout(() => (timeoutRan = true), 0);
        setImmediate(() => (immediateRan = true));
        const limit = 200000;
        let received = 0;
        const loop = async () => {
          for await (const [frame] of pull) {
            assert.equal(indexOf(frame!), received);
            received++;
            // Refill at once (libzmq frees room in batches), so the socket
            // never runs dry.
            while (push.trySend(frameOf(sent))) sent++;
            assert.ok(sent > received, "a message is always waiting");
            if ((timeoutRan && immediateRan) || received === limit) break;
          }
        };
        await within(loop(), LONG, "for await");
        assert.ok(
          immediateRan,
          `setImmediate starved for ${received} messages`,
        );
        assert.ok(timeoutRan, `setTimeout(0) starved for ${received} messages`);
        assert.ok(received < limit);
      } finally {
        push.close();
        pull.close();
      }
    },
  );
});

describe("for await", () => {
  for (const transport of ["inproc", "tcp"] as const) {
    test(`100k messages arrive complete and in order over ${transport}`, {
      timeout: 120000,
    }, async () => {
      const count = 100000;
      const pull = new Pull({ linger: 0 });
      const push = new Push({ linger: 0 });
      try {
        wire(pull, push, transport);
        const produce = async () => {
          for (let index = 0; index < count; index++) {
            const body = new Uint8Array(index % 61).fill(index & 0xff);
            await push.send([frameOf(index), body]);
          }
        };
        let received = 0;
        const consume = async () => {
          for await (const [header, body, ...rest] of pull) {
            const index = indexOf(header!);
            if (index !== received) {
              assert.fail(`message ${index} arrived when ${received} was due`);
            }
            if (
              rest.length !== 0 || body === undefined ||
              body.byteLength !== index % 61 ||
              body.some((byte) => byte !== (index & 0xff))
            ) assert.fail(`message ${index} arrived damaged`);
            if (++received === count) break;
          }
        };
        await within(Promise.all([produce(), consume()]), 100000, "100k");
        assert.equal(received, count);
        assert.equal(pull.tryReceive(), null, "nothing extra");
      } finally {
        push.close();
        pull.close();
      }
    });
  }

  test("ends quietly when the socket is closed", bounded, async () => {
    const pull = new Pull({ linger: 0 });
    const push = new Push({ linger: 0 });
    try {
      wire(pull, push, "inproc");
      push.sendSync("one");
      const seen: string[] = [];
      const loop = async () => {
        for await (const [frame] of pull) {
          seen.push(text(frame));
          setTimeout(() => pull.close(), 10);
        }
      };
      await within(loop(), WAIT, "loop end");
      assert.deepEqual(seen, ["one"]);
    } finally {
      push.close();
      pull.close();
    }
  });
});

describe("concurrent operations keep call order", () => {
  test(
    "1,000 concurrent sends past a small high-water mark, slow reader (inproc)",
    bounded,
    async () => {
      const count = 1000;
      const pull = new Pull({ linger: 0, receiveHighWaterMark: 10 });
      const push = new Push({ linger: 0, sendHighWaterMark: 10 });
      try {
        wire(pull, push, "inproc");
        const completed: number[] = [];
        const sends = range(count).map((index) =>
          push.send(frameOf(index)).then(() => {
            completed.push(index);
          })
        );
        await nextTurn();
        // inproc holds sendHighWaterMark + receiveHighWaterMark messages.
        assert.ok(
          completed.length <= 40,
          `${completed.length} sends completed past high-water marks of 10 + 10`,
        );
        const received: number[] = [];
        while (received.length < count) {
          const [frame] = await within(pull.receive(), WAIT, "receive");
          received.push(indexOf(frame!));
          // A slow reader: the senders wait for it again and again.
          if (received.length % 25 === 0) await nextTurn();
        }
        await within(Promise.all(sends), WAIT, "sends");
        assert.deepEqual(
          completed,
          range(count),
          "sends completed in call order",
        );
        assert.deepEqual(received, range(count), "messages arrived in order");
      } finally {
        push.close();
        pull.close();
      }
    },
  );

  test(
    "1,000 concurrent sends of 1 KiB, small high-water marks, slow reader (tcp)",
    bounded,
    async () => {
      const count = 1000;
      const pull = new Pull({ linger: 0, receiveHighWaterMark: 5 });
      const push = new Push({ linger: 0, sendHighWaterMark: 5 });
      try {
        wire(pull, push, "tcp");
        const completed: number[] = [];
        const sends = range(count).map((index) => {
          const body = new Uint8Array(1024).fill(index & 0xff);
          return push.send([frameOf(index), body]).then(() => {
            completed.push(index);
          });
        });
        const received: number[] = [];
        while (received.length < count) {
          const [frame, body] = await within(pull.receive(), WAIT, "receive");
          const index = indexOf(frame!);
          received.push(index);
          assert.ok(body!.every((byte) => byte === (index & 0xff)));
          if (received.length % 25 === 0) await nextTurn();
        }
        await within(Promise.all(sends), WAIT, "sends");
        assert.deepEqual(
          completed,
          range(count),
          "sends completed in call order",
        );
        assert.deepEqual(received, range(count), "messages arrived in order");
      } finally {
        push.close();
        pull.close();
      }
    },
  );

  for (const transport of ["inproc", "tcp"] as const) {
    test(
      `concurrent receives resolve in call order over ${transport}`,
      bounded,
      async () => {
        const count = 100;
        const pull = new Pull({ linger: 0 });
        const push = new Push({ linger: 0 });
        try {
          wire(pull, push, transport);
          const order: number[] = [];
          const receives = range(count).map((call) =>
            pull.receive().then(([frame]) => {
              order.push(call);
              return indexOf(frame!);
            })
          );
          for (const index of range(count)) push.sendSync(frameOf(index));
          const values = await within(Promise.all(receives), WAIT, "receives");
          assert.deepEqual(values, range(count), "call i got message i");
          assert.deepEqual(order, range(count), "resolved in call order");
        } finally {
          push.close();
          pull.close();
        }
      },
    );
  }

  test(
    "trySend returns false while awaited sends are queued",
    bounded,
    async () => {
      const pull = new Pull({ linger: 0 });
      const push = new Push({ linger: 0 });
      try {
        const address = endpoint("inproc");
        push.bindSync(address); // no peer yet: sends wait
        const first = push.send("first");
        const second = push.send("second");
        pull.connect(address); // now libzmq could take a message at once...
        assert.equal(
          push.trySend("overtaker"),
          false,
          "...but not ahead of the queue",
        );
        await within(Promise.all([first, second]), WAIT, "queued sends");
        assert.equal(push.trySend("third"), true);
        const got: string[] = [];
        for (let index = 0; index < 3; index++) {
          got.push(text((await within(pull.receive(), WAIT, "receive"))[0]));
        }
        assert.deepEqual(got, ["first", "second", "third"]);
        assert.equal(
          pull.tryReceive(),
          null,
          "the refused message was not sent",
        );
      } finally {
        push.close();
        pull.close();
      }
    },
  );

  test(
    "tryReceive returns null while awaited receives wait",
    bounded,
    async () => {
      const pull = new Pull({ linger: 0 });
      const push = new Push({ linger: 0 });
      try {
        wire(pull, push, "inproc");
        const waiting = pull.receive();
        push.sendSync("for the awaited receive");
        assert.equal(pull.tryReceive(), null);
        assert.deepEqual(
          texts(await within(waiting, WAIT, "receive")),
          ["for the awaited receive"],
        );
      } finally {
        push.close();
        pull.close();
      }
    },
  );

  test(
    "sendSync and receiveSync throw EBUSY while awaited ops of that direction wait",
    bounded,
    async () => {
      // Timeouts bound the blocking calls in case EBUSY is not thrown.
      const pair = new Pair({
        linger: 0,
        sendTimeout: 2000,
        receiveTimeout: 3000,
      });
      const peer = new Pair({ linger: 0 });
      try {
        const address = endpoint("inproc");
        pair.bindSync(address);
        const sending = pair.send("queued"); // no peer: waits
        assert.throws(() => pair.sendSync("overtaker"), isCode("EBUSY"));
        const receiving = pair.receive(); // nothing to receive: waits
        assert.throws(() => pair.receiveSync(), isCode("EBUSY"));
        peer.connect(address);
        await within(sending, WAIT, "queued send");
        peer.sendSync("reply");
        assert.deepEqual(texts(await within(receiving, WAIT, "receive")), [
          "reply",
        ]);
        assert.deepEqual(texts(peer.receiveSync()), ["queued"]);
        // Nothing pending any more: the blocking forms work again.
        pair.sendSync("sync");
        assert.deepEqual(texts(peer.receiveSync()), ["sync"]);
      } finally {
        peer.close();
        pair.close();
      }
    },
  );

  for (const transport of ["inproc", "tcp"] as const) {
    test(
      `Request/Reply, both sides awaited on one event loop, over ${transport}`,
      bounded,
      async () => {
        const rounds = 300;
        const reply = new Reply({ linger: 0 });
        const request = new Request({ linger: 0 });
        try {
          wire(reply, request, transport);
          const server = async () => {
            for (let round = 0; round < rounds; round++) {
              const [frame] = await reply.receive();
              await reply.send(`re: ${text(frame)}`);
            }
          };
          const client = async () => {
            for (let round = 0; round < rounds; round++) {
              await request.send(`question ${round}`);
              const [answer] = await request.receive();
              assert.equal(text(answer), `re: question ${round}`);
            }
          };
          await within(Promise.all([server(), client()]), LONG, "round trips");
        } finally {
          request.close();
          reply.close();
        }
      },
    );
  }
});
