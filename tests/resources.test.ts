// Resources: 10,000 sockets dropped without close() (the GC safety net), a
// program exiting within a second of its last line whatever is still open or
// pending, and Context.close() never hanging (or crashing). All in child
// programs, so a hang or a crash is the child's and has a time limit. The
// memory soak is bench/soak.ts (not run here: it takes minutes).
import { describe, test } from "./leakcheck.ts";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import process from "node:process";
import { Context, Pull, Push, Router } from "../mod.ts";
import { gcFlags, modUrl, nextTurn, runScript, runtime } from "./helpers.ts";

const bounded = { timeout: 120000 };
const diagnosticsUrl = new URL("../src/diagnostics.ts", import.meta.url).href;
const workerUrl = new URL("./fixtures/thread_worker.ts", import.meta.url).href;

/** Describes a child's end for an assertion message. */
function describeEnd(
  result: { code: number | null; signal: string | null; stderr: string },
): string {
  return `code ${result.code}, signal ${result.signal}\n${
    result.stderr.slice(-3000)
  }`;
}

describe("sockets dropped without close()", () => {
  test(
    "10,000 of them, on the default context (at most 1,023 open at once): collected, and the program exits cleanly",
    bounded,
    async () => {
      const result = await runScript(
        `
        import { Dealer, Pair, Publisher, Pull, Push, Router, Subscriber } from "${modUrl}";
        import { diagnostics } from "${diagnosticsUrl}";
        const gc = globalThis.gc ?? (() => globalThis.Bun.gc(true));
        const kinds = [Pair, Publisher, Subscriber, Pull, Push, Dealer, Router];
        const turn = () => new Promise((resolve) => setTimeout(resolve, 0));
        let created = 0;
        let peak = 0;
        for (let round = 0; round < 50; round++) {
          for (let index = 0; index < 200; index++) {
            const socket = new kinds[index % kinds.length]();
            created++;
            // Some bound, some connected to nobody, some with unsent messages.
            if (index % 4 === 0) socket.bindSync("inproc://drop-" + round + "-" + index);
            if (index % 4 === 1) socket.connect("tcp://127.0.0.1:9");
            if (index % 4 === 2 && socket.trySend) socket.trySend("never sent");
          }
          peak = Math.max(peak, diagnostics().openSockets);
          // Finalizers run after a collection, on a later turn.
          for (let pass = 0; pass < 3; pass++) {
            gc();
            await turn();
          }
        }
        // Still fully working afterwards.
        const pull = new Pull({ receiveTimeout: 5000 });
        pull.bindSync("inproc://after");
        const push = new Push();
        push.connect("inproc://after");
        await push.send("still working");
        const [reply] = await pull.receive();
        pull.close();
        push.close();
        gc();
        await turn();
        console.log(JSON.stringify({
          created,
          peak,
          open: diagnostics().openSockets,
          reply: new TextDecoder().decode(reply),
          last: Date.now(),
        }));
      `,
        { runtimeArgs: gcFlags, timeout: 100000 },
      );
      const ended = Date.now();
      assert.equal(result.signal, null, describeEnd(result));
      assert.equal(result.code, 0, describeEnd(result));
      const summary = JSON.parse(result.stdout.trim().split("\n").at(-1)!);
      assert.equal(summary.created, 10000);
      assert.equal(summary.reply, "still working");
      assert.ok(summary.peak < 1023, `${summary.peak} open at once`);
      assert.ok(summary.open < 1000, `${summary.open} still open at the end`);
      assert.ok(
        ended - summary.last < 2000,
        `exit took ${ended - summary.last} ms after the last line`,
      );
    },
  );
});

