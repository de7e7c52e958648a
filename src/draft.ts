/**
 * The draft socket classes. Each checks `capability.draft` before touching
 * libzmq, so a non-draft build gives a clear error instead of EINVAL.
 *
 * All of them but Datagram are thread-safe in libzmq and carry one frame per
 * message: a multipart send throws a TypeError. They have no ZMQ_FD; the
 * socket core waits on them through a zmq_poller's fd instead.
 *
 * @module
 */
import { SocketType } from "../ffi/constants.ts";
import type { MessageLike } from "./boundary.ts";
import {
  checkGroup,
  type GroupMessage,
  groupName,
  type GroupOptions,
  type GroupSendOptions,
  iterate,
  readGroup,
  readRoutingId,
  requireDraft,
  RoutingSocket,
  withMetadata,
} from "./draft_bases.ts";
import { encodeEndpoint } from "./endpoint.ts";
import { retryOnSignal, ZmqError } from "./errors.ts";
import { zmq } from "./native.ts";
import type { OperationOptions } from "./pending.ts";
import { sealed, Socket, socketInternals } from "./socket.ts";
import {
  defineOptions,
  DuplexSocket,
  ReadableSocket,
  type SocketOptions,
  WritableSocket,
} from "./socket_bases.ts";
import type { SocketOptionsOf, SocketTypeName } from "./options.ts";

export {
  type GroupMessage,
  type GroupOptions,
  type GroupSendOptions,
  type RoutedMessage,
  type RoutedSendOptions,
  type RoutingOptions,
  RoutingSocket,
} from "./draft_bases.ts";
export { Datagram, type DatagramMessage } from "./datagram.ts";

/**
 * ZMQ_SERVER (draft): talks to many {@link Client} sockets. Each received
 * message carries the routing id of its client; replies are sent to it.
 * Thread-safe, single-frame messages only.
 *
 * @example
 * ```ts
 * import { capability } from "@zmq-ffi/zmq";
 * import { Client, Server } from "@zmq-ffi/zmq/draft";
 * if (capability.draft) {
 *   const server = new Server();
 *   await server.bind("tcp://127.0.0.1:*");
 *   const client = new Client();
 *   client.connect(server.lastEndpoint);
 *   await client.send("ping");
 *   const [request, { routingId }] = await server.receive();
 *   await server.send("pong", { routingId });
 *   const [reply] = await client.receive();
 *   client.close();
 *   server.close();
 * }
 * ```
 */
export class Server extends RoutingSocket {
  /** Creates a Server socket; throws ZmqError ENOTSUP without capability.draft. */
  constructor(options: SocketOptions<"server"> = {}) {
    requireDraft("Server");
    super("server", SocketType.SERVER, options);
    socketInternals(this).singleFrame(readRoutingId);
    sealed(this, new.target, Server);
  }
}
/** The options of a {@link Server} socket as typed properties. */
export interface Server extends SocketOptionsOf<"server"> {}

/**
 * ZMQ_CLIENT (draft): talks to {@link Server} sockets, sending round-robin
 * and receiving fairly. Thread-safe, single-frame messages only.
 *
 * @example
 * ```ts
 * import { capability } from "@zmq-ffi/zmq";
 * import { Client } from "@zmq-ffi/zmq/draft";
 * if (capability.draft) {
 *   const client = new Client({ receiveTimeout: 1000 });
 *   client.connect("tcp://127.0.0.1:5555");
 *   await client.send("ping");
 *   client.close();
 * }
 * ```
 */
export class Client extends DuplexSocket {
  /** Creates a Client socket; throws ZmqError ENOTSUP without capability.draft. */
  constructor(options: SocketOptions<"client"> = {}) {
    requireDraft("Client");
    super("client", SocketType.CLIENT, options);
    socketInternals(this).singleFrame(null);
    sealed(this, new.target, Client);
  }
}
/** The options of a {@link Client} socket as typed properties. */
export interface Client extends SocketOptionsOf<"client"> {}

/**
 * ZMQ_RADIO (draft): publishes each message to a group; the {@link Dish}
 * sockets that joined it receive it. Over udp it connects to a Dish's
 * address; over tcp, ipc and inproc it works like a Publisher. Messages to a
 * Dish that is too slow are dropped. Thread-safe, single-frame messages only.
 *
 * @example
 * ```ts
 * import { capability } from "@zmq-ffi/zmq";
 * import { Radio } from "@zmq-ffi/zmq/draft";
 * if (capability.draft) {
 *   const radio = new Radio();
 *   radio.connect("udp://127.0.0.1:5556");
 *   await radio.send("22 degrees", { group: "weather" });
 *   radio.close();
 * }
 * ```
 */
export class Radio extends Socket {
  /** Creates a Radio socket; throws ZmqError ENOTSUP without capability.draft. */
  constructor(options: SocketOptions<"radio"> = {}) {
    requireDraft("Radio");
    super("radio", SocketType.RADIO, options);
    socketInternals(this).singleFrame(null);
    sealed(this, new.target, Radio);
  }

