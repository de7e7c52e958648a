/**
 * One Pull socket connected to several pushers at once: it takes messages
 * from each in turn (fair queuing), as a task worker fed by two ventilators
 * would. Run two ventilators (taskvent.ts) on different ports, then this.
 *
 *   deno task example taskvent --bind tcp://*:5557
 *   deno task example taskvent --bind tcp://*:5567
 *   deno task example multipull [--connect tcp://localhost:5557 --connect tcp://localhost:5567] [--count N]
 *
 * (`bun run example ...` works the same.)
 *
 * @module
 */
import { Pull } from "../mod.ts";
import { countFlag, parseArgs } from "./_args.ts";

const args = parseArgs({
  name: "multipull",
  summary: "pulls from several pushers with one socket",
  flags: {
    connect: {
      kind: "list",
      description: "pusher endpoints",
      default: ["tcp://localhost:5557", "tcp://localhost:5567"],
    },
    count: countFlag("stop after this many messages"),
  },
});

const pull = new Pull();
for (const endpoint of args.connect) pull.connect(endpoint);

let received = 0;
for await (const [message] of pull) {
  console.log(`Received ${new TextDecoder().decode(message)}`);
  if (++received >= args.count) break;
}
pull.close();
