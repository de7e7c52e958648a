// The async engine: awaited send/receive and `for await` never block the event
// loop, keep call order, honour timeouts, AbortSignal and close, and never lose
// a wake-up of the edge-triggered ZMQ_FD.
import { describe, test } from "./leakcheck.ts";
import assert from "node:assert/strict";
import {
  Context,
  Dealer,
  Pair,
  Pull,
  Push,
  Reply,
  Request,
  Router,
  setBriefWait,
  type Socket,
} from "../mod.ts";
import process from "node:process";
import { diagnostics } from "../src/diagnostics.ts";
import {
  endpoint,
  modUrl,
  nextTurn,
  runScript,
  text,
  texts,
  type Transport,
  transports,
  within,
} from "./helpers.ts";

// Generous: the machine is shared, and under `deno test` the first wait also
// type-checks the watcher worker (seconds); a bug must fail rather than hang.
const LONG = 30000;
const WAIT = 15000;
// Bun stops a test after 5 s by default: leave room for WAIT to report first.
const bounded = { timeout: 60000 };

/** Binds `server` on a fresh endpoint of `transport` and connects `client` to it. */
function wire(server: Socket, client: Socket, transport: Transport): string {
  server.bindSync(endpoint(transport));
  const address = server.getOption("lastEndpoint") as string;
  client.connect(address);
  return address;
}

/** A 4-byte frame holding `index`. */
function frameOf(index: number): Uint8Array {
  const frame = new Uint8Array(4);
  new DataView(frame.buffer).setUint32(0, index, true);
  return frame;
}

/** The index held by a frame made by {@link frameOf}. */
function indexOf(frame: Uint8Array): number {
  assert.equal(frame.byteLength, 4, "an index frame is 4 bytes");
  return new DataView(frame.buffer, frame.byteOffset, 4).getUint32(0, true);
}

function range(count: number): number[] {
  return Array.from({ length: count }, (_, index) => index);
}

