/**
 * Request-reply client (zguide "rrclient"): sends "Hello" requests to the
 * broker (rrbroker.ts), which passes them to a worker (rrworker.ts).
 *
 *   deno task example rrclient [--connect tcp://localhost:5559] [--count 10]
 *   bun run example rrclient [--connect tcp://localhost:5559] [--count 10]
 *
 * @module
 */
import { Request } from "../mod.ts";
import { countFlag, parseArgs } from "./_args.ts";

const args = parseArgs({
  name: "rrclient",
  summary: "sends requests through the broker",
  flags: {
    connect: {
      kind: "list",
      description: "broker endpoint",
      default: ["tcp://localhost:5559"],
    },
    count: countFlag("how many requests to send", 10),
  },
});

const requester = new Request();
for (const endpoint of args.connect) requester.connect(endpoint);
for (let request = 0; request < args.count; request++) {
  await requester.send("Hello");
  const [reply] = await requester.receive();
  console.log(
    `Received reply ${request} [ ${new TextDecoder().decode(reply)} ]`,
  );
}
requester.close();
