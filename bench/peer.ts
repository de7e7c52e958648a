/**
 * One side of a benchmark, through zmq-ffi's public API; the same file runs on
 * Deno, Bun and Node 26. bench/run.ts starts it and talks to it through stdout
 * lines: `READY <endpoint>` once bound, `RESULT <json>` when done. The
 * arguments match the native peers in bench/native/ so that the runner can
 * swap one for the other; a trailing `sync` uses sendSync/receiveSync instead
 * of awaiting.
 *
 *   peer.ts recv <size> <count> [sync]             Pull bound on tcp, measures throughput
 *   peer.ts send <endpoint> <size> <count> [sync]  Push, sends then waits to be killed
 *   peer.ts server [sync]                          Reply echo server bound on tcp
 *   peer.ts client <endpoint> <size> <count> <gapUs> [sync]
 *                                                  Request client, round-trip latency
 *   peer.ts inproc <size> <count>                  Push and Pull in this event loop
 *   peer.ts ops <count>                            per-call costs with nothing to wait for
 *
 * @module
 */
import process from "node:process";
import { Pull, Push, Reply, Request } from "../mod.ts";

const args = process.argv.slice(2);
const sync = args[args.length - 1] === "sync";
if (sync) args.pop();
const [role, ...rest] = args;

// Never outlive a failed run: the runner kills us, this is the backstop.
const lifetime = Number(process.env.BENCH_LIFETIME ?? 120);
setTimeout(() => {
  console.error(`peer ${role}: lifetime of ${lifetime} s exceeded`);
  process.exit(124);
}, lifetime * 1000);

function result(value: object): never {
  console.log(`RESULT ${JSON.stringify(value)}`);
  process.exit(0);
}

function latencyResult(samples: Float64Array): never {
  let sum = 0;
  for (const sample of samples) sum += sample;
  samples.sort();
  const count = samples.length;
  // The runner asks for at least 2 samples: every index below is in range.
  result({
    count,
    meanUs: sum / count * 1000,
    p50Us: samples[Math.floor(count / 2)]! * 1000,
    p99Us: samples[Math.floor(count * 0.99)]! * 1000,
    minUs: samples[0]! * 1000,
  });
}

async function receive(size: number, count: number): Promise<never> {
  const pull = new Pull({ linger: 0 });
  await pull.bind("tcp://127.0.0.1:*");
  console.log(`READY ${pull.lastEndpoint}`);
  let first = 0;
  let received = 0;
  let wrongSize = 0;
  // A message has at least one frame, so `message` is always there.
  if (sync) {
    while (received < count) {
      const [message] = pull.receiveSync();
      if (received++ === 0) first = performance.now();
      if (message!.length !== size) wrongSize++;
    }
  } else {
    for await (const [message] of pull) {
      if (received++ === 0) first = performance.now();
      if (message!.length !== size) wrongSize++;
      if (received === count) break;
    }
  }
  const seconds = (performance.now() - first) / 1000;
  pull.close();
  result({ count, size, seconds, wrongSize });
}

// Module-level, so the Push is never collected (and closed, dropping what it
// still had queued) while the runner waits for the receiver.
const senders: Push[] = [];

async function send(endpoint: string, size: number, count: number) {
  const push = new Push({ linger: 0 });
  senders.push(push);
  push.connect(endpoint);
  const payload = new Uint8Array(size);
  if (sync) {
    for (let index = 0; index < count; index++) push.sendSync(payload);
  } else {
    for (let index = 0; index < count; index++) await push.send(payload);
  }
  // Closing would drop what is still queued: the runner kills us once the
  // receiver has everything (the lifetime timer keeps us alive till then).
  console.log(`SENT ${count}`);
}

async function serve(): Promise<void> {
  const rep = new Reply({ linger: 0 });
  await rep.bind("tcp://127.0.0.1:*");
  console.log(`READY ${rep.lastEndpoint}`);
  if (sync) {
    for (;;) rep.sendSync(rep.receiveSync());
  }
  for await (const message of rep) await rep.send(message);
}

async function client(
  endpoint: string,
  size: number,
  count: number,
  gapUs: number,
): Promise<never> {
  const req = new Request({ linger: 0 });
  req.connect(endpoint);
  const payload = new Uint8Array(size);
  const warmup = Math.max(100, Math.floor(count / 10));
  const samples = new Float64Array(count);
  const idle = () =>
    new Promise((resolve) => setTimeout(resolve, gapUs / 1000));
  for (let index = -warmup; index < count; index++) {
    if (gapUs > 0) await idle();
    const start = performance.now();
    // A reply has at least one frame, so `reply` is always there.
    let reply: Uint8Array | undefined;
    if (sync) {
      req.sendSync(payload);
      [reply] = req.receiveSync();
    } else {
      await req.send(payload);
      [reply] = await req.receive();
    }
    const elapsed = performance.now() - start;
    if (reply!.length !== size) throw new Error(`reply of ${reply!.length} B`);
    if (index >= 0) samples[index] = elapsed;
  }
  req.close();
  latencyResult(samples);
}

