/**
 * Forwarder: a Subscriber that binds and subscribes to everything, a Poller
 * that waits for its messages, and a Push socket that hands the part of each
 * message after the first space (the topic removed) to the connected Pull
 * clients. Run it with forwarder_pub.ts (the producer) and
 * forwarder_pull.ts (a consumer).
 *
 *   deno task example forwarder [--bind tcp://*:5563] [--push tcp://*:5564] [--count N]
 *   bun run example forwarder [--bind tcp://*:5563] [--push tcp://*:5564] [--count N]
 *
 * @module
 */
import { context, Poller, Push, Subscriber } from "../mod.ts";
import { countFlag, parseArgs } from "./_args.ts";

const args = parseArgs({
  name: "forwarder",
  summary: "forwards published messages, topic removed, to Pull clients",
  flags: {
    bind: {
      kind: "list",
      description: "endpoint the publishers connect to",
      default: ["tcp://*:5563"],
    },
    push: {
      kind: "list",
      description: "endpoint the Pull clients connect to",
      default: ["tcp://*:5564"],
    },
    count: countFlag("stop after forwarding this many messages"),
  },
});

const decoder = new TextDecoder();
const subscriber = new Subscriber();
for (const endpoint of args.bind) await subscriber.bind(endpoint);
subscriber.subscribe(); // everything
const push = new Push({ linger: 10000 });
for (const endpoint of args.push) await push.bind(endpoint);

const poller = new Poller();
poller.add(subscriber, "readable");

let forwarded = 0;
while (forwarded < args.count) {
  await poller.poll();
  // Readable: take everything that is queued before polling again.
  let message: Uint8Array[] | null;
  while (forwarded < args.count && (message = subscriber.tryReceive())) {
    const text = decoder.decode(message[0]);
    const space = text.indexOf(" ");
    const body = space < 0 ? "" : text.slice(space + 1);
    await push.send(body); // waits while no client is connected
    console.log(`Forwarded: ${body}`);
    forwarded++;
  }
}
poller.close();
subscriber.close();
push.close();
context.close(); // waits until the last message is sent
