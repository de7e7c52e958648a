// A majordomo-style service broker, written against zeromq.js v6's API the
// way its users write it: a Router broker, Dealer workers that register a
// service, and Request clients that ask for a service by name. Frames are
// Buffers, so headers are compared with toString(). Only the import line
// differs between zmq-ffi's compat entry and zeromq.js itself.
import * as zmq from "../../compat.ts";

const CLIENT = "MDPC01";
const WORKER = "MDPW01";
const READY = "\x01";
const REQUEST = "\x02";
const REPLY = "\x03";

class Broker {
  socket = new zmq.Router({ sendHighWaterMark: 1000 });
  waiting = new Map<string, zmq.Message[]>();
  queued = new Map<string, zmq.MessageLike[][]>();

  async start(): Promise<string> {
    await this.socket.bind("tcp://127.0.0.1:*");
    return this.socket.lastEndpoint!;
  }

  async run(): Promise<void> {
    for await (const [sender, blank, header, ...rest] of this.socket) {
      if (blank!.length !== 0) throw new Error("missing empty delimiter");
      switch (header!.toString()) {
        case CLIENT:
          await this.fromClient(sender!, rest);
          break;
        case WORKER:
          await this.fromWorker(sender!, rest);
          break;
        default:
          console.error(`invalid message header: ${header}`);
      }
    }
  }

  async fromClient(client: zmq.Message, [service, ...body]: zmq.Message[]) {
    const name = service!.toString();
    const worker = this.waiting.get(name)?.shift();
    const request = [client, null, ...body];
    if (worker === undefined) {
      const queue = this.queued.get(name) ?? [];
      queue.push(request);
      this.queued.set(name, queue);
    } else {
      await this.dispatch(worker, request);
    }
  }

  async fromWorker(worker: zmq.Message, [type, ...rest]: zmq.Message[]) {
    switch (type!.toString()) {
      case READY: {
        const service = rest[0]!.toString();
        console.log(`worker ${worker} ready for ${service}`);
        await this.ready(service, worker);
        break;
      }
      case REPLY: {
        const [client, blank, service, ...body] = rest;
        await this.socket.send([client!, blank!, CLIENT, service!, ...body]);
        await this.ready(service!.toString(), worker);
        break;
      }
    }
  }

  async ready(service: string, worker: zmq.Message) {
    const request = this.queued.get(service)?.shift();
    if (request !== undefined) {
      await this.dispatch(worker, request);
    } else {
      const waiting = this.waiting.get(service) ?? [];
      waiting.push(worker);
      this.waiting.set(service, waiting);
    }
  }

  async dispatch(worker: zmq.Message, request: zmq.MessageLike[]) {
    await this.socket.send([worker, "", WORKER, REQUEST, ...request]);
  }
}

class Worker {
  socket: zmq.Dealer;
  readonly service: string;
  readonly handle: (text: string) => string;

  constructor(
    service: string,
    id: string,
    handle: (text: string) => string,
  ) {
    this.service = service;
    this.handle = handle;
    this.socket = new zmq.Dealer({ routingId: id });
  }

  async run(address: string): Promise<void> {
    this.socket.connect(address);
    await this.socket.send([null, WORKER, READY, this.service]);
    for await (const [, header, type, client, , ...body] of this.socket) {
      if (header!.toString() !== WORKER || type!.toString() !== REQUEST) {
        console.error(`worker ${this.socket.routingId}: unexpected message`);
        continue;
      }
      const answer = body.map((frame) => this.handle(frame.toString()));
      await this.socket.send([
        null,
        WORKER,
        REPLY,
        client!,
        null,
        this.service,
        ...answer,
      ]);
    }
  }
}

async function client(address: string, name: string, service: string) {
  const socket = new zmq.Request({ receiveTimeout: 10000 });
  socket.connect(address);
  const answers: string[] = [];
  for (let i = 0; i < 3; i++) {
    await socket.send([CLIENT, service, `${name}-${i}`]);
    const [header, replied, ...body] = await socket.receive();
    if (header!.toString() !== CLIENT || replied!.toString() !== service) {
      throw new Error(`bad reply header ${header} ${replied}`);
    }
    answers.push(body.map((frame) => frame.toString()).join("+"));
  }
  socket.close();
  return `${name} (${service}): ${answers.join(" ")}`;
}

const broker = new Broker();
const address = await broker.start();
const brokerDone = broker.run();

const workers = [
  new Worker("echo", "echo-1", (text) => text),
  new Worker("upper", "upper-1", (text) => text.toUpperCase()),
  new Worker("upper", "upper-2", (text) => text.toUpperCase()),
];
const workersDone = workers.map((worker) => worker.run(address));

const results = await Promise.all([
  client(address, "alice", "echo"),
  client(address, "bob", "upper"),
  client(address, "carol", "upper"),
  client(address, "dave", "echo"),
]);
for (const line of results) console.log(line);

for (const worker of workers) worker.socket.close();
broker.socket.close();
await Promise.all([brokerDone, ...workersDone]);
console.log("done");
