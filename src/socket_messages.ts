/**
 * The three forms of sending and receiving over one socket: `try*` (never
 * waits), `*Sync` (blocks the thread up to the socket's timeout) and awaited
 * (src/socket_wait.ts waits), each a few lines over src/socket_io.ts.
 *
 * @module
 */
import type { Pointer } from "../ffi/backend.ts";
import { DONTWAIT } from "../ffi/constants.ts";
import { type Message, ownedCopy } from "./boundary.ts";
import { ZmqError } from "./errors.ts";
import { type OperationOptions, operationSignal } from "./pending.ts";
import {
  type Io,
  type MessageMetadata,
  prepareMessage,
  sendMessage,
  sendPrepared,
} from "./socket_io.ts";
import { receiveMessage } from "./socket_receive.ts";
import type { Received, SocketWaits } from "./socket_wait.ts";

const resolved = Promise.resolve();

/** Sending and receiving on one socket, in every form. */
export class SocketMessages {
  /** ZMQ_SNDTIMEO as last set (-1: none), for blocking and awaited sends. */
  sendTimeout = -1;
  /** ZMQ_RCVTIMEO as last set (-1: none), for blocking and awaited receives. */
  receiveTimeout = -1;
  /** Draft single-frame sockets refuse multipart messages. */
  singleFrame = false;
  readonly #io: Io;
  readonly #waits: SocketWaits;
  readonly #usable: (operation: string) => Pointer;

  /** `usable` throws when the socket is closed or lent to another thread. */
  constructor(
    io: Io,
    waits: SocketWaits,
    usable: (operation: string) => Pointer,
  ) {
    this.#io = io;
    this.#waits = waits;
    this.#usable = usable;
  }

  // One message in one go: false when a non-blocking send would block.
  #send(
    message: Message,
    flags: number,
    metadata: MessageMetadata | undefined,
  ): boolean {
    this.#usable("send");
    return sendMessage(
      this.#io,
      message,
      flags,
      this.sendTimeout,
      metadata,
      this.singleFrame,
    );
  }

  #prepare(message: Message, metadata?: MessageMetadata) {
    return prepareMessage(this.#io, message, metadata, this.singleFrame, false);
  }

  /** Sends now or not at all (also not while awaited sends are queued). */
  trySend(message: Message, metadata?: MessageMetadata): boolean {
    if (this.#waits.sending) {
      this.#prepare(message, metadata); // still refuse bad input
      this.#usable("send");
      return false;
    }
    const sent = this.#send(message, DONTWAIT, metadata);
    this.#waits.lookAgain();
    return sent;
  }

  /** Sends, blocking the thread up to sendTimeout. */
  sendSync(message: Message, metadata?: MessageMetadata): void {
    if (this.#waits.sending) {
      throw new ZmqError(
        "EBUSY",
        "sendSync cannot overtake awaited sends that are still queued",
        { operation: "send" },
      );
    }
    this.#send(message, 0, metadata);
    this.#waits.lookAgain();
  }

  /** Sends, waiting without blocking the event loop. */
  send(
    message: Message,
    options?: OperationOptions,
    metadata?: MessageMetadata,
  ): Promise<void> {
    try {
      const signal = operationSignal(options);
      const waits = this.#waits;
      if (signal?.aborted) {
        this.#prepare(message, metadata);
        this.#usable("send");
        return Promise.reject(signal.reason);
      }
      let tried = false;
      if (
        waits.canSendNow && typeof message === "string" &&
        metadata === undefined
      ) {
        // A string is read once whatever happens: try it without a copy.
        tried = true;
        if (this.#send(message, DONTWAIT, metadata)) {
          waits.sentNow();
          return resolved;
        }
      }
      // Every element of the message is read once, here.
      const prepared = this.#prepare(message, metadata);
      this.#usable("send");
      if (
        !tried && waits.canSendNow &&
        sendPrepared(this.#io, prepared, DONTWAIT)
      ) {
        waits.sentNow();
        return resolved;
      }
      // The caller may reuse its buffers once send() returns: keep copies.
      prepared.frames = prepared.frames.map(ownedCopy);
      return waits.send(prepared, signal, this.sendTimeout);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #receive(flags: number, timeout: number): Received | null {
    return receiveMessage(this.#io, flags, timeout);
  }

  /** A message if one is queued now (and no awaited receive waits); null otherwise. */
  tryReceive(): Received | null {
    this.#usable("receive");
    if (this.#waits.receiving) return null;
    const received = this.#receive(DONTWAIT, -1);
    this.#waits.lookAgain();
    return received;
  }

  /** Receives, blocking the thread up to receiveTimeout. */
  receiveSync(): Received {
    this.#usable("receive");
    if (this.#waits.receiving) {
      throw new ZmqError(
        "EBUSY",
        "receiveSync cannot overtake awaited receives that are still waiting",
        { operation: "receive" },
      );
    }
    const received = this.#receive(0, this.receiveTimeout)!;
    this.#waits.lookAgain();
    return received;
  }

  /** Receives, waiting without blocking the event loop. */
  receive(options?: OperationOptions): Promise<Received> {
    let signal: AbortSignal | undefined;
    let received: Received | null;
    try {
      signal = operationSignal(options);
      this.#usable("receive");
      if (signal?.aborted) return Promise.reject(signal.reason);
      received = this.#waits.receiveNow();
    } catch (error) {
      return Promise.reject(error);
    }
    return received !== null
      ? Promise.resolve(received)
      : this.#waits.receive(signal, this.receiveTimeout);
  }

  /**
   * The next step of `for await`: a message already queued resolves without
   * an extra promise; the iteration ends when `closed()` became true.
   */
  next(closed: () => boolean): Promise<IteratorResult<Received, undefined>> {
    let usable = true;
    try {
      this.#usable("receive");
    } catch {
      usable = false;
    }
    let received: Received | null = null;
    if (usable) {
      try {
        received = this.#waits.receiveNow();
      } catch (error) {
        return Promise.reject(error);
      }
    }
    if (received !== null) {
      return Promise.resolve({ value: received, done: false });
    }
    const waiting = usable
      ? this.#waits.receive(undefined, this.receiveTimeout)
      : this.receive(); // rejects with the closed/lent error
    return waiting.then(
      (value) => ({ value, done: false }),
      (error) => {
        if (closed()) return { value: undefined, done: true };
        throw error;
      },
    );
  }
}
