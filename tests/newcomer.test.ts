// The first minutes: the demo, and the mistakes people make early and what
// they are told: Deno run without permissions, a port already taken, a
// Subscriber that never subscribed. (libzmq missing: tests/library.test.ts.)
import { describe, test } from "./leakcheck.ts";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Publisher, Pull, Push, Subscriber, type ZmqError } from "../mod.ts";
import {
  lines,
  modUrl,
  receiveWithin,
  runChild,
  runScript,
  runtime,
} from "./helpers.ts";

/** Runs `deno run <flags> <file>` with no terminal to prompt on. */
function denoRun(
  flags: string[],
  file: string,
): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve, reject) => {
    // Not process.execPath: Deno's node:child_process hands its own
    // permissions down to a child started through that path.
    const deno = fileURLToPath(
      new URL("../node_modules/.bin/deno", import.meta.url),
    );
    const child = spawn(deno, ["run", "--quiet", ...flags, file], {
      env: { ...process.env, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), 30000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe("the demo (npm run demo)", () => {
  test("shows each step, shares the tasks among all workers", async () => {
    const demo = fileURLToPath(new URL("../examples/demo.ts", import.meta.url));
    const result = await runChild([demo], { timeout: 60000 });
    assert.equal(result.code, 0, result.stderr);
    const output = lines(result.stdout);
    for (
      const step of [
        /^zmq-ffi demo on (deno|bun|node) \S+ with libzmq \d+\.\d+\.\d+$/,
        /ventilator \(Push\) bound to tcp:/,
        /worker 3 of 3 connected/,
        /^Sending 100 tasks/,
        /^ +100\/100 results after/,
        /^Done: 100 tasks in \d+ ms/,
      ]
    ) {
      assert.ok(
        output.some((line) => step.test(line)),
        `${step}\n${result.stdout}`,
      );
    }
    const counts = /^Tasks per worker: (\d+), (\d+), (\d+)$/m.exec(
      result.stdout,
    );
    assert.ok(counts, result.stdout);
    const perWorker = counts.slice(1).map(Number);
    assert.equal(perWorker.reduce((sum, count) => sum + count), 100);
    // Every worker was connected before the first task went out.
    assert.ok(perWorker.every((count) => count > 0), counts[0]);
  });
});

describe("Deno without permissions", () => {
  test("the error names the flags to add, and those flags are enough", {
    skip: runtime === "bun"
      ? "Bun has no permission flags"
      : runtime === "node"
      ? "it starts Deno itself: deno test runs it"
      : false,
  }, async () => {
    const directory = await mkdtemp(join(tmpdir(), "zmq-ffi-permissions-"));
    try {
      const file = join(directory, "main.ts");
      // Waits in receive() first, so the watcher thread must start too.
      await writeFile(
        file,
        `
        import { Pull, Push } from "${modUrl}";
        const pull = new Pull();
        await pull.bind("tcp://127.0.0.1:*");
        const push = new Push();
        push.connect(pull.lastEndpoint);
        const received = pull.receive();
        await push.send("it works");
        console.log(new TextDecoder().decode((await received)[0]));
        push.close();
        pull.close();
      `,
      );
      const denied = await denoRun([], file);
      assert.notEqual(denied.code, 0, denied.stdout);
      const advice = /run Deno with (--allow-\S+(?: --allow-[^\s,]+)*)/.exec(
        denied.stderr,
      );
      assert.ok(advice, denied.stderr);
      assert.equal(advice[1], "--allow-ffi --allow-read");
      const allowed = await denoRun(advice[1].split(" "), file);
      assert.equal(allowed.code, 0, allowed.stderr);
      assert.equal(allowed.stdout.trim(), "it works");
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});

describe("Node's permission model", () => {
  test(
    "without --allow-ffi the error names the flags to add, and those flags are enough",
    {
      skip: runtime === "node"
        ? false
        : "Node's --permission flags: node --test runs it",
    },
    async () => {
      const directory = await mkdtemp(join(tmpdir(), "zmq-ffi-permissions-"));
      try {
        const file = join(directory, "main.ts");
        // Waits in receive() first, so the watcher thread must start too.
        await writeFile(
          file,
          `
        import { LibraryLoadError, Pull, Push } from "${modUrl}";
        try {
          const pull = new Pull();
          await pull.bind("tcp://127.0.0.1:*");
          const push = new Push();
          push.connect(pull.lastEndpoint);
          const received = pull.receive();
          await push.send("it works");
          console.log(new TextDecoder().decode((await received)[0]));
          push.close();
          pull.close();
        } catch (error) {
          console.error(error instanceof LibraryLoadError, String(error));
          process.exitCode = 1;
        }
      `,
        );
        const node = (flags: string[]) =>
          runChild([
            "--permission",
            `--allow-fs-read=${fileURLToPath(new URL("..", import.meta.url))}`,
            `--allow-fs-read=${directory}`,
            ...flags,
            file,
          ]);
        const denied = await node([]);
        assert.notEqual(denied.code, 0, denied.stdout);
        assert.match(denied.stderr, /^true LibraryLoadError/m);
        const advice = /add (--allow-ffi) .* and (--allow-worker)/.exec(
          denied.stderr,
        );
        assert.ok(advice, denied.stderr);
        const allowed = await node([advice[1]!, advice[2]!]);
        assert.equal(allowed.code, 0, allowed.stderr);
        assert.equal(allowed.stdout.trim(), "it works");
      } finally {
        await rm(directory, { recursive: true, force: true });
      }
    },
  );
});

describe("a port already in use", () => {
  test("the error says how to get a free one", async () => {
    using first = new Pull();
    using second = new Push();
    await first.bind("tcp://127.0.0.1:*");
    await assert.rejects(second.bind(first.lastEndpoint), (error: ZmqError) => {
      assert.equal(error.code, "EADDRINUSE");
      assert.ok(error.message.includes(first.lastEndpoint), error.message);
      assert.match(error.message, /tcp:\/\/127\.0\.0\.1:\*/);
      return true;
    });
  });
});

describe("a Subscriber that never subscribed", () => {
  test("warns once, after waiting 2 s to receive; one that subscribed never does", async () => {
    const warnings: string[] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => warnings.push(args.join(" "));
    try {
      using publisher = new Publisher();
      await publisher.bind("tcp://127.0.0.1:*");
      using forgetful = new Subscriber();
      forgetful.connect(publisher.lastEndpoint);
      using subscribed = new Subscriber();
      subscribed.connect(publisher.lastEndpoint);
      subscribed.subscribe("no such topic");
      const [first, second, other] = await Promise.all([
        receiveWithin(forgetful, 2600),
        receiveWithin(forgetful, 2600),
        receiveWithin(subscribed, 2600),
      ]);
      assert.deepEqual([first, second, other], [null, null, null]);
      assert.equal(warnings.length, 1, warnings.join("\n"));
      assert.match(warnings[0]!, /Subscriber/);
      assert.match(warnings[0]!, /subscribe\(\)/);
      // Once per socket: waiting again says nothing more.
      assert.equal(await receiveWithin(forgetful, 2300), null);
      assert.equal(warnings.length, 1, warnings.join("\n"));
    } finally {
      console.warn = warn;
    }
  });

  test("a receive that ends sooner neither warns nor keeps the process alive", async () => {
    const result = await runScript(`
      import { Subscriber } from "${modUrl}";
      const sub = new Subscriber({ receiveTimeout: 100 });
      await sub.receive().catch((error) => console.log(error.code));
      sub.close();
      const end = performance.now();
      process.on("exit", () => {
        console.log(Math.round(performance.now() - end));
      });
    `);
    assert.equal(result.code, 0, result.stderr);
    const [code, exitDelay] = result.stdout.trim().split("\n");
    assert.equal(code, "EAGAIN");
    assert.ok(Number(exitDelay) < 1000, `exited ${exitDelay} ms after its end`);
    assert.doesNotMatch(result.stderr, /subscribe/);
  });
});
