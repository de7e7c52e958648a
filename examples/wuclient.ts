/**
 * Weather update client (zguide "wuclient"): a Subscriber takes the updates
 * of one zipcode from wuserver.ts and prints their average temperature.
 *
 *   deno task example wuclient [--connect tcp://localhost:5556] [--zipcode 10001] [--count 100]
 *   bun run example wuclient [--connect tcp://localhost:5556] [--zipcode 10001] [--count 100]
 *
 * Over multicast, with the server publishing on the same group (see
 * wuserver.ts); start as many clients as you like:
 *
 *   deno task example wuclient --connect "epgm://127.0.0.1;239.192.1.1:5556"
 *
 * @module
 */
import { Subscriber } from "../mod.ts";
import { countFlag, parseArgs } from "./_args.ts";

const args = parseArgs({
  name: "wuclient",
  summary: "averages the temperature of one zipcode's weather updates",
  flags: {
    connect: {
      kind: "list",
      description: "weather server endpoint",
      default: ["tcp://localhost:5556"],
    },
    zipcode: {
      kind: "string",
      description: "the zipcode to subscribe to",
      default: "10001",
    },
    count: countFlag("how many updates to average", 100),
  },
});

console.log("Collecting updates from weather server...");
const subscriber = new Subscriber();
for (const endpoint of args.connect) subscriber.connect(endpoint);
// Updates start with the zipcode: subscribing to "10001 " filters on it.
subscriber.subscribe(`${args.zipcode} `);

let total = 0;
let updates = 0;
for await (const [update] of subscriber) {
  const [, temperature] = new TextDecoder().decode(update).split(" ");
  total += Number(temperature);
  if (++updates >= args.count) break;
}
console.log(
  `Average temperature for zipcode '${args.zipcode}' was ${
    Math.trunc(total / updates)
  }F`,
);
subscriber.close();
