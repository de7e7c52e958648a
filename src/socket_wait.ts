/**
 * The awaited-operation engine of a socket: its queues of waiting sends and
 * receives, the budget that lets the event loop breathe, arming the watcher
 * thread on the socket's descriptor, and the edge rule.
 *
 * The edge rule: a socket's ZMQ_FD is edge-triggered, and any libzmq call on
 * the socket (a send, a receive, a ZMQ_EVENTS read, a zmq_poll) may process
 * its commands and so consume the edge the watcher thread waits for. So after
 * every such call, whoever waits on the socket must look again:
 * {@link SocketWaits.lookAgain} completes the socket's own waiting
 * operations and tells every other waiter (a Poller) to look.
 *
 * @module
 */
import { DONTWAIT, POLLIN, POLLOUT, SocketOption } from "../ffi/constants.ts";
import { BriefWaits, STREAK_FOR_BRIEF_WAIT } from "./brief_wait.ts";
import { lastError, zmqError } from "./errors.ts";
import { backend, zmq } from "./native.ts";
import { Pending, removeFrom } from "./pending.ts";
import {
  type Io,
  type MessageMetadata,
  type PreparedMessage,
  sendPrepared,
} from "./socket_io.ts";
import { receiveMessage } from "./socket_receive.ts";
import { descriptorClosing, POLL_IN, watcher } from "./watcher.ts";

// After this many operations that completed at once, an awaited operation
// yields to the event loop so a busy socket cannot starve timers and I/O.
const SYNC_BUDGET = 256;
const pollerEvent = new BigUint64Array(4); // zmq_poller_event_t

/** A queued send: checked frames the library owns, and draft metadata. */
export type QueuedMessage = PreparedMessage;

/**
 * What the socket base class receives: the frames of a message, or for the
 * draft single-frame sockets that carry metadata, `[frame, metadata]`.
 * Socket classes give it their own type (`Uint8Array[]`, `RoutedMessage`).
 *
 * @example
 * ```ts
 * import type { Received } from "@zmq-ffi/zmq";
 * const frames: Received = [new TextEncoder().encode("hello")];
 * ```
 */
export type Received = Uint8Array[] | [Uint8Array, MessageMetadata];

type Sender = Pending<void, QueuedMessage>;
type Receiver = Pending<Received, undefined>;

