// Poller: many sockets and raw file descriptors at once, awaited (on the
// watcher thread) and blocking, with timeouts, AbortSignal and close.
import { describe, test } from "./leakcheck.ts";
import assert from "node:assert/strict";
import { closeSync, openSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  Pair,
  Poller,
  type PollResult,
  type PollTarget,
  Publisher,
  Pull,
  Push,
  type Socket,
  Subscriber,
} from "../mod.ts";
import { loadLibc } from "../ffi/load.ts";
import { endpoint, nextTurn, text, within } from "./helpers.ts";

// Generous: the machine is shared, and under `deno test` the first wait also
// type-checks the watcher worker (seconds); a bug must fail rather than hang.
const WAIT = 15000;
// Bun stops a test after 5 s by default: leave room for WAIT to report first.
const bounded = { timeout: 60000 };

const isCode = (code: string) => (error: unknown) => {
  const actual = error as { name?: string; code?: string; message?: string };
  assert.equal(actual?.name, "ZmqError", `expected ZmqError ${code}: ${error}`);
  assert.equal(actual.code, code, actual.message);
  return true;
};

/** The targets of poll results, in the order they were added. */
function targets(results: PollResult[]): PollTarget[] {
  return results.map((result) => result.target);
}

/** Closes every socket, even if some close() throws. */
function closeAll(sockets: Socket[]): void {
  for (const socket of sockets) socket.close();
}

/** A raw pipe from libc: [read end, write end]. */
function pipe(): [number, number] {
  const fds = new Int32Array(2);
  assert.equal(loadLibc().pipe(fds), 0, "pipe()");
  return [fds[0]!, fds[1]!];
}

function writeByte(fd: number): void {
  assert.equal(Number(loadLibc().write(fd, new Uint8Array([1]), 1n)), 1);
}

function readByte(fd: number): void {
  assert.equal(Number(loadLibc().read(fd, new Uint8Array(1), 1n)), 1);
}

function closeFd(fd: number): void {
  loadLibc().close(fd);
}