describe("sockets with an observer, dropped without close()", () => {
  test(
    "1,500 of them (about 2.5 descriptors each, under a 1,024 limit): collected with their monitors, descriptors given back",
    {
      ...bounded,
      skip: process.platform === "linux"
        ? false
        : "counts /proc/self/fd, which only Linux has",
    },
    async () => {
      // libzmq stops a socket's monitor on its reaper thread; if the PAIR
      // reading the monitor was closed first, that blocks the reaper for
      // good and every later socket keeps its descriptors (EMFILE at ~345).
      const result = await runScript(
        `
        import { readdirSync } from "node:fs";
        import { Dealer, Pull, Push } from "${modUrl}";
        const gc = globalThis.gc ?? (() => globalThis.Bun.gc(true));
        const fds = () => readdirSync("/proc/self/fd").length;
        const turn = () => new Promise((resolve) => setTimeout(resolve, 0));
        const before = fds();
        let peak = 0;
        for (let round = 0; round < 15; round++) {
          for (let index = 0; index < 100; index++) {
            const socket = new Dealer();
            socket.events; // starts libzmq's monitor of the socket
            if (index % 2 === 0) socket.connect("tcp://127.0.0.1:9");
          }
          peak = Math.max(peak, fds());
          for (let pass = 0; pass < 3; pass++) {
            gc();
            await turn();
          }
        }
        for (let pass = 0; pass < 5; pass++) {
          gc();
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        // The reaper still works: a new pair of sockets opens and talks.
        const pull = new Pull({ receiveTimeout: 5000 });
        pull.bindSync("inproc://after-observed");
        const push = new Push();
        push.connect("inproc://after-observed");
        await push.send("still working");
        const [reply] = await pull.receive();
        pull.close();
        push.close();
        console.log(JSON.stringify({
          before,
          peak,
          after: fds(),
          reply: new TextDecoder().decode(reply),
        }));
      `,
        { runtimeArgs: gcFlags, timeout: 100000 },
      );
      assert.equal(result.signal, null, describeEnd(result));
      assert.equal(result.code, 0, describeEnd(result));
      const summary = JSON.parse(result.stdout.trim().split("\n").at(-1)!);
      assert.equal(summary.reply, "still working");
      assert.ok(
        summary.after < summary.before + 100,
        `${
          summary.after - summary.before
        } descriptors still open (peak ${summary.peak})`,
      );
    },
  );
});

describe("sockets with an observer, closed while nobody reads the observer", () => {
  test(
    "1,100 of them in one context: libzmq still frees them (its reaper never blocks on a closed monitor PAIR)",
    bounded,
    async () => {
      // libzmq sends the monitor's last event from its reaper thread with a
      // blocking send; closing our PAIR before that event arrived stopped
      // the reaper for good, and the context ran out of sockets (EMFILE at
      // 1,023) — then Context.close() hung.
      const result = await runScript(
        `
        import { Context, Dealer } from "${modUrl}";
        import { diagnostics } from "${diagnosticsUrl}";
        const context = new Context();
        const pause = () => new Promise((resolve) => setTimeout(resolve, 5));
        for (let index = 0; index < 1100; index++) {
          const socket = new Dealer({ context });
          socket.events; // observed, never read
          socket.connect("tcp://127.0.0.1:9");
          socket.close();
          if (index % 50 === 49) {
            // Let the observers take libzmq's last events and close their
            // PAIRs (on a busy machine that takes a while): what remains
            // open then is libzmq's to free.
            const deadline = Date.now() + 20000;
            while (diagnostics().openSockets > 0 && Date.now() < deadline) {
              await pause();
            }
          }
        }
        const last = new Dealer({ context });
        last.close();
        context.close();
        console.log("done");
      `,
        { timeout: 60000 },
      );
      assert.equal(result.signal, null, describeEnd(result));
      assert.equal(result.code, 0, describeEnd(result));
      assert.match(result.stdout, /done/);
    },
  );
});