  /** Publishes a single-frame message to `group` (1-255 bytes). */
  send(message: MessageLike, options: GroupSendOptions): Promise<void> {
    try {
      const group = checkGroup(options?.group);
      return this.sendMessage(message, options, { group });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Publishes a message to `group` if it can be queued now; false otherwise. */
  trySend(message: MessageLike, options: GroupOptions): boolean {
    return this.trySendMessage(message, { group: checkGroup(options?.group) });
  }

  /** Publishes a message to `group`, blocking the thread up to `sendTimeout`. */
  sendSync(message: MessageLike, options: GroupOptions): void {
    this.sendMessageSync(message, { group: checkGroup(options?.group) });
  }
}
/** The options of a {@link Radio} socket as typed properties. */
export interface Radio extends SocketOptionsOf<"radio"> {}

/**
 * ZMQ_DISH (draft): receives the messages a {@link Radio} publishes to the
 * groups it joined, each with its group. Over udp it binds the address the
 * Radio sends to. Thread-safe, single-frame messages only.
 *
 * @example
 * ```ts
 * import { capability } from "@zmq-ffi/zmq";
 * import { Dish } from "@zmq-ffi/zmq/draft";
 * if (capability.draft) {
 *   const dish = new Dish();
 *   await dish.bind("udp://127.0.0.1:5556");
 *   dish.join("weather", "traffic");
 *   // for await (const [message, { group }] of dish) console.log(group);
 *   dish.close();
 * }
 * ```
 */
export class Dish extends Socket {
  /** Creates a Dish socket; throws ZmqError ENOTSUP without capability.draft. */
  constructor(options: SocketOptions<"dish"> = {}) {
    requireDraft("Dish");
    super("dish", SocketType.DISH, options);
    socketInternals(this).singleFrame(readGroup);
    sealed(this, new.target, Dish);
  }

  /** Joins groups (1-255 bytes each); joining a group twice throws EINVAL. */
  join(...groups: string[]): void {
    const names = groups.map(groupName);
    for (const name of names) {
      if (zmq().zmq_join!(socketInternals(this).handle("join"), name) !== 0) {
        throw socketInternals(this).error("join");
      }
    }
  }

  /** Leaves groups joined before; leaving a group not joined throws EINVAL. */
  leave(...groups: string[]): void {
    const names = groups.map(groupName);
    for (const name of names) {
      if (zmq().zmq_leave!(socketInternals(this).handle("leave"), name) !== 0) {
        throw socketInternals(this).error("leave");
      }
    }
  }

  /**
   * Receives the next message as `[frame, { group }]`, waiting without
   * blocking the event loop (up to `receiveTimeout`).
   */
  receive(options?: OperationOptions): Promise<GroupMessage> {
    return this.receiveMessage(options).then(withMetadata<GroupOptions>);
  }

  /** Receives a message if one is queued now; null otherwise. */
  tryReceive(): GroupMessage | null {
    const received = this.tryReceiveMessage();
    return received === null ? null : withMetadata<GroupOptions>(received);
  }

  /** Receives a message, blocking the thread up to `receiveTimeout`. */
  receiveSync(): GroupMessage {
    return withMetadata<GroupOptions>(this.receiveMessageSync());
  }

  /** Iterates over incoming messages; ends quietly when the socket is closed. */
  [Symbol.asyncIterator](): AsyncIterableIterator<GroupMessage> {
    return iterate(this, () => this.receive());
  }
}
/** The options of a {@link Dish} socket as typed properties. */
export interface Dish extends SocketOptionsOf<"dish"> {}

/**
 * ZMQ_GATHER (draft): receives fairly from {@link Scatter} sockets, like a
 * thread-safe Pull. Single-frame messages only.
 *
 * @example
 * ```ts
 * import { capability } from "@zmq-ffi/zmq";
 * import { Gather } from "@zmq-ffi/zmq/draft";
 * if (capability.draft) {
 *   const gather = new Gather();
 *   await gather.bind("tcp://127.0.0.1:*");
 *   // for await (const [job] of gather) console.log(job.length);
 *   gather.close();
 * }
 * ```
 */
export class Gather extends ReadableSocket {
  /** Creates a Gather socket; throws ZmqError ENOTSUP without capability.draft. */
  constructor(options: SocketOptions<"gather"> = {}) {
    requireDraft("Gather");
    super("gather", SocketType.GATHER, options);
    socketInternals(this).singleFrame(null);
    sealed(this, new.target, Gather);
  }
}
/** The options of a {@link Gather} socket as typed properties. */
export interface Gather extends SocketOptionsOf<"gather"> {}

/**
 * ZMQ_SCATTER (draft): sends round-robin to {@link Gather} sockets, like a
 * thread-safe Push. Single-frame messages only.
 *
 * @example
 * ```ts
 * import { capability } from "@zmq-ffi/zmq";
 * import { Scatter } from "@zmq-ffi/zmq/draft";
 * if (capability.draft) {
 *   const scatter = new Scatter();
 *   scatter.connect("tcp://127.0.0.1:5557");
 *   await scatter.send("job 1");
 *   scatter.close();
 * }
 * ```
 */
export class Scatter extends WritableSocket {
  /** Creates a Scatter socket; throws ZmqError ENOTSUP without capability.draft. */
  constructor(options: SocketOptions<"scatter"> = {}) {
    requireDraft("Scatter");
    super("scatter", SocketType.SCATTER, options);
    socketInternals(this).singleFrame(null);
    sealed(this, new.target, Scatter);
  }
}
/** The options of a {@link Scatter} socket as typed properties. */
export interface Scatter extends SocketOptionsOf<"scatter"> {}

/**
 * ZMQ_PEER (draft): talks to other Peer sockets, each addressed by routing
 * id. {@link Peer.connect} returns the routing id of the peer it connects to,
 * so the connecting side can send first; the other side learns it from the
 * first message received. Thread-safe, single-frame messages only.
 *
 * @example
 * ```ts
 * import { capability } from "@zmq-ffi/zmq";
 * import { Peer } from "@zmq-ffi/zmq/draft";
 * if (capability.draft) {
 *   const alice = new Peer();
 *   await alice.bind("tcp://127.0.0.1:*");
 *   const bob = new Peer();
 *   const aliceId = bob.connect(alice.lastEndpoint);
 *   await bob.send("hi alice", { routingId: aliceId });
 *   const [greeting, { routingId: bobId }] = await alice.receive();
 *   await alice.send("hi bob", { routingId: bobId });
 *   bob.close();
 *   alice.close();
 * }
 * ```
 */
export class Peer extends RoutingSocket {
  /** Creates a Peer socket; throws ZmqError ENOTSUP without capability.draft. */
  constructor(options: SocketOptions<"peer"> = {}) {
    requireDraft("Peer");
    super("peer", SocketType.PEER, options);
    socketInternals(this).singleFrame(readRoutingId);
    sealed(this, new.target, Peer);
  }

  /**
   * Connects to an endpoint (zmq_connect_peer) and returns the routing id of
   * the peer there, to send to at once; libzmq connects in the background
   * and queues messages meanwhile. Not available with `immediate` set.
   */
  override connect(endpoint: string): number {
    const address = encodeEndpoint("connect", endpoint, this.constructor.name);
    const internals = socketInternals(this);
    const handle = internals.handle("connect");
    const routingId = retryOnSignal(
      () => zmq().zmq_connect_peer!(handle, address),
      (id) => id === 0,
    );
    if (routingId === 0) {
      const error = internals.error("connect", endpoint);
      if (error.code === "EFAULT") {
        throw new ZmqError(
          "EFAULT",
          "Peer.connect cannot return a routing id while the immediate option is set: leave immediate false",
          { operation: "connect", endpoint },
        );
      }
      throw error;
    }
    return routingId;
  }
}
/** The options of a {@link Peer} socket as typed properties. */
export interface Peer extends SocketOptionsOf<"peer"> {}

/**
 * ZMQ_CHANNEL (draft): an exclusive connection to one other Channel, like a
 * thread-safe Pair, meant for inproc. Single-frame messages only.
 *
 * @example
 * ```ts
 * import { capability } from "@zmq-ffi/zmq";
 * import { Channel } from "@zmq-ffi/zmq/draft";
 * if (capability.draft) {
 *   const a = new Channel();
 *   const b = new Channel();
 *   a.bindSync("inproc://channel-example");
 *   b.connect("inproc://channel-example");
 *   await a.send("ping");
 *   const [ping] = await b.receive();
 *   a.close();
 *   b.close();
 * }
 * ```
 */
export class Channel extends DuplexSocket {
  /** Creates a Channel socket; throws ZmqError ENOTSUP without capability.draft. */
  constructor(options: SocketOptions<"channel"> = {}) {
    requireDraft("Channel");
    super("channel", SocketType.CHANNEL, options);
    socketInternals(this).singleFrame(null);
    sealed(this, new.target, Channel);
  }
}
/** The options of a {@link Channel} socket as typed properties. */
export interface Channel extends SocketOptionsOf<"channel"> {}

const draftClasses: [Parameters<typeof defineOptions>[0], SocketTypeName][] = [
  [Server, "server"],
  [Client, "client"],
  [Radio, "radio"],
  [Dish, "dish"],
  [Gather, "gather"],
  [Scatter, "scatter"],
  [Peer, "peer"],
  [Channel, "channel"],
];
for (const [socketClass, kind] of draftClasses) {
  defineOptions(socketClass, kind);
}
