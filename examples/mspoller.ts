/**
 * Reading from several sockets at once with a Poller (zguide "mspoller"): a
 * Pull socket takes tasks from a ventilator (taskvent.ts) and a Subscriber
 * takes weather updates (wuserver.ts); the Poller says which one has
 * something to read.
 *
 *   deno task example mspoller [--tasks tcp://localhost:5557] [--weather tcp://localhost:5556] [--zipcode 10001] [--count N]
 *   bun run example mspoller [--tasks tcp://localhost:5557] [--weather tcp://localhost:5556] [--zipcode 10001] [--count N]
 *
 * @module
 */
import { Poller, Pull, Subscriber } from "../mod.ts";
import { countFlag, parseArgs } from "./_args.ts";

const args = parseArgs({
  name: "mspoller",
  summary: "reads tasks and weather updates with one Poller",
  flags: {
    tasks: {
      kind: "list",
      description: "ventilator endpoint",
      default: ["tcp://localhost:5557"],
    },
    weather: {
      kind: "list",
      description: "weather server endpoint",
      default: ["tcp://localhost:5556"],
    },
    zipcode: {
      kind: "string",
      description: "the zipcode of the weather updates",
      default: "10001",
    },
    count: countFlag("stop after this many messages in all"),
  },
});

const decoder = new TextDecoder();
const receiver = new Pull();
for (const endpoint of args.tasks) receiver.connect(endpoint);
const subscriber = new Subscriber();
for (const endpoint of args.weather) subscriber.connect(endpoint);
subscriber.subscribe(`${args.zipcode} `);

const poller = new Poller();
poller.add(receiver, "readable");
poller.add(subscriber, "readable");

let received = 0;
while (received < args.count) {
  for (const { target } of await poller.poll()) {
    if (received >= args.count) break;
    if (target === receiver) {
      const task = receiver.tryReceive();
      if (task) {
        console.log(`Received task: ${decoder.decode(task[0])}`);
        received++;
      }
    } else if (target === subscriber) {
      const update = subscriber.tryReceive();
      if (update) {
        console.log(`Received weather update: ${decoder.decode(update[0])}`);
        received++;
      }
    }
  }
}
poller.close();
receiver.close();
subscriber.close();
