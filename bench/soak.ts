/**
 * The memory soak: pushes many messages through one Push/Pull pair with the
 * awaited API (plus, every 100,000 messages, a Request/Reply round trip and a
 * socket pair created and closed), samples the resident set size every
 * second, and reports the slope of RSS over time after the warm-up. A binding
 * that leaks per message or per socket shows a slope well above zero; one
 * that does not shows a flat line with noise. Not part of CI: it takes a
 * minute or more per runtime.
 *
 *   deno run --allow-all bench/soak.ts [--messages N] [--size BYTES] [--transport tcp|ipc|inproc]
 *   bun bench/soak.ts [same options]
 *
 * Defaults: 10,000,000 messages of 64 bytes over tcp. Progress goes to
 * stderr; the last line of stdout is a JSON summary:
 * {"runtime","transport","messages","size","seconds","rate","baseMiB",
 *  "peakMiB","endMiB","slopeKiBPerSecond","slopeKiBPerMillion",
 *  "leastSquaresKiBPerSecond","samples"}: the slopes are of RSS over time
 * after the first 20% of the run (Theil-Sen, and least squares).
 *
 * @module
 */
import process from "node:process";
import { Pair, Pull, Push, Reply, Request } from "../mod.ts";

const argv = process.argv.slice(2);
const option = (flag: string, fallback: string) => {
  const index = argv.indexOf(flag);
  return index >= 0 ? argv[index + 1] : fallback;
};
const messages = Number(option("--messages", "10000000"));
const size = Number(option("--size", "64"));
const transport = option("--transport", "tcp");
if (!Number.isInteger(messages) || messages < 1 || !(size >= 0)) {
  console.error(
    "usage: soak.ts [--messages N] [--size BYTES] [--transport tcp|ipc|inproc]",
  );
  process.exit(2);
}
const runtime = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined"
  ? "bun"
  : "deno";
const address = transport === "inproc"
  ? "inproc://soak"
  : transport === "ipc"
  ? `ipc:///tmp/zmq-ffi-soak-${process.pid}`
  : "tcp://127.0.0.1:*";

const pull = new Pull({ receiveHighWaterMark: 10000 });
await pull.bind(address);
const push = new Push({ sendHighWaterMark: 10000 });
push.connect(pull.lastEndpoint);
const rep = new Reply();
rep.bindSync("inproc://soak-rep");
const req = new Request();
req.connect("inproc://soak-rep");

interface Sample {
  seconds: number;
  rss: number;
  heapUsed: number;
  received: number;
}
const samples: Sample[] = [];
const started = performance.now();
let received = 0;
const sample = () => {
  const seconds = (performance.now() - started) / 1000;
  const { rss, heapUsed, heapTotal } = process.memoryUsage();
  samples.push({ seconds, rss, heapUsed, received });
  console.error(
    `${seconds.toFixed(0)} s: ${received} received, RSS ${
      (rss / 2 ** 20).toFixed(1)
    } MiB, JS heap ${(heapUsed / 2 ** 20).toFixed(1)} of ${
      (heapTotal / 2 ** 20).toFixed(1)
    } MiB`,
  );
};
sample();
const sampler = setInterval(sample, 1000);

/** Every 100,000 messages: one round trip and one socket pair's whole life. */
async function churn(round: number): Promise<void> {
  await req.send(String(round));
  // A message has at least one frame, so `question` is always there.
  const [question] = await rep.receive();
  await rep.send(question!);
  await req.receive();
  const left = new Pair();
  const right = new Pair();
  left.bindSync(`inproc://soak-pair-${round}`);
  right.connect(`inproc://soak-pair-${round}`);
  await left.send("x");
  await right.receive();
  left.close();
  right.close();
}

const frame = new Uint8Array(size).fill(1);
const sending = (async () => {
  for (let index = 0; index < messages; index++) {
    await push.send(frame);
  }
})();
let rounds = 0;
for await (const [message] of pull) {
  // A message has at least one frame, so `message` is always there.
  if (message!.length !== size) {
    throw new Error(`a ${message!.length}-byte message`);
  }
  received++;
  if (received % 100000 === 0) await churn(rounds++);
  if (received === messages) break;
}
await sending;
clearInterval(sampler);
sample();
const seconds = (performance.now() - started) / 1000;

// The slope of RSS over time after the first 20% of the run (JIT, slab and
// libzmq buffers settling): Theil-Sen (the median of the slopes between every
// two samples), which a garbage collection's sawtooth does not drag around the
// way it drags a least-squares line; the least-squares slope is reported too.
const steady = samples.filter((entry) => entry.seconds >= seconds * 0.2);
const pairwise: number[] = [];
for (let first = 0; first < steady.length; first++) {
  for (let second = first + 1; second < steady.length; second++) {
    // Both indexes are below steady.length.
    const span = steady[second]!.seconds - steady[first]!.seconds;
    if (span > 0) {
      pairwise.push((steady[second]!.rss - steady[first]!.rss) / span);
    }
  }
}
pairwise.sort((left, right) => left - right);
const slope = pairwise.length > 0 ? pairwise[pairwise.length >> 1]! : 0; // B/s
const mean = (values: number[]) =>
  values.reduce((sum, value) => sum + value, 0) / values.length;
const meanTime = mean(steady.map((entry) => entry.seconds));
const meanRss = mean(steady.map((entry) => entry.rss));
let covariance = 0;
let variance = 0;
for (const entry of steady) {
  covariance += (entry.seconds - meanTime) * (entry.rss - meanRss);
  variance += (entry.seconds - meanTime) ** 2;
}
const leastSquares = variance > 0 ? covariance / variance : 0;
const rate = messages / seconds;
const mib = (bytes: number) => Math.round(bytes / 2 ** 20 * 10) / 10;

push.close();
pull.close();
req.close();
rep.close();
console.log(JSON.stringify({
  runtime,
  transport,
  messages,
  size,
  seconds: Math.round(seconds * 10) / 10,
  rate: Math.round(rate),
  baseMiB: mib(samples[0]!.rss), // sample() ran before the first message
  peakMiB: mib(Math.max(...samples.map((entry) => entry.rss))),
  endMiB: mib(samples.at(-1)!.rss),
  heapStartMiB: mib(steady[0]?.heapUsed ?? 0),
  heapEndMiB: mib(samples.at(-1)!.heapUsed),
  slopeKiBPerSecond: Math.round(slope / 1024 * 100) / 100,
  slopeKiBPerMillion: Math.round(slope / rate * 1e6 / 1024 * 100) / 100,
  leastSquaresKiBPerSecond: Math.round(leastSquares / 1024 * 100) / 100,
  samples: samples.length,
}));
