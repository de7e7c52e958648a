/**
 * Either side may bind: here the Request socket (the client) binds and the
 * Reply socket (the server) connects, the reverse of hwserver/hwclient. The
 * start order does not matter either: a connecting socket keeps retrying
 * until the other side is there.
 *
 *   deno task example inversion server [--connect tcp://localhost:5555] [--count N]
 *   deno task example inversion client [--bind tcp://*:5555] [--count 10]
 *
 * (`bun run example ...` works the same; start them in either order.)
 *
 * @module
 */
import process from "node:process";
import { context, Reply, Request } from "../mod.ts";
import { countFlag, parseArgs, program, usage } from "./_args.ts";

const inversion = program({
  name: "inversion",
  summary: "a binding Request client and a connecting Reply server",
  positionals: "client|server",
  flags: {
    bind: {
      kind: "list",
      description: "client: endpoint to listen on",
      default: ["tcp://*:5555"],
    },
    connect: {
      kind: "list",
      description: "server: client endpoint to connect to",
      default: ["tcp://localhost:5555"],
    },
    count: countFlag(
      "client: requests to send (default 10); server: stop after",
    ),
  },
});
const args = parseArgs(inversion);
const role = args.positionals[0];
const decoder = new TextDecoder();

if (role === "client") {
  const count = Number.isFinite(args.count) ? args.count : 10;
  const client = new Request();
  for (const endpoint of args.bind) await client.bind(endpoint);
  console.log(`Client bound to ${args.bind.join(", ")}`);
  for (let request = 0; request < count; request++) {
    console.log(`Sending request ${request} ...`);
    await client.send("Hello");
    const [reply] = await client.receive();
    console.log(`Received reply ${request} [ ${decoder.decode(reply)} ]`);
  }
  client.close();
} else if (role === "server") {
  // linger: the last reply may still be queued when the program ends.
  const server = new Reply({ linger: 1000 });
  for (const endpoint of args.connect) server.connect(endpoint);
  console.log(`Server connecting to ${args.connect.join(", ")}`);
  let answered = 0;
  for await (const [request] of server) {
    console.log(`Received request: ${decoder.decode(request)}`);
    await server.send("World");
    if (++answered >= args.count) break;
  }
  server.close();
  context.close(); // waits (up to linger) until the last reply is sent
} else {
  console.error(`inversion: say "client" or "server"\n\n${usage(inversion)}`);
  process.exit(2);
}