/** Waits (bounded) until `condition` holds, checking every few milliseconds. */
async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = performance.now() + WAIT;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`Timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

const isCode = (code: string) => (error: unknown) => {
  const actual = error as { name?: string; code?: string; message?: string };
  assert.equal(actual?.name, "ZmqError", `expected ZmqError ${code}: ${error}`);
  assert.equal(actual.code, code, actual.message);
  return true;
};

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

describe("cancellation with AbortSignal", () => {
  test(
    "abort before a message arrives: the next receive gets it",
    bounded,
    async () => {
      const pull = new Pull({ linger: 0 });
      const push = new Push({ linger: 0 });
      try {
        wire(pull, push, "inproc");
        const controller = new AbortController();
        const reason = new Error("stop waiting");
        const aborted = pull.receive({ signal: controller.signal });
        controller.abort(reason);
        await assert.rejects(within(aborted, WAIT, "abort"), (error) => {
          assert.equal(error, reason);
          return true;
        });
        push.sendSync("kept");
        assert.deepEqual(
          texts(await within(pull.receive(), WAIT, "receive")),
          ["kept"],
        );
      } finally {
        push.close();
        pull.close();
      }
    },
  );

  test(
    "abort after the message arrived, before the wake-up: it is not swallowed",
    bounded,
    async () => {
      const pull = new Pull({ linger: 0 });
      const push = new Push({ linger: 0 });
      try {
        wire(pull, push, "inproc");
        const controller = new AbortController();
        const reason = new Error("too late");
        const aborted = pull.receive({ signal: controller.signal });
        push.sendSync("arrived"); // inproc: queued at the Pull right now
        controller.abort(reason);
        await assert.rejects(within(aborted, WAIT, "abort"), (error) => {
          assert.equal(error, reason);
          return true;
        });
        assert.deepEqual(
          texts(await within(pull.receive(), WAIT, "receive")),
          ["arrived"],
        );
      } finally {
        push.close();
        pull.close();
      }
    },
  );

  test(
    "an aborted receive in the middle of the queue is skipped",
    bounded,
    async () => {
      const pull = new Pull({ linger: 0 });
      const push = new Push({ linger: 0 });
      try {
        wire(pull, push, "inproc");
        const controller = new AbortController();
        const first = pull.receive();
        const middle = pull.receive({ signal: controller.signal });
        const last = pull.receive();
        controller.abort();
        await assert.rejects(within(middle, WAIT, "abort"), {
          name: "AbortError",
        });
        push.sendSync("a");
        push.sendSync("b");
        assert.deepEqual(texts(await within(first, WAIT, "first")), ["a"]);
        assert.deepEqual(texts(await within(last, WAIT, "last")), ["b"]);
      } finally {
        push.close();
        pull.close();
      }
    },
  );

  for (const transport of ["inproc", "tcp"] as const) {
    test(
      `aborts at every moment never lose or duplicate a message over ${transport}`,
      bounded,
      async () => {
        const count = 200;
        const pull = new Pull({ linger: 0 });
        const push = new Push({ linger: 0 });
        try {
          wire(pull, push, transport);
          const reason = new Error("aborted");
          const got: number[] = [];
          let aborts = 0;
          for (let index = 0; index < count; index++) {
            const controller = new AbortController();
            const pending = pull.receive({ signal: controller.signal }).then(
              ([frame]) => {
                got.push(indexOf(frame!));
              },
              (error) => {
                assert.equal(error, reason);
                aborts++;
              },
            );
            switch (index % 4) {
              case 0:
                push.sendSync(frameOf(index));
                controller.abort(reason);
                break;
              case 1:
                controller.abort(reason);
                push.sendSync(frameOf(index));
                break;
              case 2:
                push.sendSync(frameOf(index));
                queueMicrotask(() => controller.abort(reason));
                break;
              case 3:
                push.sendSync(frameOf(index));
                setTimeout(() => controller.abort(reason), 0);
                break;
            }
            await within(pending, WAIT, `receive ${index}`);
          }
          while (got.length < count) {
            const [frame] = await within(pull.receive(), WAIT, "drain");
            got.push(indexOf(frame!));
          }
          await nextTurn(); // the last abort timer has run
          assert.deepEqual(
            got,
            range(count),
            "every message exactly once, in order",
          );
          assert.equal(pull.tryReceive(), null);
          assert.ok(aborts > 0, "some receives were aborted");
        } finally {
          push.close();
          pull.close();
        }
      },
    );
  }

  test("an aborted send is not sent", bounded, async () => {
    const pull = new Pull({ linger: 0 });
    const push = new Push({ linger: 0 });
    try {
      const address = endpoint("inproc");
      push.bindSync(address); // no peer yet: sends wait
      const controller = new AbortController();
      const reason = new Error("never mind");
      const aborted = push.send("aborted", { signal: controller.signal });
      const kept = push.send("kept");
      controller.abort(reason);
      await assert.rejects(within(aborted, WAIT, "abort"), (error) => {
        assert.equal(error, reason);
        return true;
      });
      pull.connect(address);
      await within(kept, WAIT, "kept send");
      await within(push.send("last"), WAIT, "last send");
      const got = [
        text((await within(pull.receive(), WAIT, "receive"))[0]),
        text((await within(pull.receive(), WAIT, "receive"))[0]),
      ];
      assert.deepEqual(got, ["kept", "last"]);
      assert.equal(pull.tryReceive(), null);
    } finally {
      push.close();
      pull.close();
    }
  });

  test(
    "an already-aborted signal rejects at once and touches nothing",
    bounded,
    async () => {
      const pull = new Pull({ linger: 0 });
      const push = new Push({ linger: 0 });
      try {
        wire(pull, push, "inproc");
        const reason = new Error("already");
        const signal = AbortSignal.abort(reason);
        push.sendSync("waiting in the queue");
        let settled = false;
        const receiving = pull.receive({ signal }).finally(
          () => (settled = true),
        );
        const sending = push.send("not sent", { signal });
        await null;
        await null;
        assert.ok(settled, "rejected without waiting for the event loop");
        await assert.rejects(receiving, (error) => error === reason);
        await assert.rejects(sending, (error) => error === reason);
        assert.deepEqual(texts(pull.tryReceive()!), ["waiting in the queue"]);
        assert.equal(pull.tryReceive(), null, "the aborted send sent nothing");
      } finally {
        push.close();
        pull.close();
      }
    },
  );
});

describe("timeouts", () => {
  test(
    "receiveTimeout rejects pending receives with EAGAIN; the socket stays usable",
    bounded,
    async () => {
      const pull = new Pull({ linger: 0, receiveTimeout: 100 });
      const push = new Push({ linger: 0 });
      try {
        wire(pull, push, "tcp");
        const started = performance.now();
        const results = await within(
          Promise.allSettled([pull.receive(), pull.receive()]),
          WAIT,
          "receive timeout",
        );
        const elapsed = performance.now() - started;
        for (const result of results) {
          assert.equal(result.status, "rejected");
          isCode("EAGAIN")((result as PromiseRejectedResult).reason);
        }
        assert.ok(elapsed >= 80, `timed out after only ${elapsed} ms`);
        assert.ok(elapsed < 3000, `timed out after ${elapsed} ms`);
        push.sendSync("later");
        assert.deepEqual(
          texts(await within(pull.receive(), WAIT, "receive")),
          ["later"],
        );
      } finally {
        push.close();
        pull.close();
      }
    },
  );

  test(
    "sendTimeout rejects pending sends with EAGAIN; the socket stays usable",
    bounded,
    async () => {
      const pull = new Pull({ linger: 0 });
      const push = new Push({ linger: 0, sendTimeout: 100 });
      try {
        const address = endpoint("inproc");
        push.bindSync(address); // no peer: sends wait
        const started = performance.now();
        await assert.rejects(
          within(push.send("timed out"), WAIT, "send timeout"),
          isCode("EAGAIN"),
        );
        const elapsed = performance.now() - started;
        assert.ok(elapsed >= 80, `timed out after only ${elapsed} ms`);
        assert.ok(elapsed < 3000, `timed out after ${elapsed} ms`);
        pull.connect(address);
        await within(push.send("delivered"), WAIT, "send");
        assert.deepEqual(
          texts(await within(pull.receive(), WAIT, "receive")),
          ["delivered"],
        );
        assert.equal(
          pull.tryReceive(),
          null,
          "the timed-out message was not sent",
        );
      } finally {
        push.close();
        pull.close();
      }
    },
  );
});

describe("closing with operations pending", () => {
  test(
    "close() rejects pending receives and sends with EBADF",
    bounded,
    async () => {
      const pair = new Pair({ linger: 0 });
      try {
        pair.bindSync(endpoint("inproc")); // no peer: both directions wait
        const receives = [pair.receive(), pair.receive()];
        const sends = [pair.send("a"), pair.send("b")];
        pair.close();
        const results = await within(
          Promise.allSettled([...receives, ...sends]),
          WAIT,
          "rejections",
        );
        for (const result of results) {
          assert.equal(result.status, "rejected");
          isCode("EBADF")((result as PromiseRejectedResult).reason);
        }
        await assert.rejects(pair.receive(), isCode("EBADF"));
      } finally {
        pair.close();
      }
    },
  );

  test(
    "Context.close() rejects pending operations with ETERM",
    bounded,
    async () => {
      const context = new Context();
      const pull = new Pull({ context, linger: 0 });
      const push = new Push({ context, linger: 0 });
      try {
        pull.bindSync(endpoint("inproc"));
        push.bindSync(endpoint("inproc"));
        const receiving = pull.receive();
        const sending = push.send("never");
        context.close();
        const results = await within(
          Promise.allSettled([receiving, sending]),
          WAIT,
          "rejections",
        );
        for (const result of results) {
          assert.equal(result.status, "rejected");
          isCode("ETERM")((result as PromiseRejectedResult).reason);
        }
        assert.ok(pull.closed && push.closed);
      } finally {
        push.close();
        pull.close();
        context.close();
      }
    },
  );
});

describe("readable and writable reflect ZMQ_EVENTS", () => {
  for (const transport of ["inproc", "tcp"] as const) {
    test(`Push/Pull over ${transport}`, bounded, async () => {
      const pull = new Pull({ linger: 0 });
      const push = new Push({ linger: 0 });
      try {
        pull.bindSync(endpoint(transport));
        assert.equal(pull.readable, false);
        assert.equal(pull.writable, false, "a Pull never sends");
        assert.equal(push.writable, false, "no peer yet");
        assert.equal(push.readable, false, "a Push never receives");
        push.connect(pull.getOption("lastEndpoint") as string);
        await until(() => push.writable, "push writable after connect");
        push.sendSync("x");
        await until(() => pull.readable, "pull readable after a send");
        assert.deepEqual(texts(pull.tryReceive()!), ["x"]);
        assert.equal(pull.readable, false, "drained");
      } finally {
        push.close();
        pull.close();
      }
    });
  }

  test("Request/Reply follow the lock-step", bounded, () => {
    const reply = new Reply({ linger: 0 });
    const request = new Request({ linger: 0 });
    try {
      wire(reply, request, "inproc");
      assert.equal(request.writable, true);
      assert.equal(reply.writable, false, "a Reply must receive first");
      request.sendSync("q");
      assert.equal(request.writable, false, "a Request waits for its reply");
      assert.equal(reply.readable, true);
      reply.receiveSync();
      assert.equal(reply.writable, true);
      reply.sendSync("a");
      assert.equal(request.readable, true);
      request.receiveSync();
      assert.equal(request.writable, true);
    } finally {
      request.close();
      reply.close();
    }
  });
});

// ZMQ_FD is edge-triggered: any call that processes the socket's commands (a
// send, a receive, reading ZMQ_EVENTS) may consume the wake-up a pending
// awaited operation is waiting for.
describe("the edge-triggered ZMQ_FD never loses a wake-up", () => {
  const rounds = 1000;

  for (const transport of transports) {
    test(
      `Pair: sync sends while a receive is pending, both sides, over ${transport}`,
      bounded,
      async () => {
        const left = new Pair({ linger: 0, sendTimeout: WAIT });
        const right = new Pair({ linger: 0, sendTimeout: WAIT });
        try {
          wire(left, right, transport);
          const side = async (socket: Pair, name: string, peer: string) => {
            for (let round = 0; round < rounds; round++) {
              const next = socket.receive();
              const message = `${name} ${round}`;
              if (round % 2 === 0 || !socket.trySend(message)) {
                socket.sendSync(message);
              }
              const [frame] = await within(
                next,
                WAIT,
                `${name} round ${round}`,
              );
              assert.equal(text(frame), `${peer} ${round}`);
            }
          };
          await within(
            Promise.all([
              side(left, "left", "right"),
              side(right, "right", "left"),
            ]),
            LONG,
            "exchange",
          );
        } finally {
          right.close();
          left.close();
        }
      },
    );
  }

  test(
    "Dealer/Router: the Router replies with sendSync while its next receive is pending (tcp)",
    bounded,
    async () => {
      const router = new Router({ linger: 0 });
      const dealer = new Dealer({ linger: 0, routingId: "dealer" });
      try {
        wire(router, dealer, "tcp");
        const server = async () => {
          let next = router.receive();
          for (let round = 0; round < rounds; round++) {
            const [id, frame] = await within(next, WAIT, `router ${round}`);
            next = round + 1 < rounds ? router.receive() : Promise.resolve([]);
            router.sendSync([id!, `re: ${text(frame)}`]);
          }
          await next;
        };
        const client = async () => {
          for (let round = 0; round < rounds; round++) {
            const next = dealer.receive();
            if (!dealer.trySend(`${round}`)) dealer.sendSync(`${round}`);
            const [frame] = await within(next, WAIT, `dealer ${round}`);
            assert.equal(text(frame), `re: ${round}`);
          }
        };
        await within(Promise.all([server(), client()]), LONG, "exchange");
      } finally {
        dealer.close();
        router.close();
      }
    },
  );

  test(
    "reading readable/writable while a receive is pending (inproc)",
    bounded,
    async () => {
      const pull = new Pull({ linger: 0 });
      const push = new Push({ linger: 0 });
      try {
        wire(pull, push, "inproc");
        for (let round = 0; round < 200; round++) {
          const next = pull.receive();
          push.sendSync(frameOf(round));
          // Reads ZMQ_EVENTS, which consumes the edge of ZMQ_FD.
          assert.equal(pull.readable, true);
          assert.equal(pull.writable, false);
          const [frame] = await within(next, WAIT, `round ${round}`);
          assert.equal(indexOf(frame!), round);
        }
      } finally {
        push.close();
        pull.close();
      }
    },
  );

  test(
    "awaited sends waiting on the high-water mark while the same socket receives (inproc)",
    bounded,
    async () => {
      // A Pair with a tiny HWM: its queued sends wait for the peer to read,
      // while its own receives (sync and awaited) consume the edge.
      const left = new Pair({ linger: 0, sendHighWaterMark: 2 });
      const right = new Pair({ linger: 0, receiveHighWaterMark: 2 });
      try {
        wire(left, right, "inproc");
        const count = 500;
        const sends = range(count).map((index) => left.send(frameOf(index)));
        const received: number[] = [];
        while (received.length < count) {
          const [frame] = await within(right.receive(), WAIT, "right receive");
          received.push(indexOf(frame!));
          right.sendSync(frameOf(received.length)); // left has sends waiting
          const echo = left.tryReceive() ??
            await within(left.receive(), WAIT, "left receive");
          assert.equal(indexOf(echo[0]!), received.length);
        }
        await within(Promise.all(sends), WAIT, "sends");
        assert.deepEqual(received, range(count));
      } finally {
        right.close();
        left.close();
      }
    },
  );
});

/**
 * Reads `rounds` bursts of 20 messages that this thread sends one timer after
 * the reader emptied the socket, so that the reader ends each burst with a
 * streak and then has to wait; returns the brief waits this caused.
 */
async function burstsFromThisThread(
  rounds: number,
): Promise<{ waits: number; timedOut: number }> {
  const burst = 20;
  const pull = new Pull({ linger: 0 });
  const push = new Push({ linger: 0 });
  try {
    wire(pull, push, "inproc");
    const before = diagnostics().briefWaits;
    let sent = 0;
    const sendBurst = () => {
      for (let index = 0; index < burst; index++) {
        assert.equal(push.trySend(frameOf(sent++)), true);
      }
    };
    sendBurst();
    let received = 0;
    const loop = async () => {
      for await (const [frame] of pull) {
        assert.equal(indexOf(frame!), received);
        if (++received === rounds * burst) break;
        if (received === sent) setTimeout(sendBurst, 0);
      }
    };
    await within(loop(), LONG, `${rounds} bursts`);
    const after = diagnostics().briefWaits;
    const waits = after.waits - before.waits;
    return { waits, timedOut: waits - (after.caught - before.caught) };
  } finally {
    push.close();
    pull.close();
  }
}

describe("brief waits while a socket streams", () => {
  test(
    "a stream from another process arrives complete and in order, caught by brief waits, and timers keep running",
    bounded,
    async () => {
      const count = 100000;
      const pull = new Pull({ linger: 0 });
      let ticks = 0;
      let last = performance.now();
      let worstGap = 0;
      const interval = setInterval(() => {
        const now = performance.now();
        worstGap = Math.max(worstGap, now - last);
        last = now;
        ticks++;
      }, 1);
      try {
        await pull.bind("tcp://127.0.0.1:*");
        const before = diagnostics().briefWaits;
        const sender = runScript(
          `import { context, Push } from "${modUrl}";
          const push = new Push({ linger: 10000 });
          push.connect(process.env.ENDPOINT);
          const frame = new Uint8Array(4);
          const view = new DataView(frame.buffer);
          for (let index = 0; index < ${count}; index++) {
            view.setUint32(0, index, true);
            push.sendSync(frame);
            // A little slower than the reader, so that it waits often.
            const until = performance.now() + 0.003;
            while (performance.now() < until);
          }
          push.close();
          context.close(); // flushes what is still queued (linger)`,
          { env: { ENDPOINT: pull.lastEndpoint }, timeout: LONG },
        );
        let received = 0;
        last = performance.now();
        const loop = async () => {
          for await (const [frame] of pull) {
            assert.equal(indexOf(frame!), received);
            if (++received === count) break;
          }
        };
        await within(loop(), LONG, `${count} messages`);
        const after = diagnostics().briefWaits;
        const child = await sender;
        assert.equal(child.code, 0, child.stderr);
        if (process.platform === "linux") {
          assert.ok(
            after.caught > before.caught,
            `no brief wait caught a message: ${JSON.stringify(after)}`,
          );
        }
        assert.ok(after.mostInOneTurn <= 8, JSON.stringify(after));
        assert.ok(ticks > 0, "the interval never ran");
        assert.ok(worstGap < 1000, `the event loop stalled ${worstGap} ms`);
      } finally {
        clearInterval(interval);
        pull.close();
      }
    },
  );

  test(
    "brief waits that cannot succeed (the sender is this thread) back off",
    bounded,
    async () => {
      const rounds = 200;
      const { waits, timedOut } = await burstsFromThisThread(rounds);
      if (process.platform === "linux") {
        assert.ok(waits > 0, "no brief wait was tried");
      }
      // Without backing off, every round would time out once.
      assert.ok(
        timedOut <= 10,
        `${timedOut} of ${rounds} brief waits timed out`,
      );
    },
  );

  test(
    "setBriefWait(0) turns brief waits off; bad values are refused",
    bounded,
    async () => {
      assert.throws(() => setBriefWait(-1), RangeError);
      assert.throws(() => setBriefWait(1001), RangeError);
      assert.throws(() => setBriefWait(1.5), RangeError);
      assert.throws(() => setBriefWait(Number.NaN), RangeError);
      assert.throws(() => setBriefWait("50" as unknown as number), TypeError);
      setBriefWait(0);
      try {
        assert.equal((await burstsFromThisThread(20)).waits, 0);
      } finally {
        setBriefWait(50);
      }
    },
  );
});