describe("Poller over many sockets", () => {
  test(
    "120 sockets with mixed readiness: exactly the ready ones, with their events",
    bounded,
    async () => {
      const sockets: Socket[] = [];
      const poller = new Poller();
      try {
        const readers: Pull[] = [];
        const feeders: Push[] = [];
        const writers: Push[] = [];
        const sink = new Pull();
        sockets.push(sink);
        sink.bindSync(endpoint("inproc"));
        const sinkAddress = sink.getOption("lastEndpoint") as string;
        for (let index = 0; index < 60; index++) {
          const reader = new Pull();
          const feeder = new Push();
          const writer = new Push();
          sockets.push(reader, feeder, writer);
          reader.bindSync(endpoint("inproc"));
          feeder.connect(reader.getOption("lastEndpoint") as string);
          // Even writers have a peer (writable); odd ones have none (not writable).
          if (index % 2 === 0) writer.connect(sinkAddress);
          else writer.bindSync(endpoint("inproc"));
          readers.push(reader);
          feeders.push(feeder);
          writers.push(writer);
          // Some readers ask for both directions: a Pull is never writable.
          poller.add(reader, index % 5 === 0 ? "both" : "readable");
          poller.add(writer, "writable");
        }
        assert.equal(poller.size, 120);
        for (let index = 0; index < 60; index += 3) {
          feeders[index]!.sendSync(`message ${index}`);
        }
        const expected = new Set<PollTarget>([
          ...readers.filter((_, index) => index % 3 === 0),
          ...writers.filter((_, index) => index % 2 === 0),
        ]);
        const check = (results: PollResult[]) => {
          assert.equal(
            results.length,
            expected.size,
            "one result per ready socket",
          );
          assert.deepEqual(new Set(targets(results)), expected);
          for (const result of results) {
            const isReader = readers.includes(result.target as Pull);
            assert.equal(result.readable, isReader);
            assert.equal(result.writable, !isReader);
            assert.equal(result.error, false);
          }
        };
        check(poller.pollSync(0));
        check(await within(poller.poll(WAIT), WAIT, "poll"));

        // remove() and modify() change what is reported.
        assert.equal(poller.remove(readers[0]!), true);
        assert.equal(poller.remove(readers[0]!), false);
        poller.modify(writers[0]!, "readable");
        expected.delete(readers[0]!);
        expected.delete(writers[0]!);
        check(poller.pollSync(0));

        // Receiving the messages makes the readers unready again.
        for (let index = 3; index < 60; index += 3) {
          assert.equal(
            text(readers[index]!.tryReceive()![0]),
            `message ${index}`,
          );
          expected.delete(readers[index]!);
        }
        check(await within(poller.poll(WAIT), WAIT, "poll"));
      } finally {
        poller.close();
        closeAll(sockets);
      }
    },
  );

  test(
    "an awaited poll reports exactly the sockets that became ready while it waited",
    bounded,
    async () => {
      const sockets: Socket[] = [];
      const poller = new Poller();
      let ticks = 0;
      const interval = setInterval(() => ticks++, 5);
      try {
        const readers: Pull[] = [];
        const feeders: Push[] = [];
        for (let index = 0; index < 100; index++) {
          const reader = new Pull();
          const feeder = new Push();
          sockets.push(reader, feeder);
          reader.bindSync(endpoint("inproc"));
          feeder.connect(reader.getOption("lastEndpoint") as string);
          readers.push(reader);
          feeders.push(feeder);
          poller.add(reader, "readable");
        }
        const polling = poller.poll(WAIT);
        setTimeout(() => {
          // Both are queued before the main thread can see the wake-up.
          feeders[5]!.sendSync("five");
          feeders[77]!.sendSync("seventy-seven");
        }, 30);
        const results = await within(polling, 2 * WAIT, "poll");
        assert.deepEqual(targets(results), [readers[5], readers[77]]);
        assert.ok(
          ticks >= 2,
          `the event loop ran only ${ticks} ticks meanwhile`,
        );
      } finally {
        clearInterval(interval);
        poller.close();
        closeAll(sockets);
      }
    },
  );
});