describe("descriptors", () => {
  test(
    "200 sockets waiting on the watcher thread take no extra descriptors",
    {
      skip: process.platform === "linux"
        ? false
        : "counts /proc/self/fd, which only Linux has",
    },
    async () => {
      const openFds = () => readdirSync("/proc/self/fd").length;
      const pulls = Array.from({ length: 200 }, () => new Pull({ linger: 0 }));
      const push = new Push({ linger: 0 });
      const receives: Promise<unknown>[] = [];
      try {
        pulls.forEach((pull, index) => pull.bindSync(`inproc://fds-${index}`));
        // One wait first, so the watcher's own descriptors are counted before.
        push.connect("inproc://fds-0");
        const first = pulls[0]!.receive();
        await push.send("started");
        await first;
        const before = openFds();
        for (const pull of pulls) receives.push(pull.receive());
        await nextTurn();
        const during = openFds();
        assert.ok(
          during - before < 20,
          `${during - before} more descriptors while 200 receives wait`,
        );
        await push.send("still delivered");
        assert.equal(
          new TextDecoder().decode((await receives[0] as Uint8Array[])[0]),
          "still delivered",
        );
      } finally {
        push.close();
        for (const pull of pulls) pull.close();
        await Promise.allSettled(receives);
      }
    },
  );
});

describe("a context's socket slots", () => {
  test(
    "opening and closing 20,000 sockets in a tight loop never fails with EMFILE",
    () => {
      // zmq_close hands a socket to libzmq's reaper thread, and its slot in
      // the context comes back only when that thread has freed it: Bun ran
      // out of the default context's 1,023 slots here after about 10,000.
      for (let index = 0; index < 20000; index++) {
        using socket = index % 2 ? new Pull() : new Router();
        socket.linger = 0;
      }
    },
  );

  test("with maxSockets sockets open, the next one is refused at once with EMFILE", () => {
    using context = new Context({ maxSockets: 8 });
    const sockets = Array.from({ length: 8 }, () => new Pull({ context }));
    try {
      const started = performance.now();
      assert.throws(
        () => new Pull({ context }),
        (error: unknown) => (error as { code?: string }).code === "EMFILE",
      );
      assert.ok(performance.now() - started < 500, "refused without waiting");
    } finally {
      for (const socket of sockets) socket.close();
    }
  });
});

