/**
 * Synchronized subscriber (zguide "syncsub"): subscribes to syncpub.ts,
 * waits until a "HELLO" shows that its subscription is in place, tells the
 * publisher it is ready, then counts the updates until "END".
 *
 *   deno task example syncsub [--connect tcp://localhost:5561] [--sync tcp://localhost:5562]
 *   bun run example syncsub [--connect tcp://localhost:5561] [--sync tcp://localhost:5562]
 *
 * @module
 */
import { Request, Subscriber } from "../mod.ts";
import { parseArgs } from "./_args.ts";

const args = parseArgs({
  name: "syncsub",
  summary: "receives every update of the synchronized publisher",
  flags: {
    connect: {
      kind: "list",
      description: "publisher endpoint",
      default: ["tcp://localhost:5561"],
    },
    sync: {
      kind: "list",
      description: "the publisher's ready-report endpoint",
      default: ["tcp://localhost:5562"],
    },
  },
});

const decoder = new TextDecoder();
const subscriber = new Subscriber({ receiveHighWaterMark: 0 });
for (const endpoint of args.connect) subscriber.connect(endpoint);
subscriber.subscribe();

// The first HELLO proves the subscription reached the publisher.
await subscriber.receive();

const syncClient = new Request();
for (const endpoint of args.sync) syncClient.connect(endpoint);
await syncClient.send("");
await syncClient.receive();

let updates = 0;
for await (const [message] of subscriber) {
  const text = decoder.decode(message);
  if (text === "END") break;
  if (text !== "HELLO") updates++; // HELLOs sent before we reported ready
}
console.log(`Received ${updates} updates`);
subscriber.close();
syncClient.close();