describe("Poller waiting", () => {
  test("timeouts beyond what a timer can hold are refused, not cut short", async () => {
    const pull = new Pull();
    const poller = new Poller();
    try {
      pull.bindSync(endpoint("inproc"));
      poller.add(pull, "readable");
      // setTimeout fires at once beyond 2^31 - 1 ms: poll(2^31) resolved []
      // after about a millisecond.
      await assert.rejects(poller.poll(2 ** 31), RangeError);
      assert.throws(() => poller.pollSync(2 ** 31), RangeError);
      assert.throws(() => poller.pollSync(Number.MAX_SAFE_INTEGER), RangeError);
      assert.deepEqual(poller.pollSync(0), []);
    } finally {
      poller.close();
      pull.close();
    }
  });

  test("a timeout gives [] (awaited and blocking)", bounded, async () => {
    const pull = new Pull();
    const poller = new Poller();
    try {
      pull.bindSync(endpoint("inproc"));
      poller.add(pull, "readable");
      assert.deepEqual(await poller.poll(0), []);
      assert.deepEqual(poller.pollSync(0), []);
      let started = performance.now();
      assert.deepEqual(await within(poller.poll(50), WAIT, "poll"), []);
      let elapsed = performance.now() - started;
      assert.ok(elapsed >= 40 && elapsed < 3000, `poll(50) took ${elapsed} ms`);
      started = performance.now();
      assert.deepEqual(poller.pollSync(50), []);
      elapsed = performance.now() - started;
      assert.ok(
        elapsed >= 40 && elapsed < 3000,
        `pollSync(50) took ${elapsed} ms`,
      );
      // An empty poller times out too.
      const empty = new Poller();
      assert.deepEqual(await within(empty.poll(20), WAIT, "empty poll"), []);
      empty.close();
    } finally {
      poller.close();
      pull.close();
    }
  });

  test(
    "an AbortSignal ends a pending poll; the poller stays usable",
    bounded,
    async () => {
      const pull = new Pull();
      const push = new Push();
      const poller = new Poller();
      try {
        pull.bindSync(endpoint("inproc"));
        push.connect(pull.getOption("lastEndpoint") as string);
        poller.add(pull, "readable");
        const reason = new Error("stop polling");
        await assert.rejects(
          poller.poll(-1, { signal: AbortSignal.abort(reason) }),
          (error) => error === reason,
        );
        const controller = new AbortController();
        const polling = poller.poll(-1, { signal: controller.signal });
        await assert.rejects(poller.poll(-1), isCode("EBUSY"));
        setTimeout(() => controller.abort(reason), 10);
        await assert.rejects(
          within(polling, WAIT, "aborted poll"),
          (error) => error === reason,
        );
        push.sendSync("after the abort");
        const results = await within(poller.poll(WAIT), WAIT, "poll");
        assert.deepEqual(targets(results), [pull]);
      } finally {
        poller.close();
        push.close();
        pull.close();
      }
    },
  );

  test("close() ends a pending poll with []", bounded, async () => {
    const pull = new Pull();
    const poller = new Poller();
    try {
      pull.bindSync(endpoint("inproc"));
      poller.add(pull, "readable");
      const polling = poller.poll(-1);
      setTimeout(() => poller.close(), 10);
      assert.deepEqual(await within(polling, WAIT, "poll after close"), []);
      assert.equal(poller.size, 0);
      await assert.rejects(poller.poll(0), isCode("EBADF"));
      assert.throws(() => poller.pollSync(0), isCode("EBADF"));
      assert.throws(() => poller.add(pull), isCode("EBADF"));
      poller.close(); // idempotent
    } finally {
      poller.close();
      pull.close();
    }
  });

  test(
    "closing a socket that a pending poll waits on rejects the poll with EBADF",
    bounded,
    async () => {
      const pull = new Pull();
      const poller = new Poller();
      try {
        pull.bindSync(endpoint("tcp"));
        poller.add(pull, "readable");
        const polling = poller.poll(-1);
        setTimeout(() => pull.close(), 10);
        await assert.rejects(
          within(polling, WAIT, "poll after the socket closed"),
          isCode("EBADF"),
        );
      } finally {
        poller.close();
        pull.close();
      }
    },
  );

  test("add() and modify() check their arguments", bounded, () => {
    const pull = new Pull();
    const poller = new Poller();
    try {
      poller.add(pull);
      assert.throws(() => poller.add(pull), isCode("EEXIST"));
      assert.throws(() => poller.modify(99999, "readable"), isCode("ENOENT"));
      assert.throws(
        () => poller.add(7, "sideways" as "readable"),
        TypeError,
      );
      assert.throws(() => poller.add(-1), RangeError);
      assert.throws(() => poller.pollSync(1.5), RangeError);
    } finally {
      poller.close();
      pull.close();
    }
  });
});