describe("exit within 1 second of the last line", () => {
  /**
   * A program with everything open: awaited receives pending on three
   * transports, awaited sends stuck at the high-water mark, messages queued
   * for peers that do not exist (one socket with linger -1 in a context of
   * its own), a Poller waiting and a Worker thread with sockets of its own.
   */
  const busyProgram = (ending: string) => `
    import { Context, Dealer, Poller, Pull, Push, Request } from "${modUrl}";
    import { Worker } from "node:worker_threads";
    const pending = [];
    for (const address of ["inproc://exit-a", "ipc:///tmp/zmq-ffi-exit-" + process.pid, "tcp://127.0.0.1:*"]) {
      const pull = new Pull();
      pull.bindSync(address);
      pending.push(pull.receive());
    }
    const stuck = new Push({ sendHighWaterMark: 1 });
    stuck.bindSync("tcp://127.0.0.1:*"); // nobody connects: sends wait
    for (let index = 0; index < 5; index++) pending.push(stuck.send("waiting"));
    const lonely = new Dealer();
    lonely.connect("tcp://127.0.0.1:9");
    for (let index = 0; index < 1000; index++) lonely.trySend(new Uint8Array(1000));
    const stubbornContext = new Context();
    const stubborn = new Push({ context: stubbornContext, linger: -1 });
    stubborn.connect("tcp://127.0.0.1:9");
    stubborn.sendSync("never delivered");
    const request = new Request();
    request.connect("inproc://nobody");
    await request.send("no reply");
    pending.push(request.receive());
    const poller = new Poller();
    poller.add(lonely, "readable");
    pending.push(poller.poll(-1));
    const worker = new Worker(new URL("${workerUrl}"), {
      workerData: { role: "idle" },
    });
    await new Promise((resolve) => worker.once("message", resolve));
    for (const promise of pending) promise.catch(() => {});
    ${ending}
  `;

  /** Runs a program; returns how long it took to exit after printing LAST <ms>. */
  async function exitDelay(code: string, expectCode: number | null) {
    const result = await runScript(code, { timeout: 30000 });
    const ended = Date.now();
    const match = /LAST (\d+)/.exec(result.stdout);
    assert.ok(match, `never reached its last line: ${describeEnd(result)}`);
    if (expectCode !== null) {
      assert.equal(result.code, expectCode, describeEnd(result));
    }
    assert.notEqual(result.signal, "SIGSEGV", describeEnd(result));
    assert.notEqual(result.signal, "SIGABRT", describeEnd(result));
    return ended - Number(match[1]);
  }

  test(
    `process.exit() with receives pending, sends stuck and messages queued (${runtime})`,
    bounded,
    async () => {
      const delays: number[] = [];
      for (let run = 0; run < 3; run++) {
        delays.push(
          await exitDelay(
            busyProgram(`console.log("LAST " + Date.now()); process.exit(0);`),
            0,
          ),
        );
      }
      console.log(`exit after process.exit() on ${runtime}: ${delays} ms`);
      assert.ok(Math.max(...delays) < 1000, `exit took ${delays} ms`);
    },
  );

  test(
    `an uncaught error in the same state ends the program promptly (${runtime})`,
    bounded,
    async () => {
      const delay = await exitDelay(
        busyProgram(
          `console.log("LAST " + Date.now()); throw new Error("the end");`,
        ),
        1,
      );
      console.log(`exit after an uncaught error on ${runtime}: ${delay} ms`);
      assert.ok(delay < 1000, `exit took ${delay} ms`);
    },
  );

  test(
    `the same program ends by itself once its pending operations are cancelled (${runtime})`,
    bounded,
    async () => {
      // No process.exit(): closing what waits is enough for the event loop
      // to end, even with messages queued for peers that never come.
      const delay = await exitDelay(
        busyProgram(`
          poller.close();
          await worker.terminate();
          for (const socket of [stuck, request]) socket.close();
          // The pending receives end with their sockets' context.
          (await import("${modUrl}")).context.close();
          console.log("LAST " + Date.now());
        `),
        0,
      );
      console.log(`exit after cancelling on ${runtime}: ${delay} ms`);
      assert.ok(delay < 1000, `exit took ${delay} ms`);
    },
  );
});

