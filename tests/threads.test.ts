// Threads: sockets and contexts used inside Worker threads (node:worker_threads
// on both runtimes). Each worker owns the sockets it creates, in its own
// default context (module state is per thread); workers talk to each other
// and to the main thread over ipc:// and tcp://.
//
// inproc:// needs both ends in one libzmq context, and a Context cannot cross
// threads here: it is a JavaScript object of one isolate, and zmq-ffi has no
// way to adopt another thread's native context (and zmq_ctx_term would then
// wait for every thread's sockets, so close() could hang). These tests pin
// that down: inproc stays within a thread, ipc is the way across, and posting
// a Socket or a Context to another thread is refused with a clear error.
import { describe, test } from "./leakcheck.ts";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { Context, Pull, Push } from "../mod.ts";
import { libc } from "../src/native.ts";
import { endpoint, receiveWithin, runtime, texts, within } from "./helpers.ts";

const workerFile = new URL("./fixtures/thread_worker.ts", import.meta.url);
const bounded = { timeout: 60000 };
const onLinux = process.platform === "linux";

/** Starts a worker with a role; resolves with it and its first message. */
function startWorker(workerData: Record<string, unknown>): Worker {
  return new Worker(workerFile, { workerData });
}

/** The next message the worker posts (rejects if it fails or exits first). */
function nextMessage<T = Record<string, unknown>>(worker: Worker): Promise<T> {
  return within(
    new Promise<T>((resolve, reject) => {
      const onMessage = (message: T) => {
        cleanup();
        resolve(message);
      };
      const onError = (error: unknown) => {
        cleanup();
        reject(error);
      };
      const onExit = (code: number) => {
        cleanup();
        reject(new Error(`the worker exited with code ${code} first`));
      };
      const cleanup = () => {
        worker.off("message", onMessage);
        worker.off("error", onError);
        worker.off("exit", onExit);
      };
      worker.on("message", onMessage);
      worker.on("error", onError);
      worker.on("exit", onExit);
    }),
    30000,
    "a message from the worker",
  );
}

/** Resolves with the worker's exit code once it has ended. */
function exitCode(worker: Worker): Promise<number> {
  return within(
    new Promise<number>((resolve) => worker.once("exit", resolve)),
    30000,
    "the worker to exit",
  );
}

/** A round trip over inproc in this thread: what ended elsewhere left it unharmed. */
async function assertThisThreadWorks(): Promise<void> {
  using pull = new Pull();
  using push = new Push();
  pull.bindSync(endpoint("inproc"));
  push.connect(pull.lastEndpoint);
  await push.send("after");
  assert.deepEqual(texts(await pull.receive()), ["after"]);
}

/** Threads of this process right now (Linux). */
const threadCount = () => readdirSync("/proc/self/task").length;

