/**
 * zeromq.js's `zeromq/draft` socket classes (Server, Client, Radio, Dish,
 * Gather, Scatter, Datagram) over the main API's draft sockets, with
 * Buffer frames and zeromq.js's message options (`{ routingId }`,
 * `{ group }` with the group as a Buffer on receipt).
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { SocketType } from "../../ffi/constants.ts";
import {
  Client as MainClient,
  Datagram as MainDatagram,
  Dish as MainDish,
  Gather as MainGather,
  Radio as MainRadio,
  Scatter as MainScatter,
  Server as MainServer,
} from "../draft.ts";
import type { Socket as MainSocket } from "../socket.ts";
import { rethrow } from "./errors.ts";
import { toBuffer } from "./frames.ts";
import {
  type CompatOptionsInit,
  type CompatOptionsOf,
  defineCompatOptions,
} from "./options.ts";
import {
  defineMethods,
  innerSocket,
  type Message,
  type MessageLike,
  type Readable,
  registerSocketType,
  Socket,
  type Writable,
} from "./socket.ts";
import type { ContextOption } from "./sockets.ts";

/** The routing id of a message a Server receives or sends. */
export interface ServerRoutingOptions {
  /** The Client it came from, or goes to. */
  routingId: number;
}

/** The group a Radio sends to. */
export interface RadioGroupOptions {
  /** The group (1 to 255 bytes of UTF-8). */
  group: Buffer | string;
}

/** The group of a message a Dish received. */
export interface DishGroupOptions {
  /** The group it was sent to. */
  group: Buffer;
}

/** A draft socket's sending side, with its per-message options. */
export interface WritableWith<O> {
  /** Sends a one-frame message with its options; resolves once queued. */
  send(message: MessageLike, options: O): Promise<void>;
}

type Received = [Uint8Array, { routingId?: number; group?: string }?];

// [frame, { routingId }] or [frame, { group }] from the main API, as
// zeromq.js gives them; plain frame arrays stay frame arrays.
function convertReceived(message: Uint8Array[] | Received): unknown[] {
  return message.map((part) => {
    if (part instanceof Uint8Array) return toBuffer(part);
    const options = part as { routingId?: number; group?: string };
    return options.group !== undefined
      ? { group: Buffer.from(options.group) }
      : { ...options };
  });
}

function sendOptions(options: unknown): unknown {
  if (typeof options !== "object" || options === null) return options;
  const { group } = options as { group?: unknown };
  return group instanceof Uint8Array
    ? { ...options, group: new TextDecoder().decode(group) }
    : options;
}

type DraftSocket = MainSocket & {
  send(message: unknown, options?: unknown): Promise<void>;
  receive(): Promise<Uint8Array[] | Received>;
  [Symbol.asyncIterator](): AsyncIterator<Uint8Array[] | Received>;
};

function send(this: Socket, message: unknown, options?: unknown) {
  const inner = innerSocket(this) as DraftSocket;
  return (options === undefined
    ? inner.send(message)
    : inner.send(message, sendOptions(options))).catch(rethrow());
}

function receive(this: Socket): Promise<unknown[]> {
  const inner = innerSocket(this) as DraftSocket;
  return inner.receive().then(convertReceived, rethrow());
}

function iterate(this: Socket): AsyncIterator<unknown[], undefined> {
  const messages = (innerSocket(this) as DraftSocket)[Symbol.asyncIterator]();
  return {
    next: () =>
      messages.next().then(
        (result) =>
          result.done
            ? { value: undefined, done: true }
            : { value: convertReceived(result.value), done: false },
        rethrow(),
      ),
    return: () => Promise.resolve({ value: undefined, done: true }),
  };
}

// deno-lint-ignore no-explicit-any
function install(socketClass: new (...args: any[]) => Socket, kind: {
  send: boolean;
  receive: boolean;
}): void {
  // The classic methods first, then the ones that convert draft messages.
  defineMethods(socketClass, kind);
  const prototype = socketClass.prototype as unknown as Record<
    PropertyKey,
    unknown
  >;
  if (kind.send) prototype.send = send;
  if (kind.receive) {
    prototype.receive = receive;
    prototype[Symbol.asyncIterator] = iterate;
  }
}

