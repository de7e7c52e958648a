// Process exit, in child programs: a program whose sockets are closed exits
// promptly, a pending operation keeps it alive (and only that), and exiting
// with sockets still open after heavy traffic never crashes.
import { describe, test } from "./leakcheck.ts";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runChildUntil, type WatchedChildResult } from "./helpers.ts";

const mod = JSON.stringify(new URL("../mod.ts", import.meta.url).href);
// How long after its last line a finished program may take to exit.
const PROMPT = 1500;
const bounded = { timeout: 120000 };

/**
 * Runs `code` as a program; once it prints `marker`, it has `aliveFor` ms
 * to exit before it is killed.
 */
async function runProgram(
  code: string,
  marker: string,
  aliveFor: number,
): Promise<WatchedChildResult> {
  const directory = await mkdtemp(join(tmpdir(), "zmq-ffi-exit-"));
  const file = join(directory, "program.ts");
  try {
    await writeFile(file, code);
    return await runChildUntil([file], { marker, aliveFor, timeout: 60000 });
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

function describeRun(result: WatchedChildResult): string {
  return `code ${result.code}, signal ${result.signal}, marker at ${
    result.markerAt?.toFixed(0)
  } ms, ended at ${
    result.milliseconds.toFixed(0)
  } ms\nstdout: ${result.stdout}\nstderr: ${result.stderr}`;
}

/** Asserts the program printed `marker`, then exited by itself with code 0 within PROMPT. */
function assertPromptExit(result: WatchedChildResult): void {
  assert.notEqual(
    result.markerAt,
    null,
    `never got there: ${describeRun(result)}`,
  );
  assert.equal(
    result.killed,
    false,
    `still running ${PROMPT} ms after its last line: ${describeRun(result)}`,
  );
  assert.equal(result.signal, null, describeRun(result));
  assert.equal(result.code, 0, describeRun(result));
  assert.ok(
    result.milliseconds - result.markerAt! < PROMPT,
    describeRun(result),
  );
}

describe("a finished program exits promptly", () => {
  test(
    "after awaited traffic, a poll and closing its sockets",
    bounded,
    async () => {
      const result = await runProgram(
        `
import { Poller, Pull, Push } from ${mod};
const pull = new Pull();
const push = new Push();
await pull.bind("tcp://127.0.0.1:*");
push.connect(pull.lastEndpoint);
// A receive that really waits on the watcher thread.
const waiting = pull.receive();
setTimeout(() => push.sendSync("hello"), 20);
await waiting;
for (let index = 0; index < 1000; index++) await push.send(String(index));
for (let index = 0; index < 1000; index++) await pull.receive();
const poller = new Poller();
poller.add(pull, "readable");
setTimeout(() => push.sendSync("polled"), 20);
await poller.poll(10000);
poller.close();
push.close();
pull.close();
console.log("last line");
`,
        "last line",
        PROMPT,
      );
      assertPromptExit(result);
    },
  );

  test("after close() rejected a pending receive", bounded, async () => {
    const result = await runProgram(
      `
import { Pull } from ${mod};
const pull = new Pull();
await pull.bind("tcp://127.0.0.1:*");
const waiting = pull.receive().catch((error) => console.log(error.code));
await new Promise((resolve) => setTimeout(resolve, 20));
pull.close();
await waiting;
console.log("last line");
`,
      "last line",
      PROMPT,
    );
    assertPromptExit(result);
    assert.match(result.stdout, /EBADF/);
  });

  test(
    "after Context.close() rejected pending operations",
    bounded,
    async () => {
      const result = await runProgram(
        `
import { Context, Pull, Push } from ${mod};
const context = new Context();
const pull = new Pull({ context });
const push = new Push({ context });
await pull.bind("tcp://127.0.0.1:*");
await push.bind("tcp://127.0.0.1:*"); // no peer: the send waits
const waiting = Promise.allSettled([pull.receive(), push.send("never")]);
await new Promise((resolve) => setTimeout(resolve, 20));
context.close();
for (const result of await waiting) console.log(result.reason?.code);
console.log("last line");
`,
        "last line",
        PROMPT,
      );
      assertPromptExit(result);
      assert.equal(result.stdout.match(/ETERM/g)?.length, 2, result.stdout);
    },
  );
});

describe("a pending operation keeps the program alive", () => {
  test(
    "a pending receive on an open socket: still running a while later",
    bounded,
    async () => {
      const result = await runProgram(
        `
import { Pull } from ${mod};
const pull = new Pull();
await pull.bind("tcp://127.0.0.1:*");
pull.receive().then(() => console.log("received?"));
console.log("waiting");
`,
        "waiting",
        1500,
      );
      assert.notEqual(result.markerAt, null, describeRun(result));
      assert.equal(result.killed, true, `it exited: ${describeRun(result)}`);
      assert.doesNotMatch(result.stdout, /received/);
    },
  );

  test(
    "and it exits once that socket is closed from a timer",
    bounded,
    async () => {
      const result = await runProgram(
        `
import { Pull } from ${mod};
const pull = new Pull();
await pull.bind("tcp://127.0.0.1:*");
pull.receive().catch((error) => console.log(error.code));
setTimeout(() => {
  pull.close();
  console.log("closed");
}, 300);
`,
        "closed",
        PROMPT,
      );
      assertPromptExit(result);
      assert.match(result.stdout, /EBADF/);
    },
  );
});

describe("exiting with sockets open never crashes", () => {
  const setup = (halfway: string) => `
import { Pull, Push } from ${mod};
const pull = new Pull();
const push = new Push();
await pull.bind("tcp://127.0.0.1:*");
push.connect(pull.lastEndpoint);
const count = 20000;
const body = new Uint8Array(256).fill(7);
const produce = async () => {
  for (let index = 0; index < count; index++) await push.send(body);
};
const consume = async () => {
  let received = 0;
  for await (const [frame] of pull) {
    if (frame.byteLength !== 256) throw new Error("damaged");
    if (++received === count / 2) { ${halfway} }
    if (received === count) break;
  }
};
`;
  const traffic = setup("") + `
await Promise.all([produce(), consume()]);
// More in flight at exit, not awaited: libzmq's I/O threads are busy.
for (let index = 0; index < 1000; index++) push.trySend(body);
console.log("done");
`;
  // Exits with awaited sends pending and messages on the wire.
  const exitMidway = setup(`console.log("done"); process.exit(0);`) + `
await Promise.all([produce(), consume()]);
console.log("not reached");
`;

  test(
    "heavy async tcp traffic, then the program ends: code 0, five runs out of five",
    bounded,
    async () => {
      for (let run = 0; run < 5; run++) {
        const result = await runProgram(traffic, "done", 10000);
        assert.equal(
          result.killed,
          false,
          `run ${run}: hung at exit: ${describeRun(result)}`,
        );
        assert.equal(result.signal, null, `run ${run}: ${describeRun(result)}`);
        assert.equal(result.code, 0, `run ${run}: ${describeRun(result)}`);
        assert.match(result.stdout, /done/);
      }
    },
  );

  test(
    "process.exit() in the middle of awaited traffic: code 0, three runs out of three",
    bounded,
    async () => {
      for (let run = 0; run < 3; run++) {
        const result = await runProgram(exitMidway, "done", 10000);
        assert.doesNotMatch(result.stdout, /not reached/);
        assert.equal(
          result.killed,
          false,
          `run ${run}: hung at exit: ${describeRun(result)}`,
        );
        assert.equal(result.signal, null, `run ${run}: ${describeRun(result)}`);
        assert.equal(result.code, 0, `run ${run}: ${describeRun(result)}`);
      }
    },
  );
});
