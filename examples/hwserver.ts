/**
 * Hello World server (zguide "hwserver"): a Reply socket answers "World" to
 * every request. Run it with hwclient.ts.
 *
 *   deno task example hwserver [--bind tcp://*:5555] [--count N]
 *   bun run example hwserver [--bind tcp://*:5555] [--count N]
 *
 * @module
 */
import { context, Reply } from "../mod.ts";
import { countFlag, parseArgs } from "./_args.ts";

const args = parseArgs({
  name: "hwserver",
  summary: 'answers "World" to each request',
  flags: {
    bind: {
      kind: "list",
      description: "endpoint to listen on",
      default: ["tcp://*:5555"],
    },
    count: countFlag("stop after answering this many requests"),
  },
});

// linger: the last reply may still be queued when the program ends.
const socket = new Reply({ linger: 1000 });
for (const endpoint of args.bind) await socket.bind(endpoint);

let answered = 0;
for await (const [request] of socket) {
  console.log(`Received request: ${new TextDecoder().decode(request)}`);
  await socket.send("World");
  if (++answered >= args.count) break;
}
socket.close();
context.close(); // waits (up to linger) until the last reply is sent
