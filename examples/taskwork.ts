/**
 * Task worker (zguide "taskwork"), the middle of a parallel pipeline: a Pull
 * socket takes tasks from the ventilator (taskvent.ts), "works" for each
 * task's workload in milliseconds, and a Push socket reports to the sink
 * (tasksink.ts). Start as many as you like.
 *
 *   deno task example taskwork [--connect tcp://localhost:5557] [--sink tcp://localhost:5558] [--count N]
 *   bun run example taskwork [--connect tcp://localhost:5557] [--sink tcp://localhost:5558] [--count N]
 *
 * It prints a dot per task done.
 *
 * @module
 */
import process from "node:process";
import { context, Pull, Push } from "../mod.ts";
import { countFlag, parseArgs, sleep } from "./_args.ts";

const args = parseArgs({
  name: "taskwork",
  summary: "does the ventilator's tasks and reports to the sink",
  flags: {
    connect: {
      kind: "list",
      description: "ventilator endpoint (several: tasks come fairly from each)",
      default: ["tcp://localhost:5557"],
    },
    sink: {
      kind: "list",
      description: "the sink's endpoint, for the results",
      default: ["tcp://localhost:5558"],
    },
    count: countFlag("stop after this many tasks"),
  },
});

const receiver = new Pull();
for (const endpoint of args.connect) receiver.connect(endpoint);
const sender = new Push({ linger: 10000 });
for (const endpoint of args.sink) sender.connect(endpoint);

let done = 0;
for await (const [task] of receiver) {
  const workload = Number(new TextDecoder().decode(task));
  process.stdout.write(".");
  await sleep(workload); // do the work
  await sender.send(""); // the result: an empty message
  if (++done >= args.count) break;
}
process.stdout.write("\n");
receiver.close();
sender.close();
context.close(); // waits until the last result is sent
