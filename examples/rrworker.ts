/**
 * Request-reply worker (zguide "rrworker"): answers "World" to the requests
 * the broker (rrbroker.ts) passes it. Start several: the broker shares the
 * requests between them.
 *
 *   deno task example rrworker [--connect tcp://localhost:5560] [--count N]
 *   bun run example rrworker [--connect tcp://localhost:5560] [--count N]
 *
 * @module
 */
import { context, Reply } from "../mod.ts";
import { countFlag, parseArgs } from "./_args.ts";

const args = parseArgs({
  name: "rrworker",
  summary: "answers the requests the broker passes it",
  flags: {
    connect: {
      kind: "list",
      description: "broker endpoint",
      default: ["tcp://localhost:5560"],
    },
    count: countFlag("stop after answering this many requests"),
  },
});

// linger: the last reply may still be queued when the program ends.
const responder = new Reply({ linger: 1000 });
for (const endpoint of args.connect) responder.connect(endpoint);
let answered = 0;
for await (const [request] of responder) {
  console.log(`Received request: [ ${new TextDecoder().decode(request)} ]`);
  await responder.send("World");
  if (++answered >= args.count) break;
}
responder.close();
context.close(); // waits (up to linger) until the last reply is sent
