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
import { frameBytes, type MessageLike, utf8 } from "./boundary.ts";
import { capability } from "./capability.ts";
import { encodeEndpoint } from "./endpoint.ts";
import { retryOnSignal, ZmqError } from "./errors.ts";
import { backend, zmq } from "./native.ts";
import {
  asyncIterator,
  type OperationOptions,
  stepUntilClosed,
} from "./pending.ts";
import { type Received, sealed, Socket, socketInternals } from "./socket.ts";
import type { MessageMetadata } from "./socket_io.ts";
import {
  defineOptions,
  DuplexSocket,
  ReadableSocket,
  type SocketOptions,
  WritableSocket,
} from "./sockets.ts";
import type { SocketOptionsOf, SocketTypeName } from "./options.ts";

function requireDraft(name: string): void {
  if (!capability.draft) {
    throw new ZmqError(
      "ENOTSUP",
      `The ${name} socket type needs a libzmq built with the draft API (capability.draft is false). ` +
        "Build libzmq with -DENABLE_DRAFTS=ON (see .ci/build-draft-libzmq.sh) and point ZMQ_LIBRARY_PATH at it.",
      { operation: "create socket" },
    );
  }
}

// Groups are C strings of at most ZMQ_GROUP_MAX_LENGTH (255) bytes.
function checkGroup(group: unknown): string {
  if (typeof group !== "string") {
    throw new TypeError(`group must be a string, got ${typeof group}`);
  }
  if (group.includes("\0")) {
    throw new RangeError("group must not contain NUL");
  }
  const length = utf8(group, "group").length;
  if (length === 0 || length > 255) {
    throw new RangeError(`group must be 1 to 255 bytes, got ${length}`);
  }
  return group;
}

function groupName(group: unknown): Uint8Array {
  return utf8(checkGroup(group) + "\0", "group");
}

function checkRoutingId(operation: string, options: unknown): number {
  const routingId = (options as { routingId?: unknown } | undefined)
    ?.routingId;
  if (typeof routingId !== "number") {
    throw new TypeError(
      `${operation} needs { routingId }: the number a received message carried or Peer.connect returned, got ${typeof routingId}`,
    );
  }
  if (
    !Number.isInteger(routingId) || routingId < 1 || routingId > 0xffffffff
  ) {
    throw new RangeError(
      `routingId must be an integer from 1 to 4294967295, got ${routingId}`,
    );
  }
  return routingId;
}

const readRoutingId = (msg: BigUint64Array): MessageMetadata => ({
  routingId: zmq().zmq_msg_routing_id!(msg),
});

const readGroup = (msg: BigUint64Array): MessageMetadata => ({
  group: backend.readCString(zmq().zmq_msg_group!(msg)),
});

// The async iterator of a socket whose receive() gives T.
function iterate<T>(
  socket: Socket,
  receive: () => Promise<T>,
): AsyncIterableIterator<T> {
  return asyncIterator(() => stepUntilClosed(receive, () => socket.closed));
}

// A single-frame draft message as received: [frame, metadata].
function withMetadata<M extends MessageMetadata>(
  received: Received,
): [Uint8Array, M] {
  const [frame, metadata] = received;
  if (!(frame instanceof Uint8Array) || metadata instanceof Uint8Array) {
    throw new Error("zmq-ffi: a draft socket received no metadata");
  }
  return [frame, (metadata ?? {}) as M];
}

/** The peer a {@link Server} or {@link Peer} message came from or goes to. */
export interface RoutingOptions {
  /** The peer's routing id: a non-zero 32-bit unsigned integer chosen by libzmq. */
  routingId: number;
}

/** Options of `send` on a {@link Server} or {@link Peer}: the peer, and an optional abort signal. */
export interface RoutedSendOptions extends RoutingOptions, OperationOptions {}

/** A message received by a {@link Server} or {@link Peer}: its one frame and who sent it. */
export type RoutedMessage = [message: Uint8Array, options: RoutingOptions];

/** The group a {@link Dish} message was published to. */
export interface GroupOptions {
  /** The group name (1-255 bytes of UTF-8). */
  group: string;
}

/** Options of {@link Radio.send}: the group, and an optional abort signal. */
export interface GroupSendOptions extends GroupOptions, OperationOptions {}

