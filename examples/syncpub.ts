/**
 * Synchronized publisher (zguide "syncpub"): the fix for the "slow joiner".
 * A subscriber that connects misses whatever was published before its
 * subscription reached the publisher. Here the publisher sends "HELLO"
 * every 100 ms until each expected subscriber (syncsub.ts) has seen one and
 * said so on a Reply socket; only then does it publish its updates, and
 * every subscriber receives all of them.
 *
 *   deno task example syncpub [--bind tcp://*:5561] [--sync tcp://*:5562] [--subscribers 1] [--count 100000]
 *   bun run example syncpub [--bind tcp://*:5561] [--sync tcp://*:5562] [--subscribers 1] [--count 100000]
 *
 * @module
 */
import { context, Poller, Publisher, Reply } from "../mod.ts";
import { countFlag, parseArgs } from "./_args.ts";

const args = parseArgs({
  name: "syncpub",
  summary: "publishes once every subscriber is ready",
  flags: {
    bind: {
      kind: "list",
      description: "endpoint to publish on",
      default: ["tcp://*:5561"],
    },
    sync: {
      kind: "list",
      description: "endpoint the subscribers report ready on",
      default: ["tcp://*:5562"],
    },
    subscribers: {
      kind: "number",
      description: "how many subscribers to wait for",
      default: 1,
    },
    count: countFlag("how many updates to publish", 100000),
  },
});

// No high-water mark: a Publisher drops what a slow subscriber cannot take
// in time, and here nothing may be lost. linger: flush before exiting.
const publisher = new Publisher({ sendHighWaterMark: 0, linger: 10000 });
for (const endpoint of args.bind) await publisher.bind(endpoint);
const syncService = new Reply({ linger: 1000 });
for (const endpoint of args.sync) await syncService.bind(endpoint);

console.log("Waiting for subscribers");
const poller = new Poller();
poller.add(syncService, "readable");
let subscribers = 0;
while (subscribers < args.subscribers) {
  if ((await poller.poll(100)).length === 0) {
    await publisher.send("HELLO"); // nobody ready for 100 ms: say hello again
    continue;
  }
  await syncService.receive();
  await syncService.send("");
  subscribers++;
}
poller.close();

console.log("Broadcasting messages");
for (let update = 0; update < args.count; update++) {
  await publisher.send("Rhubarb");
}
await publisher.send("END");
publisher.close();
syncService.close();
context.close(); // waits until every update is sent