describe("Poller over raw file descriptors", () => {
  test(
    "a pipe: pollSync and poll see the write end writable and the read end once written",
    bounded,
    async () => {
      const [readEnd, writeEnd] = pipe();
      const poller = new Poller();
      try {
        poller.add(readEnd, "readable");
        assert.deepEqual(poller.pollSync(0), []);
        poller.add(writeEnd, "writable");
        const writable = poller.pollSync(0);
        assert.deepEqual(writable, [{
          target: writeEnd,
          readable: false,
          writable: true,
          error: false,
        }]);
        poller.remove(writeEnd);

        const polling = poller.poll(WAIT);
        setTimeout(() => writeByte(writeEnd), 20);
        const results = await within(polling, 2 * WAIT, "poll on a pipe");
        assert.deepEqual(results, [{
          target: readEnd,
          readable: true,
          writable: false,
          error: false,
        }]);
        assert.deepEqual(targets(poller.pollSync(0)), [readEnd]);
        readByte(readEnd);
        assert.deepEqual(poller.pollSync(0), []);
      } finally {
        poller.close();
        closeFd(readEnd);
        closeFd(writeEnd);
      }
    },
  );

  test(
    "two pollers on one pipe both wake, and an unread byte keeps it readable",
    bounded,
    async () => {
      const [readEnd, writeEnd] = pipe();
      const first = new Poller();
      const second = new Poller();
      try {
        first.add(readEnd, "readable");
        second.add(readEnd, "readable");
        const both = Promise.all([first.poll(WAIT), second.poll(WAIT)]);
        setTimeout(() => writeByte(writeEnd), 20);
        const [one, two] = await within(both, 2 * WAIT, "two polls");
        assert.deepEqual(targets(one), [readEnd]);
        assert.deepEqual(targets(two), [readEnd]);
        // Level-triggered, as poll(2): still readable until the byte is read.
        for (let round = 0; round < 3; round++) {
          assert.deepEqual(
            targets(await within(first.poll(WAIT), WAIT, "poll again")),
            [readEnd],
          );
        }
        readByte(readEnd);
        assert.deepEqual(await first.poll(30), []);
        // A later write wakes a new poll.
        const again = second.poll(WAIT);
        setTimeout(() => writeByte(writeEnd), 20);
        assert.deepEqual(
          targets(await within(again, 2 * WAIT, "poll after read")),
          [readEnd],
        );
        readByte(readEnd);
      } finally {
        first.close();
        second.close();
        closeFd(readEnd);
        closeFd(writeEnd);
      }
    },
  );

  test("a regular file is always readable", bounded, async () => {
    const fd = openSync(fileURLToPath(import.meta.url), "r");
    const poller = new Poller();
    try {
      poller.add(fd, "readable");
      assert.deepEqual(targets(poller.pollSync(0)), [fd]);
      assert.deepEqual(
        targets(await within(poller.poll(WAIT), WAIT, "poll")),
        [fd],
      );
    } finally {
      poller.close();
      closeSync(fd);
    }
  });

  test("sockets and descriptors in one poller", bounded, async () => {
    const [readEnd, writeEnd] = pipe();
    const pull = new Pull();
    const push = new Push();
    const poller = new Poller();
    try {
      pull.bindSync(endpoint("inproc"));
      push.connect(pull.getOption("lastEndpoint") as string);
      poller.add(pull, "readable");
      poller.add(readEnd, "readable");
      let polling = poller.poll(WAIT);
      setTimeout(() => writeByte(writeEnd), 10);
      assert.deepEqual(
        targets(await within(polling, 2 * WAIT, "pipe")),
        [readEnd],
      );
      readByte(readEnd);
      polling = poller.poll(WAIT);
      setTimeout(() => push.sendSync("socket"), 10);
      assert.deepEqual(
        targets(await within(polling, 2 * WAIT, "socket")),
        [pull],
      );
    } finally {
      poller.close();
      push.close();
      pull.close();
      closeFd(readEnd);
      closeFd(writeEnd);
    }
  });
});

