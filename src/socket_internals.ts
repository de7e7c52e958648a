/**
 * What src/ modules may reach inside a socket (not public API): the friend
 * interface of the Socket class, how its observer is made, and how library
 * classes end their constructors.
 *
 * @module
 */
import type { Pointer } from "../ffi/backend.ts";
import type { Context } from "./context.ts";
import type { ZmqError } from "./errors.ts";
import type { Observer } from "./observer.ts";
import type { SocketTypeName } from "./options.ts";
import type { Socket } from "./socket.ts";
import type { MetadataReader } from "./socket_io.ts";
import type { SocketWaits } from "./socket_wait.ts";

/** What socket subclasses and src/ modules may reach (not public API). */
export interface SocketInternals {
  /** The live native handle; throws if the socket is closed or lent. */
  handle(operation: string): Pointer;
  /** The ZmqError for the libzmq call that just failed. */
  error(operation: string, endpoint?: string): ZmqError;
  /**
   * Lends the socket to another thread (a Proxy): until giveBack(), every
   * method throws EBUSY naming `owner`. Fails if operations are pending.
   */
  lend(
    owner: string,
    reclaim?: (reason: "socket" | "context") => void,
  ): Pointer;
  /** Ends a lend(); the socket is usable on this thread again. */
  giveBack(): void;
  /** The socket type name of the option table ("push", "router", ...). */
  kind: SocketTypeName;
  /** The context the socket belongs to. */
  context: Context;
  /** The awaited-operation engine: its descriptor and the edge rule. */
  waits: SocketWaits;
  /**
   * Makes this a single-frame socket whose received messages are
   * `[frame, metadata]`, with `read` building the metadata from the zmq_msg_t.
   */
  singleFrame(read: MetadataReader | null): void;
  /**
   * Makes `reader` (a PAIR in the same context, reading this socket's
   * monitor) part of this socket's native lifetime: a finalizer closes both,
   * this socket first.
   */
  adoptMonitorReader(reader: Socket): void;
  /** Makes sent messages starting with 0 or 1 count as (un)subscriptions (XSubscriber). */
  limitSubscriptions(): void;
}

/** The observer factory registered by src/observer.ts (kept off socket.ts's imports). */
export let createObserver: ((socket: Socket) => Observer) | undefined;

/** Registers how `socket.events` creates its observer (called by src/observer.ts). */
export function registerObserverFactory(
  factory: (socket: Socket) => Observer,
): void {
  createObserver = factory;
}

/** Reaches a socket's internals (for src/ modules only). */
export let socketInternals: (socket: Socket) => SocketInternals;

/** Installs {@link socketInternals} (called once, by the Socket class). */
export function provideSocketInternals(
  reach: (socket: Socket) => SocketInternals,
): void {
  socketInternals = reach;
}

/**
 * Ends the constructor of a library class: when `target` (new.target) is the
 * class itself, the object becomes non-extensible, so that assigning a
 * misspelt option (`sock.recieveTimeout = 5`) throws a TypeError instead of
 * doing nothing. Subclasses written by users stay extensible. @internal
 */
export function sealed(object: object, target: unknown, own: unknown): void {
  if (target === own) Object.preventExtensions(object);
}
