/**
 * The draft socket classes. Each checks `capability.draft` before touching
 * libzmq, so a non-draft build gives a clear error instead of EINVAL.
 *
 * @module
 */
import { SocketType } from "../ffi/constants.ts";
import { loadLibzmq } from "../ffi/load.ts";
import { capability } from "./capability.ts";
import { ZmqError } from "./errors.ts";
import { socketInternals } from "./socket.ts";
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
      `${name} sockets need a libzmq built with the draft API (capability.draft is false). ` +
        "Build libzmq with -DENABLE_DRAFTS=ON and point ZMQ_LIBRARY_PATH at it.",
      { operation: "create socket" },
    );
  }
}

const encoder = new TextEncoder();

function groupName(group: string): Uint8Array {
  if (typeof group !== "string") {
    throw new TypeError("group must be a string");
  }
  const bytes = encoder.encode(group);
  if (bytes.length === 0 || bytes.length > 255) {
    throw new RangeError(`group must be 1 to 255 bytes, got ${bytes.length}`);
  }
  return encoder.encode(group + "\0");
}

/**
 * ZMQ_SERVER (draft): a thread-safe Router for single-frame messages.
 *
 * @example
 * ```ts
 * import { Server } from "@zmq-ffi/zmq/draft";
 * const server = new Server(); // throws without capability.draft
 * server.close();
 * ```
 */
export class Server extends DuplexSocket {
  /** Creates a Server socket; needs capability.draft. */
  constructor(options: SocketOptions<"server"> = {}) {
    requireDraft("Server");
    super("server", SocketType.SERVER, options);
  }
}
/** The options of a {@link Server} socket as typed properties. */
export interface Server extends SocketOptionsOf<"server"> {}

/**
 * ZMQ_CLIENT (draft): a thread-safe Dealer for single-frame messages.
 *
 * @example
 * ```ts
 * import { Client } from "@zmq-ffi/zmq/draft";
 * const client = new Client();
 * client.close();
 * ```
 */
export class Client extends DuplexSocket {
  /** Creates a Client socket; needs capability.draft. */
  constructor(options: SocketOptions<"client"> = {}) {
    requireDraft("Client");
    super("client", SocketType.CLIENT, options);
  }
}
/** The options of a {@link Client} socket as typed properties. */
export interface Client extends SocketOptionsOf<"client"> {}

/**
 * ZMQ_RADIO (draft): publishes single-frame messages to groups.
 *
 * @example
 * ```ts
 * import { Radio } from "@zmq-ffi/zmq/draft";
 * const radio = new Radio();
 * radio.close();
 * ```
 */
export class Radio extends WritableSocket {
  /** Creates a Radio socket; needs capability.draft. */
  constructor(options: SocketOptions<"radio"> = {}) {
    requireDraft("Radio");
    super("radio", SocketType.RADIO, options);
  }
}
/** The options of a {@link Radio} socket as typed properties. */
export interface Radio extends SocketOptionsOf<"radio"> {}

/**
 * ZMQ_DISH (draft): receives the messages of the groups it joined.
 *
 * @example
 * ```ts
 * import { Dish } from "@zmq-ffi/zmq/draft";
 * const dish = new Dish();
 * dish.join("weather");
 * dish.close();
 * ```
 */
export class Dish extends ReadableSocket {
  /** Creates a Dish socket; needs capability.draft. */
  constructor(options: SocketOptions<"dish"> = {}) {
    requireDraft("Dish");
    super("dish", SocketType.DISH, options);
  }

  /** Joins groups (1-255 bytes each). */
  join(...groups: string[]): void {
    for (const group of groups) {
      if (
        loadLibzmq().zmq_join!(
          socketInternals(this).handle("join"),
          groupName(group),
        ) !==
          0
      ) {
        throw socketInternals(this).error("join");
      }
    }
  }

  /** Leaves groups joined before. */
  leave(...groups: string[]): void {
    for (const group of groups) {
      if (
        loadLibzmq().zmq_leave!(
          socketInternals(this).handle("leave"),
          groupName(group),
        ) !== 0
      ) {
        throw socketInternals(this).error("leave");
      }
    }
  }
}
/** The options of a {@link Dish} socket as typed properties. */
export interface Dish extends SocketOptionsOf<"dish"> {}

/**
 * ZMQ_GATHER (draft): a thread-safe Pull.
 *
 * @example
 * ```ts
 * import { Gather } from "@zmq-ffi/zmq/draft";
 * const gather = new Gather();
 * gather.close();
 * ```
 */
export class Gather extends ReadableSocket {
  /** Creates a Gather socket; needs capability.draft. */
  constructor(options: SocketOptions<"gather"> = {}) {
    requireDraft("Gather");
    super("gather", SocketType.GATHER, options);
  }
}
/** The options of a {@link Gather} socket as typed properties. */
export interface Gather extends SocketOptionsOf<"gather"> {}

/**
 * ZMQ_SCATTER (draft): a thread-safe Push.
 *
 * @example
 * ```ts
 * import { Scatter } from "@zmq-ffi/zmq/draft";
 * const scatter = new Scatter();
 * scatter.close();
 * ```
 */
export class Scatter extends WritableSocket {
  /** Creates a Scatter socket; needs capability.draft. */
  constructor(options: SocketOptions<"scatter"> = {}) {
    requireDraft("Scatter");
    super("scatter", SocketType.SCATTER, options);
  }
}
/** The options of a {@link Scatter} socket as typed properties. */
export interface Scatter extends SocketOptionsOf<"scatter"> {}

/**
 * ZMQ_DGRAM (draft): UDP datagrams as [address, payload] messages.
 *
 * @example
 * ```ts
 * import { Datagram } from "@zmq-ffi/zmq/draft";
 * const dgram = new Datagram();
 * dgram.close();
 * ```
 */
export class Datagram extends DuplexSocket {
  /** Creates a Datagram socket; needs capability.draft. */
  constructor(options: SocketOptions<"dgram"> = {}) {
    requireDraft("Datagram");
    super("dgram", SocketType.DGRAM, options);
  }
}
/** The options of a {@link Datagram} socket as typed properties. */
export interface Datagram extends SocketOptionsOf<"dgram"> {}

/**
 * ZMQ_PEER (draft): a thread-safe peer-to-peer socket addressed by routing id.
 *
 * @example
 * ```ts
 * import { Peer } from "@zmq-ffi/zmq/draft";
 * const peer = new Peer();
 * peer.close();
 * ```
 */
export class Peer extends DuplexSocket {
  /** Creates a Peer socket; needs capability.draft. */
  constructor(options: SocketOptions<"peer"> = {}) {
    requireDraft("Peer");
    super("peer", SocketType.PEER, options);
  }
}
/** The options of a {@link Peer} socket as typed properties. */
export interface Peer extends SocketOptionsOf<"peer"> {}

/**
 * ZMQ_CHANNEL (draft): a thread-safe Pair.
 *
 * @example
 * ```ts
 * import { Channel } from "@zmq-ffi/zmq/draft";
 * const channel = new Channel();
 * channel.close();
 * ```
 */
export class Channel extends DuplexSocket {
  /** Creates a Channel socket; needs capability.draft. */
  constructor(options: SocketOptions<"channel"> = {}) {
    requireDraft("Channel");
    super("channel", SocketType.CHANNEL, options);
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
