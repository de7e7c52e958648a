/**
 * The socket types that name their connections: Router and Stream, whose
 * `connect()` can give the peer a routing id of the program's choosing.
 *
 * @module
 */
import { SocketOption, SocketType } from "../ffi/constants.ts";
import type { Pointer } from "../ffi/backend.ts";
import { byteLengthOf, ownedCopy } from "./boundary.ts";
import { encodeEndpoint } from "./endpoint.ts";
import { ZmqError } from "./errors.ts";
import { routingIdBytes } from "./option_codec.ts";
import type { SocketOptionsOf } from "./options.ts";
import { zmq } from "./native.ts";
import { sealed, socketInternals } from "./socket.ts";
import {
  defineOptions,
  DuplexSocket,
  type SocketOptions,
} from "./socket_bases.ts";

// libzmq keeps a connect routing id for the next connect if this one fails
// and cannot clear it, and it aborts the process (router.cpp:
// !has_out_pipe (routing_id)) when a connect routing id is taken, even right
// after disconnect(): so the endpoint is checked before the id is set, and
// each id serves one connect() of the socket.
class ConnectRoutingIds {
  #given = new Set<string>();

  // The checked id bytes to set before connecting, or null without one.
  // `socket` is the live handle, to ask a draft libzmq whether an inbound
  // peer already has the id.
  take(
    operation: string,
    endpoint: string,
    options: unknown,
    socket?: Pointer,
  ): Uint8Array | null {
    if (typeof options !== "object" || options === null) {
      throw new TypeError(
        `${operation} options must be an object such as { routingId }`,
      );
    }
    const id = (options as { routingId?: unknown }).routingId;
    if (id === undefined) return null;
    encodeEndpoint("connect", endpoint, operation.split(".")[0]!);
    const bytes = ownedCopy(routingIdBytes(id, "routingId"));
    if (this.#given.has(bytes.join(","))) {
      throw new ZmqError(
        "EEXIST",
        `${operation}: the routing id ${
          JSON.stringify(new TextDecoder().decode(bytes))
        } was already given to a connection of this socket; libzmq cannot reuse one`,
        { operation: "connect", endpoint },
      );
    }
    // A peer that connected to this socket and named itself with the id
    // has it too: libzmq would abort. Only a draft libzmq can be asked
    // (zmq_socket_get_peer_state); see the README's known limits.
    const peerState = zmq().zmq_socket_get_peer_state;
    if (socket !== undefined && peerState !== undefined) {
      if (peerState(socket, bytes, BigInt(byteLengthOf(bytes))) >= 0) {
        throw new ZmqError(
          "EEXIST",
          `${operation}: a connected peer already has the routing id ${
            JSON.stringify(new TextDecoder().decode(bytes))
          }; libzmq cannot give it to a second connection`,
          { operation: "connect", endpoint },
        );
      }
    }
    return bytes;
  }

  // Connects (`connect`), first giving the connection the routing id of
  // `options` through `setId` when there is one.
  connect(
    operation: string,
    endpoint: string,
    options: unknown,
    socket: Pointer,
    setId: (id: Uint8Array) => void,
    connect: () => void,
  ): void {
    const id = this.take(operation, endpoint, options, socket);
    if (id === null) return connect();
    setId(id);
    connect();
    this.#given.add(id.join(","));
  }
}

/** Options of {@link Router.connect}. */
export interface RouterConnectOptions {
  /** The routing id to give the peer at the other end of this connection. */
  routingId?: string | Uint8Array;
}

/**
 * ZMQ_ROUTER: receives each message prefixed with the routing id of its
 * sender, and sends a message to the peer named by its first frame.
 *
 * @example
 * ```ts
 * import { Router } from "@zmq-ffi/zmq";
 * const router = new Router({ mandatory: true });
 * await router.bind("tcp://127.0.0.1:*");
 * // for await (const [id, ...frames] of router) await router.send([id, "ok"]);
 * router.close();
 * ```
 */
export class Router extends DuplexSocket {
  #connectIds = new ConnectRoutingIds();
  /** Creates a Router socket with the given options. */
  constructor(options: SocketOptions<"router"> = {}) {
    super("router", SocketType.ROUTER, options);
    sealed(this, new.target, Router);
  }

  /** Connects to an endpoint, optionally naming the peer with a routing id. */
  override connect(endpoint: string, options: RouterConnectOptions = {}): void {
    this.#connectIds.connect(
      "Router.connect",
      endpoint,
      options,
      socketInternals(this).handle("connect"),
      (id) => this.setRawOption("connect", SocketOption.CONNECT_ROUTING_ID, id),
      () => super.connect(endpoint),
    );
  }
}
/** The options of a {@link Router} socket as typed properties. */
export interface Router extends SocketOptionsOf<"router"> {}
defineOptions(Router, "router");

/**
 * ZMQ_STREAM: raw TCP. Each message is [connection id, data]; an empty data
 * frame means connect or disconnect.
 *
 * @example
 * ```ts
 * import { Stream } from "@zmq-ffi/zmq";
 * const stream = new Stream();
 * await stream.bind("tcp://127.0.0.1:*");
 * stream.close();
 * ```
 */
export class Stream extends DuplexSocket {
  #connectIds = new ConnectRoutingIds();

  /** Creates a Stream socket with the given options. */
  constructor(options: SocketOptions<"stream"> = {}) {
    super("stream", SocketType.STREAM, options);
    sealed(this, new.target, Stream);
  }

  /**
   * Connects to a tcp endpoint, optionally naming the connection with a
   * routing id (1 to 255 bytes) that then leads its messages instead of one
   * libzmq makes up. Each routing id serves one connect() of this socket.
   *
   * @example
   * ```ts
   * import { Stream } from "@zmq-ffi/zmq";
   * const stream = new Stream();
   * stream.connect("tcp://127.0.0.1:8080", { routingId: "web" });
   * // await stream.send(["web", "GET / HTTP/1.0\r\n\r\n"]);
   * stream.close();
   * ```
   */
  override connect(endpoint: string, options: StreamConnectOptions = {}): void {
    this.#connectIds.connect(
      "Stream.connect",
      endpoint,
      options,
      socketInternals(this).handle("connect"),
      (id) => this.setRawOption("connect", SocketOption.CONNECT_ROUTING_ID, id),
      () => super.connect(endpoint),
    );
  }
}

/** Options of {@link Stream.connect}. */
export interface StreamConnectOptions {
  /** The routing id that leads the messages of this connection. */
  routingId?: string | Uint8Array;
}
/** The options of a {@link Stream} socket as typed properties. */
export interface Stream extends SocketOptionsOf<"stream"> {}
defineOptions(Stream, "stream");