/** A message received by a {@link Dish}: its one frame and its group. */
export type GroupMessage = [message: Uint8Array, options: GroupOptions];

/**
 * The base of {@link Server} and {@link Peer}: single-frame messages, each
 * received with the routing id of its sender and sent to a routing id.
 *
 * @example
 * ```ts
 * import { capability } from "@zmq-ffi/zmq";
 * import { type RoutingSocket, Server } from "@zmq-ffi/zmq/draft";
 * async function echo(socket: RoutingSocket) {
 *   for await (const [message, { routingId }] of socket) {
 *     await socket.send(message, { routingId });
 *   }
 * }
 * if (capability.draft) {
 *   const server = new Server();
 *   await server.bind("tcp://127.0.0.1:*");
 *   echo(server); // ends when the socket is closed
 *   server.close();
 * }
 * ```
 */
export abstract class RoutingSocket extends Socket {
  /**
   * Sends a single-frame message to the peer with `routingId`, waiting
   * without blocking the event loop while its queue is full (up to
   * `sendTimeout`). Rejects with EHOSTUNREACH when no such peer is connected.
   */
  send(message: MessageLike, options: RoutedSendOptions): Promise<void> {
    try {
      const routingId = checkRoutingId(
        `${this.constructor.name}.send`,
        options,
      );
      return this.sendMessage(message, options, { routingId });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Sends a message to `routingId` if it can be queued now; false (nothing sent) if it would wait. */
  trySend(message: MessageLike, options: RoutingOptions): boolean {
    const routingId = checkRoutingId(
      `${this.constructor.name}.trySend`,
      options,
    );
    return this.trySendMessage(message, { routingId });
  }

  /** Sends a message to `routingId`, blocking the thread up to `sendTimeout`. */
  sendSync(message: MessageLike, options: RoutingOptions): void {
    const routingId = checkRoutingId(
      `${this.constructor.name}.sendSync`,
      options,
    );
    this.sendMessageSync(message, { routingId });
  }

  /**
   * Receives the next message as `[frame, { routingId }]`, waiting without
   * blocking the event loop (up to `receiveTimeout`).
   */
  receive(options?: OperationOptions): Promise<RoutedMessage> {
    return this.receiveMessage(options).then(withMetadata<RoutingOptions>);
  }

  /** Receives a message if one is queued now; null otherwise. */
  tryReceive(): RoutedMessage | null {
    const received = this.tryReceiveMessage();
    return received === null ? null : withMetadata<RoutingOptions>(received);
  }

  /** Receives a message, blocking the thread up to `receiveTimeout`. */
  receiveSync(): RoutedMessage {
    return withMetadata<RoutingOptions>(this.receiveMessageSync());
  }

  /** Iterates over incoming messages; ends quietly when the socket is closed. */
  [Symbol.asyncIterator](): AsyncIterableIterator<RoutedMessage> {
    return iterate(this, () => this.receive());
  }
}

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

/** A datagram to send: the destination `"ip:port"` (IPv4) and the payload. */
export type DatagramMessage = readonly [
  address: string | Uint8Array,
  payload: MessageLike,
];

const ipv4Address = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3}):(\d{1,5})$/;

// libzmq silently drops a datagram whose address it cannot parse: refuse it.
function datagramFrames(message: unknown): [Uint8Array, Uint8Array] {
  if (!Array.isArray(message) || message.length !== 2) {
    throw new TypeError(
      'Datagram messages are [address, payload] with the address as "ip:port"',
    );
  }
  const address = frameBytes(message[0], 0);
  const text = new TextDecoder().decode(address);
  const parts = ipv4Address.exec(text);
  if (
    parts === null || parts.slice(1, 5).some((part) => Number(part) > 255) ||
    Number(parts[5]) < 1 || Number(parts[5]) > 65535
  ) {
    throw new TypeError(
      `Datagram address must be an IPv4 "ip:port" such as "127.0.0.1:5555", got ${
        JSON.stringify(text)
      }`,
    );
  }
  return [address, frameBytes(message[1], 1)];
}

