/**
 * The demo: the zguide's parallel pipeline in one program. A ventilator
 * pushes 100 tasks to three workers over tcp, each worker "processes" a task
 * by waiting its workload in milliseconds and reports to a sink, and the sink
 * prints progress and the total elapsed time.
 *
 *   deno run --allow-ffi --allow-env --allow-read examples/demo.ts
 *   bun examples/demo.ts
 */
import { libzmqVersion, Pull, Push, runtimeInfo } from "../mod.ts";

const TASKS = 100;
const WORKERS = 3;
const decoder = new TextDecoder();

const { runtime } = runtimeInfo();
console.log(`zmq-ffi demo on ${runtime}, libzmq ${libzmqVersion()}`);

const sink = new Pull();
await sink.bind("tcp://127.0.0.1:*");
const ventilator = new Push();
await ventilator.bind("tcp://127.0.0.1:*");
console.log(
  `ventilator on ${ventilator.lastEndpoint}, sink on ${sink.lastEndpoint}`,
);

async function worker(id: number): Promise<number> {
  const tasks = new Pull();
  tasks.connect(ventilator.lastEndpoint);
  const results = new Push();
  results.connect(sink.lastEndpoint);
  let done = 0;
  for await (const [task] of tasks) {
    const workload = Number(decoder.decode(task));
    if (workload < 0) break; // the stop signal
    await new Promise((resolve) => setTimeout(resolve, workload));
    await results.send(`worker ${id} slept ${workload} ms`);
    done++;
  }
  tasks.close();
  results.close();
  return done;
}

const workers = Array.from({ length: WORKERS }, (_, id) => worker(id + 1));
// Let every worker connect before the first task, so the load is shared.
await new Promise((resolve) => setTimeout(resolve, 200));

const started = performance.now();
let expected = 0;
for (let task = 0; task < TASKS; task++) {
  const workload = 1 + Math.floor(Math.random() * 20);
  expected += workload;
  await ventilator.send(String(workload));
}
console.log(`sent ${TASKS} tasks, ${expected} ms of work in total`);

for (let received = 1; received <= TASKS; received++) {
  await sink.receive();
  if (received % 10 === 0) progress(received % 50 === 0 ? ":\n" : ".");
}
for (let id = 0; id < WORKERS; id++) await ventilator.send("-1");
const counts = await Promise.all(workers);
console.log(`tasks per worker: ${counts.join(", ")}`);
console.log(
  `Total elapsed time: ${Math.round(performance.now() - started)} msec ` +
    `(${expected} ms of work on ${WORKERS} workers)`,
);
ventilator.close();
sink.close();

function progress(text: string): void {
  process.stdout.write(text);
}