async function inproc(size: number, count: number): Promise<never> {
  const pull = new Pull({ linger: 0 });
  pull.bindSync("inproc://bench");
  const push = new Push({ linger: 0 });
  push.connect("inproc://bench");
  const payload = new Uint8Array(size);
  const sender = (async () => {
    for (let index = 0; index < count; index++) await push.send(payload);
  })();
  let first = 0;
  let received = 0;
  let wrongSize = 0;
  for await (const [message] of pull) {
    if (received++ === 0) first = performance.now();
    if (message!.length !== size) wrongSize++;
    if (received === count) break;
  }
  const seconds = (performance.now() - first) / 1000;
  await sender;
  push.close();
  pull.close();
  result({ count, size, seconds, wrongSize });
}

/**
 * Per-call costs in one event loop over inproc, with nothing to wait for (the
 * same steps as bench/native/ops.c): a Push with no high-water mark queues
 * `count` 64 B messages, a Pull takes them back, in each API form.
 */
async function ops(count: number): Promise<never> {
  const pull = new Pull({ linger: 0, receiveHighWaterMark: 0 });
  pull.bindSync("inproc://ops");
  const push = new Push({ linger: 0, sendHighWaterMark: 0 });
  push.connect("inproc://ops");
  const payload = new Uint8Array(64);
  const nsPerCall = (started: number, calls: number) =>
    (performance.now() - started) / calls * 1e6;
  const fill = () => {
    for (let index = 0; index < count; index++) push.trySend(payload);
  };
  // The first pass warms up the JIT; then the fastest of the other passes,
  // which the machine's other work disturbed least (as bench/native/ops.c).
  const costs: Record<string, number> = {};
  for (let pass = 0; pass < 5; pass++) {
    let started = performance.now();
    for (let index = 0; index < count; index++) {
      if (!push.trySend(payload)) throw new Error("trySend refused");
    }
    const trySendNs = nsPerCall(started, count);
    started = performance.now();
    for (let index = 0; index < count; index++) {
      if (pull.tryReceive() === null) throw new Error("tryReceive: nothing");
    }
    const tryReceiveNs = nsPerCall(started, count);

    started = performance.now();
    for (let index = 0; index < count; index++) await push.send(payload);
    const sendNs = nsPerCall(started, count);
    started = performance.now();
    for (let index = 0; index < count; index++) await pull.receive();
    const receiveNs = nsPerCall(started, count);

    started = performance.now();
    for (let index = 0; index < count; index++) push.sendSync(payload);
    const sendSyncNs = nsPerCall(started, count);
    started = performance.now();
    for (let index = 0; index < count; index++) pull.receiveSync();
    const receiveSyncNs = nsPerCall(started, count);

    fill();
    started = performance.now();
    let received = 0;
    for await (const _ of pull) if (++received === count) break;
    const forAwaitNs = nsPerCall(started, count);

    const empty = Math.ceil(count / 10);
    started = performance.now();
    for (let index = 0; index < empty; index++) {
      if (pull.tryReceive() !== null) throw new Error("tryReceive: not empty");
    }
    const emptyTryReceiveNs = nsPerCall(started, empty);

    // The floor under any `for await`: an iterator of resolved promises.
    const frames = [payload];
    const plain: AsyncIterableIterator<Uint8Array[]> = {
      next: () => Promise.resolve({ value: frames, done: false }),
      [Symbol.asyncIterator]: () => plain,
    };
    started = performance.now();
    received = 0;
    for await (const _ of plain) if (++received === count) break;
    const plainForAwaitNs = nsPerCall(started, count);

    const passCosts: Record<string, number> = {
      trySendNs,
      tryReceiveNs,
      sendNs,
      receiveNs,
      sendSyncNs,
      receiveSyncNs,
      forAwaitNs,
      emptyTryReceiveNs,
      plainForAwaitNs,
    };
    if (pass === 0) continue;
    for (const [key, value] of Object.entries(passCosts)) {
      costs[key] = Math.min(costs[key] ?? Infinity, value);
    }
  }
  push.close();
  pull.close();
  result(costs);
}

const number = (index: number) => Number(rest[index]);
/** The endpoint that `send` and `client` take first. */
const endpointArgument = (): string => {
  const endpoint = rest[0];
  if (endpoint === undefined) {
    console.error(`peer ${role}: no endpoint: see the usage in bench/peer.ts`);
    process.exit(2);
  }
  return endpoint;
};
switch (role) {
  case "recv":
    await receive(number(0), number(1));
    break;
  case "send":
    await send(endpointArgument(), number(1), number(2));
    break;
  case "server":
    await serve();
    break;
  case "client":
    await client(endpointArgument(), number(1), number(2), number(3));
    break;
  case "inproc":
    await inproc(number(0), number(1));
    break;
  case "ops":
    await ops(number(0));
    break;
  default:
    console.error(`unknown role ${role}: see the usage in bench/peer.ts`);
    process.exit(2);
}
