// Large received frames lent instead of copied (src/lent_frames.ts), where
// the runtime can lend C memory safely: Node's main thread. The scenarios run
// in a child with the collector exposed (tests/fixtures/lent_frames_child.ts),
// so that a use-after-free crashes the child, not the runner. On Deno and Bun
// nothing is lent, and the same scenarios check that copies behave the same.
import { describe, test } from "./leakcheck.ts";
import assert from "node:assert/strict";
import { gcFlags, runChild, runtime } from "./helpers.ts";

const child = new URL("./fixtures/lent_frames_child.ts", import.meta.url)
  .pathname;
// Where frames of 64 KiB and more are lent (the tests' own thread is main).
const lends = runtime === "node";
const BIG = 65_536;

async function run(...scenarios: string[]) {
  const result = await runChild([...gcFlags, child, ...scenarios], {
    timeout: 60_000,
  });
  const results = new Map<string, Record<string, unknown>>();
  for (const line of result.stdout.split("\n")) {
    const match = /^RESULT (\S+) (.*)$/.exec(line);
    if (match) results.set(match[1]!, JSON.parse(match[2]!));
  }
  assert.equal(
    result.code,
    0,
    `the child ended with ${result.code ?? result.signal}: ${
      result.stderr.slice(-3000)
    }`,
  );
  for (const scenario of scenarios) {
    assert.ok(results.has(scenario), `no result for ${scenario}`);
  }
  return results;
}

describe("lent frames: large received frames without a copy", () => {
  test("a kept frame keeps its bytes while 1,500 more are lent, dropped and collected; all are given back", async () => {
    const results = await run("kept", "released");
    const kept = results.get("kept")!;
    assert.equal(kept.wrong, 0, "a received frame had wrong bytes");
    assert.equal(kept.keepIntact, true, "the kept frame changed");
    if (lends) {
      assert.equal(kept.lentDuring, 1501, "every 64 KiB frame was lent");
      // The kept frame, and nothing dropped, is still held after collection.
      assert.equal(kept.heldFrames, 1);
      assert.equal(kept.heldBytes, BIG);
    } else {
      assert.equal(kept.lentDuring, 0);
    }
    assert.deepEqual(
      { ...results.get("released")!, everLent: 0 },
      { frames: 0, bytes: 0, everLent: 0 },
      "frames were still held after the program dropped them all",
    );
  });

  test("a loop that never yields lends 16 MiB at most, then copies", async () => {
    const sync = (await run("sync")).get("sync")!;
    assert.equal(sync.wrong, 0);
    assert.equal(sync.keptIntact, true);
    assert.ok(
      (sync.heldBytes as number) <= 16 * 1024 * 1024,
      `held ${sync.heldBytes} bytes in one turn`,
    );
    assert.equal(sync.lentInTurn, lends ? 256 : 0);
  });

  test("writing into a frame a Publisher sent to three inproc Subscribers changes no other subscriber's frame", async () => {
    const shared = (await run("shared")).get("shared")!;
    assert.equal(shared.changedOthers, 0);
  });

  test("a lent frame refuses transfer with a typed error and keeps its bytes; a copied one moves", async () => {
    const outcomes = (await run("transfer")).get("transfer")!;
    assert.deepEqual(
      outcomes,
      lends
        ? {
          transfer: "TypeError:intact",
          structuredClone: "DataCloneError:intact",
          postMessage: "DataCloneError:intact",
        }
        : {
          transfer: "moved:0",
          structuredClone: "moved:0",
          postMessage: "moved:0",
        },
    );
  });

  test("multipart messages mixing lent and copied frames arrive whole", async () => {
    assert.deepEqual((await run("multipart")).get("multipart"), { wrong: 0 });
  });

  test("a worker's large frames are copies it may transfer (a worker's end runs no finalizer)", async () => {
    assert.deepEqual((await run("worker")).get("worker"), { moved: BIG });
  });
});