describe("Context.close() never hangs", () => {
  test(
    "with awaited operations pending in every state it returns at once and they reject with ETERM",
    bounded,
    async () => {
      const result = await runScript(
        `
        import { Context, Dealer, Poller, Pull, Push, Router, Subscriber } from "${modUrl}";
        const context = new Context();
        const made = (Kind, options = {}) => new Kind({ context, ...options });
        const pull = made(Pull);
        pull.bindSync("tcp://127.0.0.1:*");
        const push = made(Push, { sendHighWaterMark: 1 });
        push.connect(pull.lastEndpoint);
        // Traffic in flight.
        for (let index = 0; index < 100; index++) push.trySend(new Uint8Array(10000));
        const waiting = [];
        const sub = made(Subscriber);
        sub.connect("tcp://127.0.0.1:9");
        sub.subscribe();
        waiting.push(sub.receive());
        const router = made(Router);
        router.bindSync("inproc://router");
        waiting.push(router.receive());
        const dealer = made(Dealer, { sendHighWaterMark: 1 });
        dealer.bindSync("tcp://127.0.0.1:*");
        for (let index = 0; index < 3; index++) waiting.push(dealer.send("stuck"));
        const iterate = (async () => { for await (const message of router) {} return "ended"; })();
        const poller = new Poller();
        poller.add(sub, "readable");
        const polled = poller.poll(-1);
        await new Promise((resolve) => setTimeout(resolve, 50));
        const started = performance.now();
        context.close();
        const took = performance.now() - started;
        const results = await Promise.allSettled(waiting);
        const codes = results.map((result) => result.status === "rejected" ? result.reason.code : "resolved");
        let timer;
        const polledResult = await Promise.race([
          polled.then(() => "resolved", (error) => error.code),
          new Promise((resolve) => {
            timer = setTimeout(() => resolve("still waiting"), 2000);
          }),
        ]);
        clearTimeout(timer);
        poller.close();
        console.log(JSON.stringify({ took, codes, iterate: await iterate, polled: polledResult }));
      `,
        { timeout: 20000 },
      );
      assert.equal(result.code, 0, describeEnd(result));
      const summary = JSON.parse(result.stdout.trim().split("\n").at(-1)!);
      assert.ok(summary.took < 200, `Context.close() took ${summary.took} ms`);
      assert.deepEqual(
        summary.codes,
        Array(summary.codes.length).fill("ETERM"),
      );
      assert.equal(summary.iterate, "ended");
      assert.notEqual(summary.polled, "still waiting", "the poll still waits");
    },
  );

  test(
    "a raised linger bounds the wait: unsent messages to an absent peer hold close() at most that long",
    bounded,
    async () => {
      const result = await runScript(
        `
        import { Context, Push } from "${modUrl}";
        const context = new Context();
        const push = new Push({ context, linger: 300 });
        push.connect("tcp://127.0.0.1:9");
        push.sendSync("never delivered");
        const started = performance.now();
        context.close();
        console.log(JSON.stringify({ took: performance.now() - started }));
      `,
        { timeout: 20000 },
      );
      assert.equal(result.code, 0, describeEnd(result));
      const { took } = JSON.parse(result.stdout.trim());
      // Waiting out the linger or finishing in the background are both fine;
      // waiting longer than the linger is not.
      assert.ok(took < 1500, `Context.close() took ${took} ms`);
    },
  );

  test(
    "not even with linger -1 (or a blocky context) and messages no peer will ever take",
    bounded,
    async () => {
      // libzmq's zmq_ctx_term would block the thread forever here. A
      // synchronous close() that never returns freezes the whole program
      // (timers, I/O, signals handled in JavaScript): it must give up.
      const result = await runScript(
        `
        import { Context, Dealer, Push } from "${modUrl}";
        const started = performance.now();
        const context = new Context();
        const push = new Push({ context, linger: -1 });
        push.connect("tcp://127.0.0.1:9");
        push.sendSync("never delivered");
        context.close();
        const blocky = new Context({ blocky: true });
        const dealer = new Dealer({ context: blocky });
        dealer.connect("tcp://127.0.0.1:9");
        dealer.sendSync("never delivered");
        blocky.close();
        console.log(JSON.stringify({ took: performance.now() - started }));
      `,
        { timeout: 10000 },
      );
      assert.equal(
        result.signal,
        null,
        `Context.close() hung (killed after 10 s): ${describeEnd(result)}`,
      );
      assert.equal(result.code, 0, describeEnd(result));
    },
  );

  test(
    "closing a context while a multipart message is in flight over ipc never aborts the process",
    bounded,
    async () => {
      // libzmq 4.3 asserts in session_base.cpp (zeromq/libzmq#3442) when a
      // sending socket with linger 0 is closed while its I/O thread writes a
      // multipart message and the receiving end closes at the same moment:
      // exactly what Context.close() does to a pair in one context.
      const result = await runScript(
        `
        import { Context, Pull, Push } from "${modUrl}";
        const big = new Uint8Array(65536);
        for (let index = 0; index < 2000; index++) {
          const context = new Context();
          const pull = new Pull({ context });
          const push = new Push({ context });
          pull.bindSync("ipc:///tmp/zmq-ffi-inflight-" + process.pid);
          push.connect(pull.lastEndpoint);
          push.sendSync("small");
          push.sendSync([big, "tail"]);
          pull.receiveSync();
          context.close();
        }
        console.log("survived");
      `,
        { timeout: 60000 },
      );
      assert.equal(
        result.signal,
        null,
        `the process died: ${describeEnd(result)}`,
      );
      assert.equal(result.code, 0, describeEnd(result));
      assert.match(result.stdout, /survived/);
    },
  );
});