// libzmq 4.3 puts the address in the frame as a C string: drop its NUL.
// (Datagram is multipart: its messages carry no metadata.)
function withoutNul(received: Received): Uint8Array[] {
  const message = received as Uint8Array[];
  const address = message[0];
  if (address?.[address.length - 1] === 0) {
    message[0] = address.subarray(0, address.length - 1);
  }
  return message;
}

/**
 * ZMQ_DGRAM (draft): raw UDP datagrams. Each message is `[address, payload]`:
 * received ones name the sender as `"ip:port"`, sent ones the destination.
 * libzmq 4.3 only binds these sockets (connect is ENOCOMPATPROTO): bind an
 * IPv4 `udp://ip:port` first; the socket receives there and sends from there.
 * Not thread-safe (it has a ZMQ_FD like the classic types).
 *
 * @example
 * ```ts
 * import { capability } from "@zmq-ffi/zmq";
 * import { Datagram } from "@zmq-ffi/zmq/draft";
 * if (capability.draft) {
 *   const dgram = new Datagram();
 *   await dgram.bind("udp://127.0.0.1:5558");
 *   await dgram.send(["127.0.0.1:5559", "hello"]);
 *   // const [from, payload] = await dgram.receive();
 *   dgram.close();
 * }
 * ```
 */
export class Datagram extends DuplexSocket {
  #bound = false;

  /** Creates a Datagram socket; throws ZmqError ENOTSUP without capability.draft. */
  constructor(options: SocketOptions<"dgram"> = {}) {
    requireDraft("Datagram");
    super("dgram", SocketType.DGRAM, options);
    sealed(this, new.target, Datagram);
  }

  /** Binds to an IPv4 `udp://ip:port` to receive there and send from there. */
  override bindSync(endpoint: string): void {
    super.bindSync(endpoint);
    this.#bound = true;
  }

  /** Stops using the bound address; sending then needs a new bind. */
  override unbindSync(endpoint: string): void {
    super.unbindSync(endpoint);
    this.#bound = false;
  }

  // libzmq 4.3 fails a send without a bound address with a stale errno, so a
  // blocking send could wait forever: refuse it.
  #frames(message: unknown): Uint8Array[] {
    const frames = datagramFrames(message);
    if (!this.#bound && !this.closed) {
      throw new ZmqError(
        "ENOTCONN",
        'Datagram sockets must bind (e.g. "udp://127.0.0.1:5558") before they can send',
        { operation: "send" },
      );
    }
    return frames;
  }

  /** Sends `[address, payload]` to the IPv4 `"ip:port"` address, waiting while the queue is full. */
  override send(
    message: DatagramMessage,
    options?: OperationOptions,
  ): Promise<void> {
    try {
      return this.sendMessage(this.#frames(message), options);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Sends `[address, payload]` if it can be queued now; false otherwise. */
  override trySend(message: DatagramMessage): boolean {
    return this.trySendMessage(this.#frames(message));
  }

  /** Sends `[address, payload]`, blocking the thread up to `sendTimeout`. */
  override sendSync(message: DatagramMessage): void {
    this.sendMessageSync(this.#frames(message));
  }

  /** Receives the next datagram as `[address, payload]`, the address as `"ip:port"` bytes. */
  override receive(options?: OperationOptions): Promise<Uint8Array[]> {
    return this.receiveMessage(options).then(withoutNul);
  }

  /** Receives a datagram if one is queued now; null otherwise. */
  override tryReceive(): Uint8Array[] | null {
    const message = this.tryReceiveMessage();
    return message === null ? null : withoutNul(message);
  }

  /** Receives a datagram, blocking the thread up to `receiveTimeout`. */
  override receiveSync(): Uint8Array[] {
    return withoutNul(this.receiveMessageSync());
  }

  /** Iterates over incoming datagrams; ends quietly when the socket is closed. */
  override [Symbol.asyncIterator](): AsyncIterableIterator<Uint8Array[]> {
    return iterate(this, () => this.receive());
  }
}
/** The options of a {@link Datagram} socket as typed properties. */
export interface Datagram extends SocketOptionsOf<"dgram"> {}

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
  [Datagram, "dgram"],
  [Peer, "peer"],
  [Channel, "channel"],
];
for (const [socketClass, kind] of draftClasses) {
  defineOptions(socketClass, kind);
}
