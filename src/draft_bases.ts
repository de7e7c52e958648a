/**
 * What the draft socket classes share: the capability check, group and
 * routing id arguments, reading a message's metadata, and the base of the
 * sockets that address peers by routing id (Server, Peer).
 *
 * @module
 */
import { type MessageLike, utf8 } from "./boundary.ts";
import { capability } from "./capability.ts";
import { ZmqError } from "./errors.ts";
import { backend, zmq } from "./native.ts";
import {
  asyncIterator,
  type OperationOptions,
  stepUntilClosed,
} from "./pending.ts";
import { type Received, Socket } from "./socket.ts";
import type { MessageMetadata } from "./socket_io.ts";

export function requireDraft(name: string): void {
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
export function checkGroup(group: unknown): string {
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

export function groupName(group: unknown): Uint8Array {
  return utf8(checkGroup(group) + "\0", "group");
}

export function checkRoutingId(operation: string, options: unknown): number {
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

export const readRoutingId = (msg: BigUint64Array): MessageMetadata => ({
  routingId: zmq().zmq_msg_routing_id!(msg),
});

export const readGroup = (msg: BigUint64Array): MessageMetadata => ({
  group: backend.readCString(zmq().zmq_msg_group!(msg)),
});

// The async iterator of a socket whose receive() gives T.
export function iterate<T>(
  socket: Socket,
  receive: () => Promise<T>,
): AsyncIterableIterator<T> {
  return asyncIterator(() => stepUntilClosed(receive, () => socket.closed));
}

// A single-frame draft message as received: [frame, metadata].
export function withMetadata<M extends MessageMetadata>(
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