/** The awaited-operation state of one socket. */
export class SocketWaits {
  readonly io: Io;
  // The socket: while the watcher holds #onReady, it holds the socket too,
  // so a socket with a pending operation is never collected.
  readonly owner: object;
  #senders: Sender[] = [];
  #receivers: Receiver[] = [];
  #budget = SYNC_BUDGET;
  // Operations completed without waiting since the last wait.
  #streak = 0;
  #brief = new BriefWaits();
  #yielding = false;
  #listeners: Set<() => void> | null = null;
  #onReady = () => {
    this.#budget = SYNC_BUDGET;
    this.resetSignal();
    this.#process();
  };

  constructor(io: Io, owner: object) {
    this.io = io;
    this.owner = owner;
  }

  /** True while awaited operations wait. */
  get busy(): boolean {
    return this.#senders.length > 0 || this.#receivers.length > 0;
  }

  /** How many awaited sends wait. */
  get pendingSends(): number {
    return this.#senders.length;
  }

  /** How many awaited receives wait. */
  get pendingReceives(): number {
    return this.#receivers.length;
  }

  /** True while awaited sends wait (a try or sync send must not overtake them). */
  get sending(): boolean {
    return this.#senders.length > 0;
  }

  /** True while awaited receives wait. */
  get receiving(): boolean {
    return this.#receivers.length > 0;
  }

  /**
   * The edge rule (see the module doc): after any libzmq call that may have
   * processed this socket's commands, complete what waits on it now and tell
   * the other waiters (except `except`, the caller itself) to look again.
   */
  lookAgain(except?: () => void): void {
    if (this.busy) this.#process();
    if (this.#listeners !== null) {
      for (const listener of [...this.#listeners]) {
        if (listener !== except) listener();
      }
    }
  }

  /** Calls `listener` whenever {@link SocketWaits.lookAgain} runs. */
  addListener(listener: () => void): void {
    (this.#listeners ??= new Set()).add(listener);
  }

  /** Undoes {@link SocketWaits.addListener}. */
  removeListener(listener: () => void): void {
    this.#listeners?.delete(listener);
    if (this.#listeners?.size === 0) this.#listeners = null;
  }

  // ---- operations that complete at once ------------------------------

  /** True when a send may be tried now: none wait ahead and the budget allows. */
  get canSendNow(): boolean {
    return this.#senders.length === 0 && this.#budget > 0;
  }

  /** Counts a send that completed at once (after {@link SocketWaits.canSendNow}). */
  sentNow(): void {
    this.#budget--;
    this.#streak++;
    this.lookAgain();
  }

  /** A message now, if none wait ahead and the budget allows; null to wait. */
  receiveNow(): Received | null {
    if (this.#receivers.length > 0 || this.#budget <= 0) return null;
    const received = this.#receive();
    if (received !== null) {
      this.#budget--;
      this.#streak++;
      this.lookAgain();
    }
    return received;
  }

  // ---- waiting ---------------------------------------------------------

  /** Queues a send until libzmq takes it; `timeout` in ms (-1: none). */
  send(
    message: QueuedMessage,
    signal: AbortSignal | undefined,
    timeout: number,
  ): Promise<void> {
    return this.#enqueue(this.#senders, message, signal, timeout, "send");
  }

  /** Queues a receive until a message arrives; `timeout` in ms (-1: none). */
  receive(signal: AbortSignal | undefined, timeout: number): Promise<Received> {
    return this.#enqueue(
      this.#receivers,
      undefined,
      signal,
      timeout,
      "receive",
    );
  }

  #enqueue<T, D>(
    queue: Pending<T, D>[],
    data: D,
    signal: AbortSignal | undefined,
    timeout: number,
    operation: string,
  ): Promise<T> {
    const pending = new Pending<T, D>(
      data,
      (gone) => this.#forget(queue, gone),
      signal,
      timeout,
      () => zmqError("EAGAIN", operation, { socketType: this.io.socketType }),
    );
    queue.push(pending);
    // The caller just tried the operation (or others wait ahead of it, and
    // the watcher is armed already): trying again would only repeat the
    // EAGAIN, which costs a system call inside libzmq.
    if (this.#budget <= 0) {
      this.#yieldThenProcess();
      return pending.promise;
    }
    try {
      if (
        this.#streak >= STREAK_FOR_BRIEF_WAIT && this.#brief.wait(this.fd())
      ) {
        this.resetSignal();
        this.#process();
        return pending.promise;
      }
      this.#streak = 0;
      this.#arm();
    } catch (error) {
      this.#forget(queue, pending);
      pending.reject(error);
    }
    return pending.promise;
  }

  #forget<T, D>(queue: Pending<T, D>[], pending: Pending<T, D>): void {
    removeFrom(queue, pending);
    if (!this.busy) this.disarm();
  }

  #yieldThenProcess(): void {
    if (this.#yielding) return;
    this.#yielding = true;
    setImmediate(() => {
      this.#yielding = false;
      this.#budget = SYNC_BUDGET;
      this.#process();
    });
  }

  // Completes queued operations while libzmq allows, in call order, then arms
  // the watcher if any remain.
  #process(): void {
    if (this.io.native.handle === null || this.#yielding) return;
    if (!this.#complete()) {
      this.disarm();
      return;
    }
    try {
      this.#arm();
    } catch (error) {
      // The watcher cannot wait (its thread died): fail what waits.
      this.failAll(error);
    }
  }

  // Completes what it can; true when operations are still waiting. Every
  // send or receive may consume the edge of ZMQ_FD, so both queues are
  // retried until neither makes progress.
  #complete(): boolean {
    const receivers = this.#receivers;
    const senders = this.#senders;
    let progress = true;
    while (progress) {
      progress = false;
      while (receivers.length > 0) {
        let received: Received | null;
        try {
          received = this.#receive();
        } catch (error) {
          for (const pending of receivers.splice(0)) pending.reject(error);
          break;
        }
        if (received === null) break;
        receivers.shift()!.resolve(received);
        progress = true;
      }
      while (senders.length > 0) {
        const pending = senders[0]!;
        let sent: boolean;
        try {
          sent = this.#send(pending.data);
        } catch (error) {
          senders.shift();
          pending.reject(error);
          continue;
        }
        if (!sent) break;
        senders.shift();
        pending.resolve();
        progress = true;
      }
    }
    return this.busy;
  }

  #send(message: QueuedMessage): boolean {
    return sendPrepared(this.io, message, DONTWAIT);
  }

  #receive(): Received | null {
    return receiveMessage(this.io, DONTWAIT);
  }

  #arm(): void {
    const native = this.io.native;
    const opening = native.slot < 0;
    // release() closes the slot before the socket (and its ZMQ_FD).
    if (opening) native.slot = watcher().open(this.fd(), true);
    // ZMQ_FD signals readability for both directions.
    watcher().arm(native.slot, POLL_IN, this.#onReady, true);
    // A command that reached a thread-safe socket before its zmq_poller
    // existed signalled no fd, and libzmq signals again only once the
    // socket's mailbox was drained: look once more now.
    if (opening && native.poller !== null) this.#onReady();
  }

  /** Stops the watcher from waiting for this socket. */
  disarm(): void {
    if (this.io.native.slot >= 0) watcher().disarm(this.io.native.slot);
  }

  /** Rejects every waiting operation with `error`. */
  failAll(error: unknown): void {
    for (const pending of this.#senders.splice(0)) pending.reject(error);
    for (const pending of this.#receivers.splice(0)) pending.reject(error);
  }

  /**
   * The descriptor to wait on: ZMQ_FD, or for thread-safe (draft) sockets,
   * which have none, the descriptor of a zmq_poller of their own.
   */
  fd(): number {
    const native = this.io.native;
    if (native.fd >= 0) return native.fd;
    const handle = native.handle!;
    const lib = zmq();
    const fd = new BigInt64Array(1);
    const length = BigUint64Array.of(8n);
    if (lib.zmq_getsockopt(handle, SocketOption.FD, fd, length) === 0) {
      native.fd = length[0] === 4n
        ? new Int32Array(fd.buffer)[0]!
        : Number(fd[0]);
      return native.fd;
    }
    const poller = lib.zmq_poller_new?.() ?? null;
    if (poller === null) throw this.#error("wait");
    const holder = BigUint64Array.of(backend.pointerToBigInt(poller));
    native.poller = holder;
    fd[0] = 0n;
    if (
      lib.zmq_poller_add!(poller, handle, null, POLLIN | POLLOUT) !== 0 ||
      lib.zmq_poller_fd!(poller, fd) !== 0
    ) {
      const error = this.#error("wait");
      lib.zmq_poller_destroy!(holder);
      native.poller = null;
      throw error;
    }
    native.fd = new Int32Array(fd.buffer)[0]!;
    return native.fd;
  }

  /** A zmq_poller's fd stays readable until the poller is waited on: clear it. */
  resetSignal(): void {
    const poller = this.io.native.poller;
    if (poller !== null) {
      zmq().zmq_poller_wait!(
        backend.pointerFromBigInt(poller[0]!),
        pollerEvent,
        0,
      );
    }
  }

  #error(operation: string) {
    return lastError(operation, { socketType: this.io.socketType });
  }
}

/**
 * Runs before zmq_close, whoever closes the socket: gives back the watcher
 * slot and the zmq_poller, and tells Pollers waiting on the descriptor.
 */
export function releaseWaits(native: Io["native"]): void {
  if (native.fd >= 0) descriptorClosing(native.fd);
  if (native.slot >= 0) {
    watcher().close(native.slot);
    native.slot = -1;
  }
  if (native.poller !== null) {
    zmq().zmq_poller_destroy?.(native.poller);
    native.poller = null;
  }
}
