/**
 * One side of a benchmark through zeromq.js v6 (the `zeromq` npm package) on
 * Node, with the same arguments and stdout lines as bench/peer.ts, so that
 * bench/run.ts can put it in any role: `READY <endpoint>` once bound,
 * `RESULT <json>` when done. It uses zeromq.js's own idiom: `await
 * socket.send()`, `for await` over a socket, `await socket.receive()`.
 *
 * zeromq.js is not a dependency of zmq-ffi: bench/run.ts installs it into a
 * directory of its own (under bench/build/) and passes that directory in
 * BENCH_ZEROMQJS_PREFIX, from which this file loads it.
 *
 *   node zeromqjs_bench.mjs recv <size> <count>             Pull bound on tcp, measures throughput
 *   node zeromqjs_bench.mjs send <endpoint> <size> <count>  Push, sends then waits to be killed
 *   node zeromqjs_bench.mjs server                          Reply echo server bound on tcp
 *   node zeromqjs_bench.mjs client <endpoint> <size> <count> <gapUs>
 *                                                           Request client, round-trip latency
 *   node zeromqjs_bench.mjs inproc <size> <count>           Push and Pull in this event loop
 *   node zeromqjs_bench.mjs ops <count>                     per-call costs with nothing to wait for
 *   node zeromqjs_bench.mjs version                         prints zeromq.js's and its libzmq's versions
 */
import { createRequire } from "node:module";
import process from "node:process";

const prefix = process.env.BENCH_ZEROMQJS_PREFIX;
if (!prefix) {
  console.error(
    "set BENCH_ZEROMQJS_PREFIX to the directory zeromq is installed in",
  );
  process.exit(2);
}
const require = createRequire(`${prefix}/package.json`);
const zmq = require("zeromq");

const [role, ...rest] = process.argv.slice(2);

// Never outlive a failed run: the runner kills us, this is the backstop.
const lifetime = Number(process.env.BENCH_LIFETIME ?? 120);
setTimeout(() => {
  console.error(`zeromq.js peer ${role}: lifetime of ${lifetime} s exceeded`);
  process.exit(124);
}, lifetime * 1000);

function result(value) {
  console.log(`RESULT ${JSON.stringify(value)}`);
  process.exit(0);
}

function latencyResult(samples) {
  let sum = 0;
  for (const sample of samples) sum += sample;
  samples.sort();
  const count = samples.length;
  result({
    count,
    meanUs: sum / count * 1000,
    p50Us: samples[Math.floor(count / 2)] * 1000,
    p99Us: samples[Math.floor(count * 0.99)] * 1000,
    minUs: samples[0] * 1000,
  });
}

async function receive(size, count) {
  const pull = new zmq.Pull({ linger: 0 });
  await pull.bind("tcp://127.0.0.1:*");
  console.log(`READY ${pull.lastEndpoint}`);
  let first = 0;
  let received = 0;
  let wrongSize = 0;
  for await (const [message] of pull) {
    if (received++ === 0) first = performance.now();
    if (message.length !== size) wrongSize++;
    if (received === count) break;
  }
  const seconds = (performance.now() - first) / 1000;
  result({ count, size, seconds, wrongSize });
}

// Module-level, so the Push is never collected (and closed, dropping what it
// still had queued) while the runner waits for the receiver.
const senders = [];

async function send(endpoint, size, count) {
  const push = new zmq.Push({ linger: 0 });
  senders.push(push);
  push.connect(endpoint);
  const payload = Buffer.alloc(size);
  for (let index = 0; index < count; index++) await push.send(payload);
  // Closing would drop what is still queued: the runner kills us once the
  // receiver has everything (the lifetime timer keeps us alive till then).
  console.log(`SENT ${count}`);
}

async function serve() {
  const rep = new zmq.Reply({ linger: 0 });
  await rep.bind("tcp://127.0.0.1:*");
  console.log(`READY ${rep.lastEndpoint}`);
  for await (const message of rep) await rep.send(message);
}

