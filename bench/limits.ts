/**
 * Micro-benchmarks of what limits the benchmark's targets, on the runtime
 * that runs this file (the same file runs on Deno, Bun and Node 26):
 *
 *   deno run --allow-all bench/limits.ts
 *   bun bench/limits.ts
 *   node bench/limits.ts
 *
 * - a new ArrayBuffer per received frame (every frame owns its buffer, so
 *   that transferring one never touches another): its cost by size;
 * - one FFI call that does nothing (zmq_errno), the floor of every call, and
 *   one with four arguments (zmq_getsockopt), like most calls of a message;
 * - waking this thread from another thread: Atomics.waitAsync, the watcher
 *   thread's hop (Deno, Bun, Node workers);
 * - on Node: whether a buffer over C memory (node:ffi's toArrayBuffer without
 *   a copy) can be transferred away, plain and as src/lent_frames.ts lends
 *   it (marked untransferable, which is what makes lending safe), and what
 *   a 64 KiB frame costs copied and lent.
 *
 * Prints one line per measurement (medians of 5 rounds).
 *
 * @module
 */
import process from "node:process";
import { Worker } from "node:worker_threads";
import { SocketOption } from "../ffi/constants.ts";
import { backend, loadLibzmq } from "../ffi/load.ts";

const ROUNDS = 5;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

// Nanoseconds per call of `body`, the median of ROUNDS rounds of `count`.
function perCall(count: number, body: () => unknown): number {
  const rounds: number[] = [];
  let sink: unknown;
  for (let round = 0; round <= ROUNDS; round++) {
    const started = performance.now();
    for (let index = 0; index < count; index++) sink = body();
    const elapsed = (performance.now() - started) * 1e6 / count;
    if (round > 0) rounds.push(elapsed); // the first round warms up
  }
  if (sink === Symbol.for("never")) console.log(sink);
  return median(rounds);
}

const line = (what: string, value: string) =>
  console.log(`${backend.runtime.padEnd(5)} ${what.padEnd(58)} ${value}`);

for (const size of [16, 1024, 65536]) {
  const count = size === 65536 ? 20_000 : 200_000;
  const ns = perCall(count, () => new Uint8Array(size));
  line(
    `new Uint8Array(${size}) (a received frame's own buffer)`,
    `${ns.toFixed(0)} ns`,
  );
}

const zmq = loadLibzmq();
line(
  "one FFI call doing nothing (zmq_errno)",
  `${perCall(1_000_000, () => zmq.zmq_errno()).toFixed(0)} ns`,
);
// A call with four arguments, two of them buffers, that does next to nothing
// in libzmq: reading a socket's type (ZMQ_TYPE).
const context = zmq.zmq_ctx_new()!;
const socket = zmq.zmq_socket(context, 7 /* ZMQ_PULL */)!;
const events = new Int32Array(1);
const length = new BigUint64Array(1);
line(
  "one FFI call with four arguments (zmq_getsockopt ZMQ_TYPE)",
  `${
    perCall(200_000, () => {
      length[0] = 4n;
      return zmq.zmq_getsockopt(socket, SocketOption.TYPE, events, length);
    }).toFixed(0)
  } ns`,
);
zmq.zmq_close(socket);
zmq.zmq_ctx_term(context);

// Another thread bumps a shared word every 2 ms; this one waits for it with
// Atomics.waitAsync and measures from the bump to its continuation.
const shared = new SharedArrayBuffer(16);
const word = new Int32Array(shared, 0, 1);
const stamp = new Float64Array(shared, 8, 1);
const waker = new Worker(
  `const { workerData } = require("node:worker_threads");
   const word = new Int32Array(workerData, 0, 1);
   const stamp = new Float64Array(workerData, 8, 1);
   const pause = new Int32Array(new SharedArrayBuffer(4));
   for (;;) {
     Atomics.wait(pause, 0, 0, 2);
     stamp[0] = performance.timeOrigin + performance.now();
     Atomics.add(word, 0, 1);
     Atomics.notify(word, 0);
   }`,
  { eval: true, workerData: shared },
);
type WaitAsync = (
  array: Int32Array,
  index: number,
  value: number,
) => { async: boolean; value: Promise<string> | string };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;
const wakes: number[] = [];
for (let index = 0; index < 500; index++) {
  const seen = Atomics.load(word, 0);
  const wait = waitAsync(word, 0, seen);
  if (wait.async) await wait.value;
  const now = performance.timeOrigin + performance.now();
  if (index >= 20) wakes.push((now - stamp[0]!) * 1000);
}
line(
  "wake-up through Atomics.waitAsync (the watcher's hop)",
  `${median(wakes).toFixed(1)} µs median`,
);
await waker.terminate();

if (backend.runtime === "node") {
  const ffi = (process as unknown as {
    getBuiltinModule(id: string): {
      toArrayBuffer(
        pointer: bigint,
        length: number,
        copy: boolean,
      ): ArrayBuffer;
    };
  }).getBuiltinModule("node:ffi");
  // Any readable C memory will do: the bytes of an array of our own.
  const memory = new BigUint64Array(8192);
  const address = backend.pointerToBigInt(backend.pointerOf(memory));
  const pointer = backend.pointerOf(memory);
  const tryTransfer = (outside: ArrayBuffer) => {
    try {
      structuredClone(outside, { transfer: [outside] });
      return `moved (the original is now ${outside.byteLength} bytes)`;
    } catch (error) {
      return `refused (${(error as Error).name})`;
    }
  };
  line(
    "transfer of a buffer over C memory",
    tryTransfer(ffi.toArrayBuffer(address, 64, false)),
  );
  const lent = backend.lend?.(pointer, 64) ?? null;
  line(
    "transfer of the same, lent (src/lent_frames.ts)",
    lent === null ? "not lent on this thread" : tryTransfer(lent),
  );
  line(
    "a 64 KiB frame copied (toArrayBuffer with a copy)",
    `${perCall(20_000, () => backend.copyOut(pointer, 65536)).toFixed(0)} ns`,
  );
  line(
    "a 64 KiB frame lent (toArrayBuffer, untransferable)",
    `${perCall(20_000, () => backend.lend?.(pointer, 65536)).toFixed(0)} ns`,
  );
}
