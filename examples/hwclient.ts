/**
 * Hello World client (zguide "hwclient"): a Request socket sends "Hello" and
 * waits for the reply, ten times. Run it with hwserver.ts (either may start
 * first: the client connects as soon as the server is there).
 *
 *   deno task example hwclient [--connect tcp://localhost:5555] [--count 10]
 *   bun run example hwclient [--connect tcp://localhost:5555] [--count 10]
 *
 * @module
 */
import { Request } from "../mod.ts";
import { countFlag, parseArgs } from "./_args.ts";

const args = parseArgs({
  name: "hwclient",
  summary: 'sends "Hello" requests and prints the replies',
  flags: {
    connect: {
      kind: "list",
      description: "server endpoint (several: requests go round-robin)",
      default: ["tcp://localhost:5555"],
    },
    count: countFlag("how many requests to send", 10),
  },
});

console.log("Connecting to hello world server...");
const socket = new Request();
for (const endpoint of args.connect) socket.connect(endpoint);

for (let request = 0; request < args.count; request++) {
  console.log(`Sending request ${request} ...`);
  await socket.send("Hello");
  const [reply] = await socket.receive();
  console.log(
    `Received reply ${request} [ ${new TextDecoder().decode(reply)} ]`,
  );
}
socket.close();
