/**
 * One Subscriber connected to several publishers at once: it receives the
 * updates of all of them, fairly queued, as if from one. Run two weather
 * servers (wuserver.ts) on different ports, then this.
 *
 *   deno task example wuserver --bind tcp://*:5556
 *   deno task example wuserver --bind tcp://*:5566
 *   deno task example multisub [--connect tcp://localhost:5556 --connect tcp://localhost:5566] [--subscribe PREFIX] [--count N]
 *
 * (`bun run example ...` works the same.)
 *
 * @module
 */
import { Subscriber } from "../mod.ts";
import { countFlag, parseArgs } from "./_args.ts";

const args = parseArgs({
  name: "multisub",
  summary: "subscribes to several publishers with one socket",
  flags: {
    connect: {
      kind: "list",
      description: "publisher endpoints",
      default: ["tcp://localhost:5556", "tcp://localhost:5566"],
    },
    subscribe: {
      kind: "list",
      description: "message prefix to subscribe to (empty: everything)",
      default: [""],
    },
    count: countFlag("stop after this many messages"),
  },
});

const subscriber = new Subscriber();
for (const endpoint of args.connect) subscriber.connect(endpoint);
subscriber.subscribe(...args.subscribe);

let received = 0;
for await (const [message] of subscriber) {
  console.log(`Received ${new TextDecoder().decode(message)}`);
  if (++received >= args.count) break;
}
subscriber.close();
