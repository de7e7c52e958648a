// Awaited operations end when asked: AbortSignal, timeouts and close, with no
// message lost.
import { describe, test } from "./leakcheck.ts";
import assert from "node:assert/strict";
import { Context, Pair, Pull, Push } from "../mod.ts";
import { endpoint, nextTurn, text, texts, within } from "./helpers.ts";

import {
  bounded,
  frameOf,
  indexOf,
  isCode,
  range,
  WAIT,
  wire,
} from "./async_helpers.ts";

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
