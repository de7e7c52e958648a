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
import type { SocketTypeName } from "./options.ts";
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
  adoptMonitorReader(reader: MonitorReader): void;
  /** Makes sent messages starting with 0 or 1 count as (un)subscriptions (XSubscriber). */
  limitSubscriptions(): void;
}

/** The observer factory registered by src/observer.ts (kept off socket.ts's imports). */
export let createObserver: ((socket: object) => unknown) | undefined;

/** Registers how `socket.events` creates its observer (called by src/observer.ts). */
export function registerObserverFactory(
  factory: (socket: object) => unknown,
): void {
  createObserver = factory;
}

/** Reaches a socket's internals (for src/ modules only). */
export let socketInternals: (socket: object) => SocketInternals;

/** Installs {@link socketInternals} (called once, by the Socket class). */
export function provideSocketInternals(
  reach: (socket: object) => SocketInternals,
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

/**
 * The socket an Observer watches (`observer.socket`), as the observer sees
 * it: an interface, so that the observer and socket modules do not import
 * each other. It is the socket itself.
 *
 * @example
 * ```ts
 * import { Dealer } from "@zmq-ffi/zmq";
 * const dealer = new Dealer();
 * console.log(dealer.events.socket === dealer); // true
 * dealer.close();
 * ```
 */
export interface ObservedSocket {
  /** True once the socket (or its context) was closed. */
  readonly closed: boolean;
  /** The context the socket belongs to. */
  readonly context: Context;
  /** Reads an option by name. */
  getOption(name: "linger"): unknown;
}

/** The PAIR socket an Observer reads libzmq's monitor events with. */
export interface MonitorReader {
  /** Connects to the monitor's endpoint. */
  connect(endpoint: string): void;
  /** A message if one is queued now. */
  tryReceive(): Uint8Array[] | null;
  /** Closes it; idempotent. */
  close(): void;
}

/** Makes a monitor reader in a context (registered by src/sockets.ts). */
export let makeMonitorReader: ((context: Context) => MonitorReader) | undefined;

/** Registers {@link makeMonitorReader} (called by src/sockets.ts with Pair). */
export function provideMonitorReader(
  make: (context: Context) => MonitorReader,
): void {
  makeMonitorReader = make;
}
