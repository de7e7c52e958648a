// A queue device as zeromq.js v6 users build it: a Proxy between a Router
// front-end for Request clients and a Dealer back-end for Reply workers.
// zeromq.js closes the proxy's sockets once it terminated. Only the import
// line differs between zmq-ffi's compat entry and zeromq.js itself.
import * as zmq from "../../compat.ts";

const proxy = new zmq.Proxy(new zmq.Router(), new zmq.Dealer());
await proxy.frontEnd.bind("tcp://127.0.0.1:*");
await proxy.backEnd.bind("tcp://127.0.0.1:*");
const frontAddress = proxy.frontEnd.lastEndpoint!;
const backAddress = proxy.backEnd.lastEndpoint!;
const running = proxy.run();

let served = 0;

function worker() {
  const socket = new zmq.Reply();
  socket.connect(backAddress);
  const done = (async () => {
    // Ends quietly once the socket is closed.
    for await (const [request] of socket) {
      served++;
      await socket.send(request!.toString().split("").reverse().join(""));
    }
  })();
  return { socket, done };
}

async function client(words: string[]) {
  const socket = new zmq.Request();
  socket.connect(frontAddress);
  const replies: string[] = [];
  for (const word of words) {
    await socket.send(word);
    const [reply] = await socket.receive();
    replies.push(reply!.toString());
  }
  socket.close();
  return replies.join(" ");
}

const workers = [worker(), worker()];
const replies = await Promise.all([
  client(["stressed", "drawer", "reward"]),
  client(["live", "star", "gateman"]),
]);
for (const line of replies) console.log(line);
console.log(`workers served ${served} requests`);
for (const { socket } of workers) socket.close();
await Promise.all(workers.map(({ done }) => done));

proxy.terminate();
await running;
console.log(
  `proxy terminated; front-end closed: ${proxy.frontEnd.closed}, back-end closed: ${proxy.backEnd.closed}`,
);
