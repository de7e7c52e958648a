/**
 * The demo (`npm run demo`): the zguide's parallel pipeline in one program.
 * A ventilator (Push) hands out 100 tasks to three workers (Pull in, Push
 * out) over tcp; each worker "processes" a task by waiting its workload in
 * milliseconds and sends the result to a sink (Pull), which counts them and
 * times the batch. Tasks go out only once every worker is connected, so the
 * load is shared; the output says what happens at each step.
 *
 *   deno run --allow-ffi --allow-read examples/demo.ts
 *   bun examples/demo.ts
 */
import process from "node:process";
import { libzmqVersion, Pull, Push, runtimeInfo } from "../mod.ts";

const TASKS = 100;
const WORKERS = 3;
const decoder = new TextDecoder();
const { runtime } = runtimeInfo();
const runtimeVersion = (process.versions as Record<string, string>)[runtime];

console.log(
  `zmq-ffi demo on ${runtime} ${runtimeVersion} with libzmq ${libzmqVersion()}`,
);
console.log("The parallel pipeline: ventilator -> 3 workers -> sink\n");

const sink = new Pull();
await sink.bind("tcp://127.0.0.1:*");
const ventilator = new Push();
// Watch the ventilator's connections before any worker connects.
const events = ventilator.events;
await ventilator.bind("tcp://127.0.0.1:*");
console.log(`  ventilator (Push) bound to ${ventilator.lastEndpoint}`);
console.log(`  sink       (Pull) bound to ${sink.lastEndpoint}`);

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
    await results.send(String(id));
    done++;
  }
  tasks.close();
  results.close();
  return done;
}

const workers = Array.from(
  { length: WORKERS },
  (_, index) => worker(index + 1),
);

// A Push sends each message to one connected peer, round-robin: tasks sent
// before every worker is connected would all go to the first one.
let connected = 0;
while (connected < WORKERS) {
  const event = await events.receive();
  if (event.type === "handshake") {
    connected++;
    console.log(`  worker ${connected} of ${WORKERS} connected`);
  }
}
events.close();

let expected = 0;
const workloads = Array.from({ length: TASKS }, () => {
  const workload = 1 + Math.floor(Math.random() * 20);
  expected += workload;
  return workload;
});
console.log(
  `\nSending ${TASKS} tasks: ${expected} ms of work in total, ` +
    `${Math.round(expected / WORKERS)} ms each for ${WORKERS} workers`,
);
const started = performance.now();
for (const workload of workloads) await ventilator.send(String(workload));

const perWorker = new Array<number>(WORKERS).fill(0);
for (let received = 1; received <= TASKS; received++) {
  const [from] = await sink.receive();
  perWorker[Number(decoder.decode(from)) - 1]!++;
  if (received % 20 === 0) {
    const elapsed = Math.round(performance.now() - started);
    console.log(
      `  ${String(received).padStart(3)}/${TASKS} results after ` +
        `${String(elapsed).padStart(4)} ms  (per worker: ${
          perWorker.join(", ")
        })`,
    );
  }
}
const elapsed = Math.round(performance.now() - started);

for (let index = 0; index < WORKERS; index++) await ventilator.send("-1");
const counts = await Promise.all(workers);
ventilator.close();
sink.close();

console.log(
  `\nDone: ${TASKS} tasks in ${elapsed} ms; one worker alone would need ` +
    `at least ${expected} ms.`,
);
console.log(`Tasks per worker: ${counts.join(", ")}`);
console.log(
  "\nNext: `npm test` runs the suite; the README lists the other examples.",
);
