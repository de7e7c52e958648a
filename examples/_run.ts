/**
 * Runs an example by name: `deno task example hwserver --count 3` or
 * `bun run example hwserver --count 3`. Without a name it lists them.
 *
 * @module
 */
import process from "node:process";

/** Every example, with what it shows (the README's table says the same). */
export const examples: Record<string, string> = {
  demo: "the parallel pipeline in one program (npm run demo)",
  hwserver: 'Reply server: answers "World" to each "Hello"',
  hwclient: "Request client: sends 10 requests and prints the replies",
  wuserver: "Publisher: random weather updates",
  wuclient: "Subscriber: averages one zipcode's temperature",
  taskvent: "pipeline ventilator: a batch of tasks to the workers",
  taskwork: "pipeline worker: does tasks, reports to the sink",
  tasksink: "pipeline sink: collects the results, times the batch",
  forwarder: "Subscriber + Poller + Push: forwards messages, topic removed",
  forwarder_pub: "the forwarder's producer (waits for its subscription)",
  forwarder_pull: "the forwarder's consumer",
  multisub: "one Subscriber connected to several publishers",
  multipull: "one Pull connected to several pushers",
  inversion: "the Request side binds, the Reply side connects",
  multipart: "multipart messages, dumped frame by frame",
  mspoller: "one Poller over a Pull and a Subscriber",
  rrbroker: "Proxy between a Router (clients) and a Dealer (workers)",
  rrclient: "Request client of the broker",
  rrworker: "Reply worker behind the broker",
  lpserver: "Lazy Pirate server: crashes and stalls on purpose",
  lpclient: "Lazy Pirate client: timeouts, reconnects and retries",
  syncpub: "synchronized publisher: waits for its subscribers",
  syncsub: "synchronized subscriber: receives every update",
};

const name = process.argv[2];
if (name === undefined || !(name in examples)) {
  if (name !== undefined) console.error(`No example named "${name}".\n`);
  console.log("usage: deno task example NAME [options]");
  console.log("       bun run example NAME [options]\n");
  const width = Math.max(...Object.keys(examples).map((key) => key.length));
  for (const [key, summary] of Object.entries(examples)) {
    console.log(`  ${key.padEnd(width)}  ${summary}`);
  }
  console.log("\nEach takes --help.");
  if (name !== undefined) process.exit(2);
} else {
  // The example reads its options from process.argv: drop the name.
  process.argv.splice(2, 1);
  await import(`./${name}.ts`);
}
