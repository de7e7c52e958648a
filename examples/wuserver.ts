/**
 * Weather update server (zguide "wuserver"): a Publisher sends
 * "zipcode temperature humidity" updates with random values, as fast as it
 * can, to every subscriber. Run it with wuclient.ts or multisub.ts.
 *
 *   deno task example wuserver [--bind tcp://*:5556] [--zip-range 0-99999] [--count N]
 *   bun run example wuserver [--bind tcp://*:5556] [--zip-range 0-99999] [--count N]
 *
 * A narrow --zip-range (e.g. 10000-10009) makes the client's average come
 * quickly. Publishers never wait for subscribers: updates sent while nobody
 * subscribes are dropped, so a client sees the stream from when it joined.
 *
 * Over multicast (epgm://, PGM inside UDP; needs a libzmq with
 * capability.pgm), any number of clients receive the same stream without
 * the server knowing them. Quote the endpoint: ';' ends a shell command.
 * On a LAN, put your interface's IP address before ';'.
 *
 *   deno task example wuserver --bind "epgm://127.0.0.1;239.192.1.1:5556"
 *   deno task example wuclient --connect "epgm://127.0.0.1;239.192.1.1:5556"
 *
 * @module
 */
import process from "node:process";
import { Publisher } from "../mod.ts";
import { countFlag, parseArgs } from "./_args.ts";

const args = parseArgs({
  name: "wuserver",
  summary: "publishes random weather updates",
  flags: {
    bind: {
      kind: "list",
      description: "endpoint to publish on",
      default: ["tcp://*:5556", "ipc://weather.ipc"],
    },
    zipRange: {
      kind: "string",
      description: "zipcodes to draw from, FROM-TO",
      default: "0-99999",
    },
    count: countFlag("stop after this many updates"),
  },
});

const [low = NaN, high = NaN] = args.zipRange.split("-").map(Number);
if (!(low >= 0 && high >= low && high <= 99999)) {
  console.error(`wuserver: bad --zip-range "${args.zipRange}"`);
  process.exit(2);
}
const randomBelow = (limit: number) => Math.floor(Math.random() * limit);

const publisher = new Publisher();
for (const endpoint of args.bind) await publisher.bind(endpoint);

for (let sent = 0; sent < args.count; sent++) {
  const zipcode = low + randomBelow(high - low + 1);
  const temperature = randomBelow(215) - 80;
  const humidity = randomBelow(50) + 10;
  await publisher.send(
    `${String(zipcode).padStart(5, "0")} ${temperature} ${humidity}`,
  );
}
publisher.close();
