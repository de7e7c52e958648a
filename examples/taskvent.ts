/**
 * Task ventilator (zguide "taskvent"), the start of a parallel pipeline: a
 * Push socket hands 100 tasks (workloads of 1-100 ms) round-robin to the
 * workers (taskwork.ts), after telling the sink (tasksink.ts) that a batch
 * starts.
 *
 *   deno task example taskvent [--bind tcp://*:5557] [--sink tcp://localhost:5558] [--count 100]
 *   bun run example taskvent [--bind tcp://*:5557] [--sink tcp://localhost:5558] [--count 100]
 *
 * On a terminal it waits for Enter so you can start the workers first (a Push
 * gives its tasks to the workers connected at the time); otherwise it starts
 * at once, and its tasks wait until a worker connects.
 *
 * @module
 */
import process from "node:process";
import { createInterface } from "node:readline/promises";
import { context, Push } from "../mod.ts";
import { countFlag, parseArgs } from "./_args.ts";

const args = parseArgs({
  name: "taskvent",
  summary: "sends a batch of tasks to the workers",
  flags: {
    bind: {
      kind: "list",
      description: "endpoint the workers connect to",
      default: ["tcp://*:5557"],
    },
    sink: {
      kind: "list",
      description: "the sink's endpoint, for the start-of-batch signal",
      default: ["tcp://localhost:5558"],
    },
    count: countFlag("how many tasks to send", 100),
  },
});

// A queued message is dropped at close unless linger allows time to send it:
// give the tasks up to 10 s to leave before this program exits.
const sender = new Push({ linger: 10000 });
for (const endpoint of args.bind) await sender.bind(endpoint);
const sink = new Push({ linger: 10000 });
for (const endpoint of args.sink) sink.connect(endpoint);

if (process.stdin.isTTY) {
  const prompt = createInterface({
    input: process.stdin,
    output: process.stdout,
  });
  await prompt.question("Press Enter when the workers are ready: ");
  prompt.close();
}
console.log("Sending tasks to workers...");

// The first message is "0" and signals the start of the batch.
await sink.send("0");

let totalCost = 0;
for (let task = 0; task < args.count; task++) {
  const workload = 1 + Math.floor(Math.random() * 100);
  totalCost += workload;
  await sender.send(String(workload));
}
console.log(`Total expected cost: ${totalCost} msec`);

sender.close();
sink.close();
// Terminating the context waits (up to linger) until the tasks are sent.
context.close();
