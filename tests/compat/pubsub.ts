// Publish/subscribe with topics as zeromq.js v6 users write it: a Publisher
// sends [topic, payload] messages, Subscribers subscribe to topic prefixes.
// A subscriber joins late (ZeroMQ's slow joiner), so the publisher keeps
// publishing until every subscriber has what it wants. Only the import line
// differs between zmq-ffi's compat entry and zeromq.js itself.
import * as zmq from "../../compat.ts";

const publisher = new zmq.Publisher();
await publisher.bind("tcp://127.0.0.1:*");
const address = publisher.lastEndpoint!;

async function subscriber(name: string, ...topics: string[]) {
  const socket = new zmq.Subscriber();
  socket.connect(address);
  socket.subscribe(...topics);
  const seen = new Set<string>();
  let count = 0;
  for await (const [topic, payload] of socket) {
    seen.add(topic!.toString());
    if (!payload!.toString().startsWith(`${topic} `)) {
      throw new Error(`payload ${payload} does not match topic ${topic}`);
    }
    if (++count === 6) break;
  }
  socket.close();
  return `${name}: ${count} messages, topics ${[...seen].sort().join(",")}`;
}

let publishing = true;
const published = (async () => {
  const topics = ["weather", "sports", "news"];
  for (let round = 0; publishing; round++) {
    for (const topic of topics) {
      await publisher.send([topic, `${topic} update ${round}`]);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
})();

const results = await Promise.all([
  subscriber("weather", "weather"),
  subscriber("sports+news", "sports", "news"),
  subscriber("everything"),
]);
publishing = false;
await published;
publisher.close();
for (const line of results) console.log(line);
