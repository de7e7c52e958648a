// Waking up: readable/writable follow ZMQ_EVENTS, the edge-triggered ZMQ_FD
// never loses a wake-up, and brief waits while a socket streams.
import { describe, test } from "./leakcheck.ts";
import assert from "node:assert/strict";
import {
  Dealer,
  Pair,
  Pull,
  Push,
  Reply,
  Request,
  Router,
  setBriefWait,
} from "../mod.ts";
import process from "node:process";
import { diagnostics } from "../src/diagnostics.ts";
import {
  endpoint,
  modUrl,
  runScript,
  text,
  texts,
  transports,
  within,
} from "./helpers.ts";

import {
  bounded,
  frameOf,
  indexOf,
  LONG,
  range,
  until,
  WAIT,
  wire,
} from "./async_helpers.ts";

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
          `import {
  context,
  Push,
} from "${modUrl}";
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
