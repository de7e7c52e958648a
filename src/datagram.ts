/**
 * The Datagram (ZMQ_DGRAM) draft socket: raw UDP datagrams as
 * `[address, payload]`.
 *
 * @module
 */
import { SocketType } from "../ffi/constants.ts";
import { frameBytes, type MessageLike } from "./boundary.ts";
import { iterate, requireDraft } from "./draft_bases.ts";
import { ZmqError } from "./errors.ts";
import type { SocketOptionsOf } from "./options.ts";
import type { OperationOptions } from "./pending.ts";
import { type Received, sealed } from "./socket.ts";
import {
  defineOptions,
  DuplexSocket,
  type SocketOptions,
} from "./socket_bases.ts";

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
defineOptions(Datagram, "dgram");
