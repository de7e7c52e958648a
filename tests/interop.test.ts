// Interop with an independent ZeroMQ stack: our examples against peers
// written with pyzmq (tests/peers/, Debian's python3-zmq), over tcp and ipc,
// with our program on either side, for request-reply, pub-sub and the
// pipeline. The peers check what they receive and print it.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
  type ChildResult,
  endpoint,
  freePort,
  lines,
  runChild,
  startChild,
  type StartedChild,
} from "./helpers.ts";

const examples = new URL("../examples/", import.meta.url).pathname;
const peers = new URL("./peers/", import.meta.url).pathname;
const SLOW = { timeout: 60000 };

let pythonFound: string | undefined;
/** A Python 3 that has pyzmq (a pyenv shim may hide Debian's python3-zmq). */
function python(): string {
  if (pythonFound !== undefined) return pythonFound;
  for (const candidate of ["python3", "/usr/bin/python3"]) {
    try {
      execFileSync(candidate, ["-c", "import zmq"], { stdio: "ignore" });
      pythonFound = candidate;
      return candidate;
    } catch {
      // try the next one
    }
  }
  throw new Error(
    "The interop tests need pyzmq: install python3-zmq (apt-get install python3-zmq)",
  );
}

/** Starts one of our examples. */
function ours(name: string, args: string[]): StartedChild {
  return startChild([`${examples}${name}.ts`, ...args]);
}

/** Starts a pyzmq peer. */
function theirs(name: string, args: string[]): StartedChild {
  return startChild(["-u", `${peers}${name}.py`, ...args], {
    program: python(),
  });
}

/** Asserts a program exited with 0 and returns its output lines. */
function output(result: ChildResult): string[] {
  assert.equal(
    result.code,
    0,
    `exit ${result.code} (${result.signal}), stderr:\n${result.stderr}\nstdout:\n${result.stdout}`,
  );
  return lines(result.stdout);
}

/** A server endpoint and the address its clients use. */
async function address(transport: "tcp" | "ipc") {
  if (transport === "ipc") {
    const ipc = endpoint("ipc");
    return { bind: ipc, connect: ipc };
  }
  const port = await freePort();
  return {
    bind: `tcp://127.0.0.1:${port}`,
    connect: `tcp://127.0.0.1:${port}`,
  };
}

const sides = [
  { server: ours, client: theirs, label: "our server, pyzmq client" },
  { server: theirs, client: ours, label: "pyzmq server, our client" },
];

describe("interop with pyzmq", () => {
  for (const transport of ["tcp", "ipc"] as const) {
    for (const { server, client, label } of sides) {
      test(`request-reply over ${transport}: ${label}`, SLOW, async () => {
        const { bind, connect } = await address(transport);
        const replier = server("hwserver", ["--bind", bind, "--count", "3"]);
        const requester = client("hwclient", [
          "--connect",
          connect,
          "--count",
          "3",
        ]);
        assert.deepEqual(output(await requester.result), [
          "Connecting to hello world server...",
          "Sending request 0 ...",
          "Received reply 0 [ World ]",
          "Sending request 1 ...",
          "Received reply 1 [ World ]",
          "Sending request 2 ...",
          "Received reply 2 [ World ]",
        ]);
        assert.deepEqual(
          output(await replier.result),
          Array(3).fill("Received request: Hello"),
        );
      });
    }

    test(
      `pub-sub over ${transport}: pyzmq publisher, our subscriber`,
      SLOW,
      async () => {
        const { bind, connect } = await address(transport);
        const publisher = theirs("wuserver", ["--bind", bind]);
        try {
          const subscriber = await runChild([
            `${examples}wuclient.ts`,
            "--connect",
            connect,
            "--zipcode",
            "10001",
            "--count",
            "50",
          ]);
          // Every 10001 update says 18 degrees; 10002 ones (99) are filtered out.
          assert.deepEqual(output(subscriber), [
            "Collecting updates from weather server...",
            "Average temperature for zipcode '10001' was 18F",
          ]);
        } finally {
          publisher.stop();
          await publisher.result;
        }
      },
    );

    test(
      `pub-sub over ${transport}: our publisher, pyzmq subscriber`,
      SLOW,
      async () => {
        const { bind, connect } = await address(transport);
        const publisher = ours("wuserver", [
          "--bind",
          bind,
          "--zip-range",
          "10000-10003",
        ]);
        try {
          const subscriber = theirs("wuclient", [
            "--connect",
            connect,
            "--zipcode",
            "10001",
            "--count",
            "50",
          ]);
          // The peer exits with an error on any update it did not expect.
          const [collecting, checked, average] = output(
            await subscriber.result,
          );
          assert.equal(collecting, "Collecting updates from weather server...");
          assert.equal(checked, "Checked 50 updates");
          assert.match(
            average!,
            /^Average temperature for zipcode '10001' was -?\d+F$/,
          );
        } finally {
          publisher.stop();
          await publisher.result;
        }
      },
    );

    test(
      `pipeline over ${transport}: our ventilator and sink, pyzmq worker`,
      SLOW,
      async () => {
        const tasks = await address(transport);
        const results = await address(transport);
        const sink = ours("tasksink", [
          "--bind",
          results.bind,
          "--count",
          "10",
        ]);
        const worker = theirs("taskwork", [
          "--connect",
          tasks.connect,
          "--sink",
          results.connect,
          "--count",
          "10",
        ]);
        const ventilator = await runChild([
          `${examples}taskvent.ts`,
          "--bind",
          tasks.bind,
          "--sink",
          results.connect,
          "--count",
          "10",
        ]);
        const [sending, cost] = output(ventilator);
        assert.equal(sending, "Sending tasks to workers...");
        const expected = Number(
          /^Total expected cost: (\d+) msec$/.exec(cost!)?.[1],
        );
        // The worker got every task: 10 workloads of 1-100 ms that add up.
        const workloads = output(await worker.result).map((line) => {
          const match = /^task (\d+)$/.exec(line);
          assert.ok(match, line);
          return Number(match[1]);
        });
        assert.equal(workloads.length, 10);
        assert.ok(
          workloads.every((workload) => workload >= 1 && workload <= 100),
        );
        assert.equal(
          workloads.reduce((sum, workload) => sum + workload),
          expected,
        );
        const [progress, elapsed] = output(await sink.result);
        assert.equal(progress, ":.........");
        assert.match(elapsed!, /^Total elapsed time: \d+ msec$/);
      },
    );

    test(
      `pipeline over ${transport}: pyzmq ventilator and sink, our worker`,
      SLOW,
      async () => {
        const tasks = await address(transport);
        const results = await address(transport);
        const sink = theirs("tasksink", [
          "--bind",
          results.bind,
          "--count",
          "10",
        ]);
        const worker = ours("taskwork", [
          "--connect",
          tasks.connect,
          "--sink",
          results.connect,
          "--count",
          "10",
        ]);
        const ventilator = theirs("taskvent", [
          "--bind",
          tasks.bind,
          "--sink",
          results.connect,
          "--count",
          "10",
        ]);
        // Workloads 1 to 10: 55 ms in all.
        assert.deepEqual(output(await ventilator.result), [
          "Sending tasks to workers...",
          "Total expected cost: 55 msec",
        ]);
        assert.deepEqual(output(await worker.result), [".........."]);
        // The peer exits with an error unless it got "0" and 10 empty results.
        const [progress, elapsed] = output(await sink.result);
        assert.equal(progress, ":.........");
        assert.match(elapsed!, /^Total elapsed time: \d+ msec$/);
      },
    );
  }
});
