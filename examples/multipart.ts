/**
 * Multipart messages: a message is an array of frames that travel together
 * (all or none). A Push sends a three-frame message over inproc, a Pull
 * receives it, and each frame is printed as the zguide's s_dump does:
 * "[size] content".
 *
 *   deno task example multipart [--count 1]
 *   bun run example multipart [--count 1]
 *
 * @module
 */
import { Pull, Push } from "../mod.ts";
import { countFlag, parseArgs } from "./_args.ts";

const args = parseArgs({
  name: "multipart",
  summary: "sends and dumps multipart messages",
  flags: { count: countFlag("how many messages to send", 1) },
});

const pull = new Pull();
await pull.bind("inproc://multipart");
const push = new Push();
push.connect("inproc://multipart");

for (let n = 1; n <= args.count; n++) {
  // Strings and bytes mix freely; an empty frame is a frame too.
  await push.send([`message ${n}`, new Uint8Array(0), "the body"]);
  const frames = await pull.receive();
  console.log("----------------------------------------");
  for (const frame of frames) {
    const size = String(frame.length).padStart(3, "0");
    console.log(`[${size}] ${new TextDecoder().decode(frame)}`);
  }
}
push.close();
pull.close();
