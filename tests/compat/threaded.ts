// Worker threads as zeromq.js v6 users write them: this file is both the
// main thread (a ventilator that pushes tasks and a sink that pulls results)
// and each node:worker_threads worker (pulls a task, pushes its result).
// Threads meet over tcp://, which works with every library. Only the zmq
// import line differs between zmq-ffi's compat entry and zeromq.js itself.
import { isMainThread, Worker, workerData } from "node:worker_threads";
import * as zmq from "../../compat.ts";

interface Addresses {
  tasks: string;
  results: string;
}

async function work({ tasks, results }: Addresses) {
  const pull = new zmq.Pull();
  const push = new zmq.Push();
  pull.connect(tasks);
  push.connect(results);
  for await (const [task] of pull) {
    const text = task!.toString();
    if (text === "END") break;
    const n = Number(text);
    await push.send(["result", String(n * n)]);
  }
  pull.close();
  push.close();
}

async function main() {
  const ventilator = new zmq.Push();
  const sink = new zmq.Pull();
  // Tasks and the END of each worker go round-robin to connected workers:
  // wait until both have completed their handshake with the ventilator.
  const connected = new Promise<void>((resolve) => {
    let handshakes = 0;
    const listener = () => {
      if (++handshakes < 2) return;
      ventilator.events.off("handshake", listener);
      resolve();
    };
    ventilator.events.on("handshake", listener);
  });
  await ventilator.bind("tcp://127.0.0.1:*");
  await sink.bind("tcp://127.0.0.1:*");
  const addresses: Addresses = {
    tasks: ventilator.lastEndpoint!,
    results: sink.lastEndpoint!,
  };
  const threads = [1, 2].map(() =>
    new Worker(new URL(import.meta.url), { workerData: addresses })
  );
  const exits = threads.map((thread) =>
    new Promise((resolve) => thread.on("exit", resolve))
  );

  await connected;
  console.log("both workers connected");
  const count = 20;
  for (let n = 1; n <= count; n++) await ventilator.send(String(n));
  let sum = 0;
  for (let received = 0; received < count; received++) {
    const [kind, value] = await sink.receive();
    if (kind!.toString() !== "result") throw new Error(`unexpected ${kind}`);
    sum += Number(value!.toString());
  }
  console.log(`sum of squares 1..${count}: ${sum}`);
  for (const _ of threads) await ventilator.send("END");
  console.log(`workers exited with ${(await Promise.all(exits)).join(",")}`);
  ventilator.close();
  sink.close();
}

if (isMainThread) await main();
else await work(workerData as Addresses);