for (
  const [type, mainClass] of [
    [SocketType.SERVER, MainServer],
    [SocketType.CLIENT, MainClient],
    [SocketType.RADIO, MainRadio],
    [SocketType.DISH, MainDish],
    [SocketType.GATHER, MainGather],
    [SocketType.SCATTER, MainScatter],
    [SocketType.DGRAM, MainDatagram],
  ] as const
) registerSocketType(type, mainClass);

/**
 * ZMQ_SERVER (draft): talks to many Clients; each received message comes
 * with the routing id of its Client, and replies name it.
 *
 * @example
 * ```ts
 * import { capability } from "@zmq-ffi/zmq/compat";
 * import { Server } from "@zmq-ffi/zmq/compat/draft";
 * if (capability.draft) {
 *   const server = new Server();
 *   await server.bind("tcp://127.0.0.1:*");
 *   // const [request, { routingId }] = await server.receive();
 *   // await server.send("pong", { routingId });
 *   server.close();
 * }
 * ```
 */
export class Server extends Socket {
  /** Creates a Server socket; throws ENOTSUP without the draft API. */
  constructor(options: CompatOptionsInit<"server"> & ContextOption = {}) {
    super(SocketType.SERVER, options);
  }
}
/** The methods and options of a {@link Server} socket. */
export interface Server
  extends
    Readable<[Message, ServerRoutingOptions]>,
    WritableWith<ServerRoutingOptions>,
    CompatOptionsOf<"server"> {}
install(Server, { send: true, receive: true });
defineCompatOptions(Server, "server", innerSocket);

/**
 * ZMQ_CLIENT (draft): talks to one or more Servers, one frame per message.
 *
 * @example
 * ```ts
 * import { capability } from "@zmq-ffi/zmq/compat";
 * import { Client } from "@zmq-ffi/zmq/compat/draft";
 * if (capability.draft) {
 *   const client = new Client();
 *   client.connect("tcp://127.0.0.1:5555");
 *   client.close();
 * }
 * ```
 */
export class Client extends Socket {
  /** Creates a Client socket; throws ENOTSUP without the draft API. */
  constructor(options: CompatOptionsInit<"client"> & ContextOption = {}) {
    super(SocketType.CLIENT, options);
  }
}
/** The methods and options of a {@link Client} socket. */
export interface Client
  extends
    Readable<[Message]>,
    Writable<MessageLike>,
    CompatOptionsOf<"client"> {}
install(Client, { send: true, receive: true });
defineCompatOptions(Client, "client", innerSocket);

/**
 * ZMQ_RADIO (draft): publishes each message to a group.
 *
 * @example
 * ```ts
 * import { capability } from "@zmq-ffi/zmq/compat";
 * import { Radio } from "@zmq-ffi/zmq/compat/draft";
 * if (capability.draft) {
 *   const radio = new Radio();
 *   await radio.bind("tcp://127.0.0.1:*");
 *   await radio.send("22 degrees", { group: "weather" });
 *   radio.close();
 * }
 * ```
 */
export class Radio extends Socket {
  /** Creates a Radio socket; throws ENOTSUP without the draft API. */
  constructor(options: CompatOptionsInit<"radio"> & ContextOption = {}) {
    super(SocketType.RADIO, options);
  }
}
/** The methods and options of a {@link Radio} socket. */
export interface Radio
  extends WritableWith<RadioGroupOptions>, CompatOptionsOf<"radio"> {}
install(Radio, { send: true, receive: false });
defineCompatOptions(Radio, "radio", innerSocket);

/**
 * ZMQ_DISH (draft): receives what Radios publish to the groups it joined.
 *
 * @example
 * ```ts
 * import { capability } from "@zmq-ffi/zmq/compat";
 * import { Dish } from "@zmq-ffi/zmq/compat/draft";
 * if (capability.draft) {
 *   const dish = new Dish();
 *   dish.join("weather");
 *   // const [message, { group }] = await dish.receive();
 *   dish.close();
 * }
 * ```
 */
