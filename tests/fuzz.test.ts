// Property-based fuzzing of the whole API with fast-check: random sequences of
// create, bind, connect, send, receive, tryReceive, options, close, context
// close and poll over inproc, ipc and tcp (see tests/fixtures/fuzz_child.ts).
// The sequences run in child processes, so a crash is a child's death and not
// the runner's; every child has a hard time limit, so a hang fails too.
//
// Each runtime runs FUZZ_RUNS sequences (default 5,000: 10,000 per CI run
// over Deno and Bun) in FUZZ_CHILDREN processes, two at a time. The seed is
// new on every run and printed on failure; FUZZ_SEED=<n> replays one.
import { describe, test } from "./leakcheck.ts";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { gcFlags, runtime, runtimeArgs } from "./helpers.ts";

const runs = Number(process.env.FUZZ_RUNS ?? 5000);
const children = Number(process.env.FUZZ_CHILDREN ?? 4);
const baseSeed = Number(
  process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 30),
);
const CHILD_LIMIT = 150_000;
const child = new URL("./fixtures/fuzz_child.ts", import.meta.url).pathname;

interface Outcome {
  seed: number;
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  killed: boolean;
}

/** Runs one fuzzing child on this runtime; kills it after CHILD_LIMIT ms. */
function fuzz(seed: number, count: number): Promise<Outcome> {
  const args = runtimeArgs([...gcFlags, child]);
  return new Promise((resolve, reject) => {
    const process_ = spawn(
      process.execPath,
      [...args, String(seed), String(count)],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    let killed = false;
    process_.stdout.on("data", (chunk) => (stdout += chunk));
    process_.stderr.on(
      "data",
      (chunk) => (stderr = (stderr + chunk).slice(-20000)),
    );
    const timer = setTimeout(() => {
      killed = true;
      process_.kill("SIGKILL");
    }, CHILD_LIMIT);
    process_.on("error", reject);
    process_.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ seed, code, signal, stdout, stderr, killed });
    });
  });
}

describe("fuzzing random API call sequences", () => {
  test(
    `${runs} sequences on ${runtime}: no crash, no hang, no lost or reordered message`,
    { timeout: CHILD_LIMIT * Math.ceil(children / 2) + 30_000 },
    async () => {
      const per = Math.ceil(runs / children);
      const outcomes: Outcome[] = [];
      // Two at a time: CI has two cores.
      for (let first = 0; first < children; first += 2) {
        const batch = [first, first + 1].filter((index) => index < children);
        outcomes.push(
          ...await Promise.all(
            batch.map((index) => fuzz(baseSeed + index, per)),
          ),
        );
      }
      let total = 0;
      const failures: string[] = [];
      for (const outcome of outcomes) {
        const replay =
          `FUZZ_SEED=${outcome.seed} FUZZ_CHILDREN=1 FUZZ_RUNS=${per}`;
        if (outcome.killed) {
          failures.push(
            `child with seed ${outcome.seed} still running after ${CHILD_LIMIT} ms (a hang; rerun with FUZZ_TRACE=1 ${replay})\n${
              outcome.stderr.slice(-2000)
            }`,
          );
        } else if (outcome.signal !== null || outcome.code !== 0) {
          failures.push(
            `child with seed ${outcome.seed} ended with ${
              outcome.signal ?? `code ${outcome.code}`
            }${
              outcome.signal === "SIGSEGV" || outcome.code === 139
                ? " (a crash)"
                : ""
            }; replay: ${replay}\n${outcome.stderr.slice(-6000)}`,
          );
        } else {
          const summary = JSON.parse(outcome.stdout.trim().split("\n").at(-1)!);
          assert.equal(summary.runs, per);
          assert.ok(
            summary.stats.verified > per / 10,
            `few messages checked: ${JSON.stringify(summary.stats)}`,
          );
          total += summary.runs;
        }
      }
      assert.equal(failures.length, 0, failures.join("\n\n"));
      assert.ok(total >= runs, `${total} sequences`);
      console.log(
        `fuzz: ${total} sequences on ${runtime} (seeds ${baseSeed}..${
          baseSeed + children - 1
        })`,
      );
    },
  );
});
