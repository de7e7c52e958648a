/**
 * Task sink (zguide "tasksink"), the end of a parallel pipeline: a Pull
 * socket waits for the ventilator's start-of-batch signal, collects the
 * workers' results and reports how long the batch took. Run it with
 * taskvent.ts and taskwork.ts.
 *
 *   deno task example tasksink [--bind tcp://*:5558] [--count 100]
 *   bun run example tasksink [--bind tcp://*:5558] [--count 100]
 *
 * It prints ":" for every tenth result and "." for the others, then
 * "Total elapsed time: N msec".
 *
 * @module
 */
import process from "node:process";
import { Pull } from "../mod.ts";
import { countFlag, parseArgs } from "./_args.ts";

const args = parseArgs({
  name: "tasksink",
  summary: "collects a batch of results and times it",
  flags: {
    bind: {
      kind: "list",
      description: "endpoint the ventilator and workers connect to",
      default: ["tcp://*:5558"],
    },
    count: countFlag("how many results make a batch", 100),
  },
});

const receiver = new Pull();
for (const endpoint of args.bind) await receiver.bind(endpoint);

// The batch starts with the ventilator's "0"; it travels on a connection of
// its own, so a worker's (empty) result may overtake it.
let started: number | undefined;
let results = 0;
while (started === undefined || results < args.count) {
  const [message] = await receiver.receive();
  if (started === undefined && new TextDecoder().decode(message) === "0") {
    started = performance.now();
    continue;
  }
  process.stdout.write(results % 10 === 0 ? ":" : ".");
  results++;
}
console.log(
  `\nTotal elapsed time: ${Math.round(performance.now() - started!)} msec`,
);
receiver.close();