describe("sockets inside Worker threads", () => {
  test(
    "three workers push to the main thread over ipc and tcp: all arrive, in order per worker; the workers exit cleanly",
    bounded,
    async () => {
      using ipc = new Pull({ receiveTimeout: 10000 });
      using tcp = new Pull({ receiveTimeout: 10000 });
      ipc.bindSync(endpoint("ipc"));
      tcp.bindSync("tcp://127.0.0.1:*");
      const count = 2000;
      const workers = [
        startWorker({
          role: "pusher",
          endpoint: ipc.lastEndpoint,
          name: "a",
          count,
        }),
        startWorker({
          role: "pusher",
          endpoint: ipc.lastEndpoint,
          name: "b",
          count,
        }),
        startWorker({
          role: "pusher",
          endpoint: tcp.lastEndpoint,
          name: "c",
          count,
        }),
      ];
      const exits = workers.map(exitCode);
      const next = new Map<string, number>([["a", 0], ["b", 0], ["c", 0]]);
      // The main thread keeps running its own timers meanwhile.
      let ticks = 0;
      const ticker = setInterval(() => ticks++, 5);
      const collect = async (pull: Pull, expected: number) => {
        for (let received = 0; received < expected; received++) {
          const message = await receiveWithin(pull, 10000);
          assert.ok(message !== null, `only ${received} arrived`);
          const [name, index] = texts(message);
          assert.equal(Number(index), next.get(name!), `${name} in order`);
          next.set(name!, Number(index) + 1);
        }
      };
      try {
        await Promise.all([collect(ipc, 2 * count), collect(tcp, count)]);
      } finally {
        clearInterval(ticker);
      }
      assert.deepEqual([...next.values()], [count, count, count]);
      for (const worker of workers) worker.postMessage("close");
      assert.deepEqual(await Promise.all(exits), [0, 0, 0]);
      assert.ok(ticks > 0, "the main thread's timers ran");
    },
  );

  test(
    "a worker answers another worker's requests with blocking calls; the main thread is not blocked",
    bounded,
    async () => {
      const address = endpoint("ipc");
      const echo = startWorker({ role: "echo", endpoint: address, count: 200 });
      const ready = nextMessage(echo);
      const echoExit = exitCode(echo);
      await ready;
      const requester = startWorker({
        role: "request",
        endpoint: address,
        count: 200,
      });
      const requesterExit = exitCode(requester);
      const asked = nextMessage(requester);
      const answered = nextMessage(echo);
      const started = performance.now();
      let lag = 0;
      const ticker = setInterval(() => {
        lag = Math.max(lag, performance.now() - started);
      }, 10);
      try {
        assert.deepEqual(await asked, { correct: 200 });
        assert.deepEqual(await answered, { answered: 200 });
      } finally {
        clearInterval(ticker);
      }
      assert.deepEqual(await Promise.all([echoExit, requesterExit]), [0, 0]);
      assert.ok(lag > 0, "timers ran on the main thread");
    },
  );

  test(
    "terminating a worker that waits in an awaited receive() is prompt",
    bounded,
    async () => {
      const idle = startWorker({ role: "idle" });
      await nextMessage(idle);
      const started = performance.now();
      await within(idle.terminate(), 5000, "terminate()");
      assert.ok(performance.now() - started < 5000);
    },
  );

  test(
    "terminating workers that wait (awaited, or blocked inside libzmq) does not hang or crash",
    {
      ...bounded,
      skip: runtime === "node"
        ? "node:ffi cannot end a thread inside a C call: a worker blocked in receiveSync() holds terminate() until it returns (README, Node)"
        : false,
    },
    async () => {
      const idle = startWorker({ role: "idle" });
      const blocked = startWorker({ role: "blocked" });
      await Promise.all([nextMessage(idle), nextMessage(blocked)]);
      const started = performance.now();
      await within(
        Promise.all([idle.terminate(), blocked.terminate()]),
        5000,
        "terminate()",
      );
      assert.ok(performance.now() - started < 5000);
      await assertThisThreadWorks();
    },
  );

  test(
    "a worker that closes its sockets and context leaves no native threads behind",
    { ...bounded, skip: onLinux ? false : "counts threads in /proc (Linux)" },
    async () => {
      const before = threadCount();
      for (let index = 0; index < 6; index++) {
        const worker = startWorker({ role: "leave", close: true });
        const exit = exitCode(worker);
        await nextMessage(worker);
        assert.equal(await exit, 0);
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
      const grown = threadCount() - before;
      assert.ok(grown < 6, `${grown} threads more after 6 workers`);
    },
  );

  test(
    "a worker that ends without closing anything leaves no native threads behind either",
    { ...bounded, skip: onLinux ? false : "counts threads in /proc (Linux)" },
    async () => {
      // Each worker has its own default context with libzmq's I/O and reaper
      // threads; unless something terminates it when the worker ends, they
      // stay for the life of the process.
      const before = threadCount();
      for (let index = 0; index < 6; index++) {
        const worker = startWorker({ role: "leave", close: false });
        const exit = exitCode(worker);
        await nextMessage(worker);
        assert.equal(await exit, 0);
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
      const grown = threadCount() - before;
      assert.ok(
        grown < 6,
        `${grown} threads more after 6 workers (about 2 libzmq threads leaked per worker)`,
      );
    },
  );
});

/** A free tcp port on 127.0.0.1 (bound by libzmq, then let go). */
function freePort(): number {
  using probe = new Pull();
  probe.bindSync("tcp://127.0.0.1:*");
  return Number(probe.lastEndpoint.split(":").at(-1));
}

/** Polls `check` until it holds or `ms` pass; returns whether it held. */
async function eventually(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = performance.now() + ms;
  for (;;) {
    if (check()) return true;
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Whether this thread can bind the port now. */
function canBind(port: number): boolean {
  using pull = new Pull();
  try {
    pull.bindSync(`tcp://127.0.0.1:${port}`);
    return true;
  } catch {
    return false;
  }
}

describe("a worker ended by terminate() while it streams", () => {
  // Worker.terminate() runs no code of ours in the worker; the sockets and
  // contexts are closed by the thread's own exit (src/thread_exit.ts).
  for (const variant of ["plain", "observed", "linger", "proxy"]) {
    test(
      `${variant}: its ports are free again, nothing hangs or crashes${
        variant === "plain" ? ", and libzmq's threads for it end" : ""
      }`,
      {
        ...bounded,
        skip: !onLinux
          ? "counts threads in /proc (Linux)"
          : variant === "proxy" && runtime === "node"
          ? "Node joins a terminated worker's threads, and node:ffi cannot end one inside zmq_proxy_steerable: terminate() would wait for good (README, Node)"
          : false,
      },
      async () => {
        const workers = 3;
        const before = threadCount();
        for (let index = 0; index < workers; index++) {
          const port = freePort();
          const worker = startWorker({ role: "terminated", port, variant });
          await nextMessage(worker);
          assert.equal(canBind(port), false, "the worker has the port");
          await within(worker.terminate(), 5000, "terminate()");
          assert.ok(
            await eventually(() => canBind(port), 5000),
            `port ${port} is still bound after the worker was terminated`,
          );
        }
        if (variant === "plain") {
          // Each worker had two contexts (each an I/O and a reaper thread)
          // and a watcher thread: 5 threads, 15 in all if nothing ended.
          assert.ok(
            await eventually(() => threadCount() - before < workers, 5000),
            `${
              threadCount() - before
            } threads more after ${workers} terminated workers`,
          );
        }
        await assertThisThreadWorks();
      },
    );
  }
});

describe("pthread keys (shared by the whole process)", () => {
  test(
    "workers that exit by themselves give back the keys their sockets took",
    { ...bounded, skip: onLinux ? false : "glibc's pthread keys (Linux)" },
    async () => {
      // glibc hands out the lowest free key number: the number a new key
      // gets tells how many are taken.
      const c = libc();
      const probe = () => {
        const key = new BigUint64Array(1);
        assert.equal(c.pthread_key_create!(key, null), 0);
        c.pthread_key_delete!(key[0]!);
        return Number(key[0]!);
      };
      const before = probe();
      for (let index = 0; index < 12; index++) {
        const worker = startWorker({ role: "leave", close: index % 2 === 0 });
        const exit = exitCode(worker);
        await nextMessage(worker);
        assert.equal(await exit, 0);
      }
      const after = probe();
      assert.ok(
        after - before < 4,
        `the first free key went from ${before} to ${after} after 12 workers`,
      );
    },
  );
});

describe("contexts do not cross threads", () => {
  test("spreading or listing a Socket's or Context's properties never throws; structuredClone still does", () => {
    using socket = new Pull();
    using context = new Context();
    for (const value of [socket, context]) {
      assert.deepEqual(Object.keys({ ...value }), [
        "cannotBeSentToAnotherThread",
      ]);
      assert.equal(Object.values(value).length, 1);
      assert.equal(Object.entries(value)[0]![0], "cannotBeSentToAnotherThread");
    }
    assert.throws(() => structuredClone(socket), /another thread/);
  });

  test(
    "inproc:// does not reach another thread: each thread has its own context",
    bounded,
    async () => {
      // The same inproc name bound here and in a worker: no conflict, since
      // they are different contexts.
      const name = endpoint("inproc");
      using here = new Pull();
      here.bindSync(name);
      const binder = startWorker({
        role: "inproc",
        endpoint: name,
        bind: true,
      });
      const binderExit = exitCode(binder);
      const bound = await nextMessage(binder);
      assert.equal(bound.outcome, "bound");
      // A worker connecting to an inproc name bound only here hears nothing.
      const connector = startWorker({
        role: "inproc",
        endpoint: name,
        bind: false,
      });
      const connectorExit = exitCode(connector);
      const connected = await nextMessage(connector);
      assert.equal(connected.received, false);
      assert.equal(here.tryReceive(), null);
      assert.deepEqual(await Promise.all([binderExit, connectorExit]), [0, 0]);
    },
  );

  test(
    "posting a Socket or a Context to a worker is refused with an error that says why",
    bounded,
    async () => {
      using socket = new Pull();
      using context = new Context();
      const worker = startWorker({ role: "clone" });
      try {
        await nextMessage(worker);
        const problems: string[] = [];
        for (
          const [what, value] of [
            ["a Socket", socket],
            ["a Context", context],
            ["a Socket inside an object", { nested: [socket] }],
          ] as const
        ) {
          let error: unknown;
          try {
            worker.postMessage(value);
          } catch (caught) {
            error = caught;
          }
          if (error === undefined) {
            const arrived = await nextMessage(worker).catch(() => null);
            problems.push(
              `${what} was sent and arrived as ${JSON.stringify(arrived)}`,
            );
            continue;
          }
          if (!/thread/i.test((error as Error).message)) {
            problems.push(
              `${what}: unclear error ${(error as Error).name}: ${
                (error as Error).message
              }`,
            );
          }
        }
        // Web Workers (globalThis.Worker) clone the same way; Node has none,
        // so there structuredClone (the same algorithm) stands in.
        const WebWorker = (globalThis as {
          Worker?: new (url: string, options: { type: "module" }) => {
            postMessage(value: unknown): void;
            terminate(): void;
          };
        }).Worker;
        if (WebWorker === undefined) {
          try {
            structuredClone(socket);
            problems.push("a Socket was cloned by structuredClone");
          } catch (error) {
            if (!/thread/i.test((error as Error).message)) {
              problems.push(`structuredClone: unclear error: ${error}`);
            }
          }
          assert.deepEqual(problems, []);
          socket.bindSync(endpoint("inproc"));
          return;
        }
        const web = new WebWorker(
          URL.createObjectURL(
            new Blob(["self.onmessage = () => {};"], {
              type: "application/javascript",
            }),
          ),
          { type: "module" },
        );
        try {
          web.postMessage(socket);
          problems.push("a Socket was posted to a web Worker");
        } catch (error) {
          if (!/thread/i.test((error as Error).message)) {
            problems.push(`web Worker: unclear error: ${error}`);
          }
        } finally {
          web.terminate();
        }
        assert.deepEqual(problems, []);
        // The refused socket still works here.
        socket.bindSync(endpoint("inproc"));
      } finally {
        await worker.terminate();
      }
    },
  );
});