export class Dish extends Socket {
  /** Creates a Dish socket; throws ENOTSUP without the draft API. */
  constructor(options: CompatOptionsInit<"dish"> & ContextOption = {}) {
    super(SocketType.DISH, options);
  }

  /** Joins groups: their messages are received from now on. */
  join(...values: Array<Buffer | string>): void {
    (innerSocket(this) as MainDish).join(...values.map(groupText));
  }

  /** Leaves groups joined before. */
  leave(...values: Array<Buffer | string>): void {
    (innerSocket(this) as MainDish).leave(...values.map(groupText));
  }
}
/** The methods and options of a {@link Dish} socket. */
export interface Dish
  extends Readable<[Message, DishGroupOptions]>, CompatOptionsOf<"dish"> {}
install(Dish, { send: false, receive: true });
defineCompatOptions(Dish, "dish", innerSocket);

function groupText(group: Buffer | string): string {
  return group instanceof Uint8Array ? new TextDecoder().decode(group) : group;
}

/**
 * ZMQ_GATHER (draft): receives fairly from Scatter sockets, one frame per
 * message.
 *
 * @example
 * ```ts
 * import { capability } from "@zmq-ffi/zmq/compat";
 * import { Gather } from "@zmq-ffi/zmq/compat/draft";
 * if (capability.draft) {
 *   const gather = new Gather();
 *   await gather.bind("tcp://127.0.0.1:*");
 *   gather.close();
 * }
 * ```
 */
export class Gather extends Socket {
  /** Creates a Gather socket; throws ENOTSUP without the draft API. */
  constructor(options: CompatOptionsInit<"gather"> & ContextOption = {}) {
    super(SocketType.GATHER, options);
  }
}
/** The methods and options of a {@link Gather} socket. */
export interface Gather
  extends Readable<[Message]>, CompatOptionsOf<"gather"> {}
install(Gather, { send: false, receive: true });
defineCompatOptions(Gather, "gather", innerSocket);

/**
 * ZMQ_SCATTER (draft): sends round-robin to Gather sockets, one frame per
 * message.
 *
 * @example
 * ```ts
 * import { capability } from "@zmq-ffi/zmq/compat";
 * import { Scatter } from "@zmq-ffi/zmq/compat/draft";
 * if (capability.draft) {
 *   const scatter = new Scatter();
 *   scatter.connect("tcp://127.0.0.1:5555");
 *   scatter.close();
 * }
 * ```
 */
export class Scatter extends Socket {
  /** Creates a Scatter socket; throws ENOTSUP without the draft API. */
  constructor(options: CompatOptionsInit<"scatter"> & ContextOption = {}) {
    super(SocketType.SCATTER, options);
  }
}
/** The methods and options of a {@link Scatter} socket. */
export interface Scatter
  extends Writable<MessageLike>, CompatOptionsOf<"scatter"> {}
install(Scatter, { send: true, receive: false });
defineCompatOptions(Scatter, "scatter", innerSocket);

/**
 * ZMQ_DGRAM (draft): raw UDP datagrams as `[address, payload]` messages.
 *
 * @example
 * ```ts
 * import { capability } from "@zmq-ffi/zmq/compat";
 * import { Datagram } from "@zmq-ffi/zmq/compat/draft";
 * if (capability.draft) {
 *   const dgram = new Datagram();
 *   await dgram.bind("udp://127.0.0.1:*");
 *   dgram.close();
 * }
 * ```
 */
export class Datagram extends Socket {
  /** Creates a Datagram socket; throws ENOTSUP without the draft API. */
  constructor(options: CompatOptionsInit<"dgram"> & ContextOption = {}) {
    super(SocketType.DGRAM, options);
  }
}
/** The methods and options of a {@link Datagram} socket. */
export interface Datagram
  extends
    Readable<[Message, Message]>,
    Writable<[MessageLike, MessageLike]>,
    CompatOptionsOf<"dgram"> {}
install(Datagram, { send: true, receive: true });
defineCompatOptions(Datagram, "dgram", innerSocket);
