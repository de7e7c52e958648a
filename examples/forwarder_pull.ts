/**
 * The forwarder's consumer: a Pull socket prints what forwarder.ts hands it.
 * Start several to share the messages between them.
 *
 *   deno task example forwarder_pull [--connect tcp://localhost:5564] [--count N]
 *   bun run example forwarder_pull [--connect tcp://localhost:5564] [--count N]
 *
 * @module
 */
import { Pull } from "../mod.ts";
import { countFlag, parseArgs } from "./_args.ts";

const args = parseArgs({
  name: "forwarder_pull",
  summary: "prints the messages the forwarder hands it",
  flags: {
    connect: {
      kind: "list",
      description: "forwarder endpoint",
      default: ["tcp://localhost:5564"],
    },
    count: countFlag("stop after this many messages"),
  },
});

const pull = new Pull();
for (const endpoint of args.connect) pull.connect(endpoint);
let received = 0;
for await (const [message] of pull) {
  console.log(`Received: ${new TextDecoder().decode(message)}`);
  if (++received >= args.count) break;
}
pull.close();
