/**
 * Request-reply broker (zguide "rrbroker" / "msgqueue"): a Proxy between a
 * Router socket for the clients (rrclient.ts) and a Dealer socket for the
 * workers (rrworker.ts). Clients and workers only know the broker, so either
 * side can grow or shrink without the other noticing.
 *
 *   deno task example rrbroker [--bind tcp://*:5559] [--workers tcp://*:5560]
 *   bun run example rrbroker [--bind tcp://*:5559] [--workers tcp://*:5560]
 *
 * It runs until interrupted (Ctrl-C), then stops the proxy and exits.
 *
 * @module
 */
import process from "node:process";
import { Dealer, Proxy, Router } from "../mod.ts";
import { parseArgs } from "./_args.ts";

const args = parseArgs({
  name: "rrbroker",
  summary: "shares clients' requests between workers",
  flags: {
    bind: {
      kind: "list",
      description: "endpoint the clients connect to",
      default: ["tcp://*:5559"],
    },
    workers: {
      kind: "list",
      description: "endpoint the workers connect to",
      default: ["tcp://*:5560"],
    },
  },
});

const proxy = new Proxy(new Router(), new Dealer());
for (const endpoint of args.bind) await proxy.frontEnd.bind(endpoint);
for (const endpoint of args.workers) await proxy.backEnd.bind(endpoint);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => proxy.terminate());
}
console.log(
  "Broker running: clients on " + args.bind.join(", ") +
    ", workers on " + args.workers.join(", "),
);
await proxy.run(); // until terminate()
console.log("Broker stopped");
proxy.frontEnd.close();
proxy.backEnd.close();
process.exit(0); // the signal listeners would keep the program alive
