/**
 * Lazy Pirate client (zguide "lpclient"): reliable request-reply on the
 * client side. It waits a limited time for each reply; when none comes, it
 * closes its Request socket (which is then stuck waiting for a reply that
 * will never come), opens a new one and sends the request again, a few times
 * before giving up. Run it with lpserver.ts, and restart the server when it
 * crashes: the client carries on.
 *
 *   deno task example lpclient [--connect tcp://localhost:5555] [--timeout 2500] [--retries 3] [--count N]
 *   bun run example lpclient [--connect tcp://localhost:5555] [--timeout 2500] [--retries 3] [--count N]
 *
 * @module
 */
import process from "node:process";
import { Request, ZmqError } from "../mod.ts";
import { countFlag, parseArgs } from "./_args.ts";

const args = parseArgs({
  name: "lpclient",
  summary: "a client that survives a crashing server",
  flags: {
    connect: {
      kind: "list",
      description: "server endpoint",
      default: ["tcp://localhost:5555"],
    },
    timeout: {
      kind: "number",
      description: "milliseconds to wait for each reply",
      default: 2500,
    },
    retries: {
      kind: "number",
      description: "attempts per request before abandoning",
      default: 3,
    },
    count: countFlag("stop after this many replies"),
  },
});

function connect(): Request {
  // linger 0: a request still queued when the socket closes is dropped.
  const socket = new Request({ receiveTimeout: args.timeout, linger: 0 });
  for (const endpoint of args.connect) socket.connect(endpoint);
  return socket;
}

console.log("I: connecting to server...");
let client = connect();
let abandoned = false;
for (let sequence = 1; sequence <= args.count && !abandoned; sequence++) {
  const request = String(sequence);
  await client.send(request);
  for (let retriesLeft = args.retries;;) {
    try {
      const [reply] = await client.receive();
      const text = new TextDecoder().decode(reply);
      if (text === request) {
        console.log(`I: server replied OK (${text})`);
        break;
      }
      console.log(`E: malformed reply from server: ${text}`);
    } catch (error) {
      if (!(error instanceof ZmqError && error.code === "EAGAIN")) throw error;
      if (--retriesLeft === 0) {
        console.log("E: server seems to be offline, abandoning");
        abandoned = true;
        break;
      }
      console.log("W: no response from server, retrying...");
      // The old socket is confused: close it and open a new one.
      client.close();
      console.log("I: reconnecting to server...");
      client = connect();
      await client.send(request);
    }
  }
}
client.close();
process.exitCode = abandoned ? 1 : 0;