async function client(endpoint, size, count, gapUs) {
  const req = new zmq.Request({ linger: 0 });
  req.connect(endpoint);
  const payload = Buffer.alloc(size);
  const warmup = Math.max(100, Math.floor(count / 10));
  const samples = new Float64Array(count);
  const idle = () =>
    new Promise((resolve) => setTimeout(resolve, gapUs / 1000));
  for (let index = -warmup; index < count; index++) {
    if (gapUs > 0) await idle();
    const start = performance.now();
    await req.send(payload);
    const [reply] = await req.receive();
    const elapsed = performance.now() - start;
    if (reply.length !== size) throw new Error(`reply of ${reply.length} B`);
    if (index >= 0) samples[index] = elapsed;
  }
  req.close();
  latencyResult(samples);
}

async function inproc(size, count) {
  const pull = new zmq.Pull({ linger: 0 });
  await pull.bind("inproc://bench");
  const push = new zmq.Push({ linger: 0 });
  push.connect("inproc://bench");
  const payload = Buffer.alloc(size);
  const sender = (async () => {
    for (let index = 0; index < count; index++) await push.send(payload);
  })();
  let first = 0;
  let received = 0;
  let wrongSize = 0;
  for await (const [message] of pull) {
    if (received++ === 0) first = performance.now();
    if (message.length !== size) wrongSize++;
    if (received === count) break;
  }
  const seconds = (performance.now() - first) / 1000;
  await sender;
  result({ count, size, seconds, wrongSize });
}

/**
 * The steps of bench/native/ops.c and peer.ts ops in the forms zeromq.js has
 * (it has no non-blocking or blocking calls): a Push with no high-water mark
 * queues `count` messages of 64 B over inproc, a Pull takes them back.
 */
async function ops(count) {
  const pull = new zmq.Pull({ linger: 0, receiveHighWaterMark: 0 });
  await pull.bind("inproc://ops");
  const push = new zmq.Push({ linger: 0, sendHighWaterMark: 0 });
  push.connect("inproc://ops");
  const payload = Buffer.alloc(64);
  const nsPerCall = (started, calls) =>
    (performance.now() - started) / calls * 1e6;
  // The first pass warms up the JIT; then the fastest of the other passes.
  const costs = {};
  for (let pass = 0; pass < 5; pass++) {
    let started = performance.now();
    for (let index = 0; index < count; index++) await push.send(payload);
    const sendNs = nsPerCall(started, count);
    started = performance.now();
    for (let index = 0; index < count; index++) await pull.receive();
    const receiveNs = nsPerCall(started, count);

    for (let index = 0; index < count; index++) await push.send(payload);
    started = performance.now();
    let received = 0;
    for await (const _ of pull) if (++received === count) break;
    const forAwaitNs = nsPerCall(started, count);

    // The floor under any `for await` on this runtime.
    const frames = [payload];
    const plain = {
      next: () => Promise.resolve({ value: frames, done: false }),
      [Symbol.asyncIterator]: () => plain,
    };
    started = performance.now();
    received = 0;
    for await (const _ of plain) if (++received === count) break;
    const plainForAwaitNs = nsPerCall(started, count);

    if (pass === 0) continue;
    const passCosts = { sendNs, receiveNs, forAwaitNs, plainForAwaitNs };
    for (const [key, value] of Object.entries(passCosts)) {
      costs[key] = Math.min(costs[key] ?? Infinity, value);
    }
  }
  result(costs);
}

const number = (index) => Number(rest[index]);
switch (role) {
  case "recv":
    await receive(number(0), number(1));
    break;
  case "send":
    await send(rest[0], number(1), number(2));
    break;
  case "server":
    await serve();
    break;
  case "client":
    await client(rest[0], number(1), number(2), number(3));
    break;
  case "inproc":
    await inproc(number(0), number(1));
    break;
  case "ops":
    await ops(number(0));
    break;
  case "version": {
    const { version } = require("zeromq/package.json");
    result({ zeromqjs: version, libzmq: zmq.version });
    break;
  }
  default:
    console.error(`unknown role ${role}: see the usage in ${process.argv[1]}`);
    process.exit(2);
}
