/**
 * Lazy Pirate server (zguide "lpserver"): a Reply server that echoes each
 * request after some "work", and misbehaves on purpose so that lpclient.ts
 * has something to survive. As in the guide, after a few requests it may
 * crash or stall at random; --crash-after N makes it crash right after its
 * Nth reply instead.
 *
 *   deno task example lpserver [--bind tcp://*:5555] [--crash-after N] [--work 1000]
 *   bun run example lpserver [--bind tcp://*:5555] [--crash-after N] [--work 1000]
 *
 * @module
 */
import process from "node:process";
import { context, Reply } from "../mod.ts";
import { countFlag, parseArgs, sleep } from "./_args.ts";

const args = parseArgs({
  name: "lpserver",
  summary: "an unreliable echo server",
  flags: {
    bind: {
      kind: "list",
      description: "endpoint to listen on",
      default: ["tcp://*:5555"],
    },
    crashAfter: {
      kind: "number",
      description: "crash when the request after this many replies arrives",
      default: Infinity,
      shownDefault: "at random, as in the guide",
    },
    work: {
      kind: "number",
      description: "milliseconds of work per request",
      default: 1000,
    },
    count: countFlag("stop after answering this many requests"),
  },
});

const randomBelow = (limit: number) => Math.floor(Math.random() * limit);
const server = new Reply({ linger: 1000 });
for (const endpoint of args.bind) await server.bind(endpoint);

let cycles = 0;
for await (const [frame] of server) {
  const request = new TextDecoder().decode(frame);
  cycles++;
  const random = !Number.isFinite(args.crashAfter);
  // Simulate various problems, after a few cycles.
  if (random ? cycles > 3 && randomBelow(3) === 0 : cycles > args.crashAfter) {
    console.log("I: simulating a crash");
    process.exit(1); // no reply, no clean-up: as if the process died
  } else if (random && cycles > 3 && randomBelow(3) === 0) {
    console.log("I: simulating CPU overload");
    await sleep(2000);
  }
  console.log(`I: normal request (${request})`);
  await sleep(args.work); // do some heavy work
  await server.send(request);
  if (cycles >= args.count) break;
}
server.close();
context.close();