describe("Poller patterns", () => {
  test(
    "the zguide's mspoller: one loop reading a Pull and a Subscriber",
    bounded,
    async () => {
      const ventilator = new Push();
      const publisher = new Publisher();
      const tasks = new Pull();
      const weather = new Subscriber();
      const poller = new Poller();
      try {
        ventilator.bindSync(endpoint("tcp"));
        publisher.bindSync(endpoint("tcp"));
        tasks.connect(ventilator.getOption("lastEndpoint") as string);
        weather.connect(publisher.getOption("lastEndpoint") as string);
        weather.subscribe("10001 ");
        poller.add(tasks, "readable");
        poller.add(weather, "readable");

        // Publish until the subscription has reached the publisher.
        let subscribed = false;
        for (let attempt = 0; attempt < 300 && !subscribed; attempt++) {
          publisher.sendSync("10001 warm-up");
          subscribed = (await poller.poll(10)).some((result) =>
            result.target === weather
          );
        }
        assert.ok(subscribed, "the subscription never reached the publisher");

        const count = 50;
        const produce = async () => {
          for (let index = 0; index < count; index++) {
            await ventilator.send(`task ${index}`);
            await publisher.send(`99999 not subscribed ${index}`);
            await publisher.send(`10001 update ${index}`);
            if (index % 10 === 0) await nextTurn();
          }
        };
        const gotTasks: string[] = [];
        const gotUpdates: string[] = [];
        const consume = async () => {
          while (gotTasks.length < count || gotUpdates.length < count) {
            const ready = await poller.poll(WAIT);
            assert.notEqual(ready.length, 0, "poll timed out");
            for (const { target } of ready) {
              if (target === tasks) {
                for (let m = tasks.tryReceive(); m; m = tasks.tryReceive()) {
                  gotTasks.push(text(m[0]));
                }
              } else if (target === weather) {
                for (
                  let m = weather.tryReceive();
                  m;
                  m = weather.tryReceive()
                ) {
                  if (!text(m[0]).endsWith("warm-up")) {
                    gotUpdates.push(
                      text(m[0]),
                    );
                  }
                }
              }
            }
          }
        };
        await within(Promise.all([produce(), consume()]), 30000, "mspoller");
        assert.deepEqual(
          gotTasks,
          Array.from({ length: count }, (_, index) => `task ${index}`),
        );
        assert.deepEqual(
          gotUpdates,
          Array.from({ length: count }, (_, index) => `10001 update ${index}`),
        );
      } finally {
        poller.close();
        closeAll([ventilator, publisher, tasks, weather]);
      }
    },
  );
});

// ZMQ_FD is edge-triggered: polling a socket, or sending on it, processes its
// commands and may consume the wake-up that someone else is waiting for.
describe("Poller and the edge-triggered ZMQ_FD", () => {
  test(
    "pollSync on a socket with a pending receive does not strand the receive",
    bounded,
    async () => {
      const pull = new Pull();
      const push = new Push();
      const poller = new Poller();
      try {
        pull.bindSync(endpoint("inproc"));
        push.connect(pull.getOption("lastEndpoint") as string);
        poller.add(pull, "readable");
        for (let round = 0; round < 200; round++) {
          const next = pull.receive();
          push.sendSync(`${round}`);
          poller.pollSync(0);
          const [frame] = await within(next, WAIT, `round ${round}`);
          assert.equal(text(frame), `${round}`);
        }
      } finally {
        poller.close();
        push.close();
        pull.close();
      }
    },
  );

  test(
    "sending on a socket while poll() waits on it does not strand the poll",
    bounded,
    async () => {
      const left = new Pair();
      const right = new Pair();
      const poller = new Poller();
      try {
        left.bindSync(endpoint("inproc"));
        right.connect(left.getOption("lastEndpoint") as string);
        poller.add(left, "readable");
        for (let round = 0; round < 200; round++) {
          const polling = poller.poll(WAIT);
          right.sendSync(`to left ${round}`);
          left.sendSync(`to right ${round}`); // processes left's commands
          const ready = await within(polling, 2 * WAIT, `round ${round}`);
          assert.deepEqual(targets(ready), [left], `round ${round}`);
          assert.equal(text(left.tryReceive()![0]), `to left ${round}`);
          assert.equal(text(right.tryReceive()![0]), `to right ${round}`);
        }
      } finally {
        poller.close();
        right.close();
        left.close();
      }
    },
  );
});
