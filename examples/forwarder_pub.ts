/**
 * The forwarder's producer: publishes "TOPIC message N" to forwarder.ts.
 *
 *   deno task example forwarder_pub [--connect tcp://localhost:5563] [--topic news] [--count 10]
 *   bun run example forwarder_pub [--connect tcp://localhost:5563] [--topic news] [--count 10]
 *
 * It is an XPublisher: a Publisher that also receives its subscribers'
 * subscriptions. Waiting for the forwarder's subscription before publishing
 * means no message is lost while the connection is set up (the zguide's
 * "slow joiner"; syncpub.ts shows the classic fix).
 *
 * @module
 */
import { context, XPublisher } from "../mod.ts";
import { countFlag, parseArgs } from "./_args.ts";

const args = parseArgs({
  name: "forwarder_pub",
  summary: "publishes numbered messages under a topic",
  flags: {
    connect: {
      kind: "list",
      description: "forwarder endpoint",
      default: ["tcp://localhost:5563"],
    },
    topic: {
      kind: "string",
      description: "the first word of each message",
      default: "news",
    },
    count: countFlag("how many messages to publish", 10),
  },
});

const publisher = new XPublisher({ linger: 10000 });
for (const endpoint of args.connect) publisher.connect(endpoint);

// A subscription message starts with 1 (an unsubscription with 0).
let subscription: Uint8Array;
do [subscription = new Uint8Array()] = await publisher.receive(); while (
  subscription[0] !== 1
);

for (let n = 1; n <= args.count; n++) {
  await publisher.send(`${args.topic} message ${n}`);
}
console.log(`Published ${args.count} messages`);
publisher.close();
context.close(); // waits until the messages are sent
