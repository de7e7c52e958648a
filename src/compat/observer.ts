/**
 * Socket events as zeromq.js v6 delivers them: `{ type, address, error }`
 * objects where `error` has zeromq.js's fields (`code` and `errno` for
 * errno errors, `code` "ERR_ZMTP_..." / "ERR_ZAP_..." for protocol errors,
 * `status` for refused authentication), read with `receive()` / `for await`
 * or, in emitter mode, with `on()` / `off()`.
 *
 * @module
 */
import { EventEmitter } from "node:events";
// Loading src/observer.ts registers how `socket.events` makes its observer.
import "../observer.ts";
import type { Observer as MainObserver } from "../observer.ts";
import {
  type Event as MainEvent,
  type EventType,
  HandshakeError,
  type ProtocolErrorName,
} from "../observer_events.ts";
import { compatError, rethrow } from "./errors.ts";

export type { EventType, ProtocolErrorName };

/** The error of most `:error` events: an Error with `code` and `errno`. */
export interface ErrnoError extends Error {
  /** The errno name, e.g. "EADDRINUSE". */
  code: string;
  /** The platform's errno value. */
  errno: number;
  /** The endpoint the error is about. */
  address?: string;
}

/** The error of a `handshake:error:auth` event. */
export interface AuthError extends Error {
  /** The ZAP status code: 300 temporary, 400 refused, 500 internal error. */
  status: 300 | 400 | 500;
}

/** The error of a `handshake:error:protocol` event. */
export interface ProtoError extends Error {
  /** Which protocol error, e.g. "ERR_ZMTP_MECHANISM_MISMATCH". */
  code: ProtocolErrorName;
}

/** The endpoint an event is about. */
export interface EventAddress {
  /** The endpoint, e.g. "tcp://127.0.0.1:5555". */
  address: string;
}

/** The error an `:error` event carries. */
export interface EventError<E = ErrnoError> {
  /** What went wrong. */
  error: E;
}

/** The reconnect interval of a `connect:retry` event. */
export interface EventInterval {
  /** Milliseconds until the next attempt. */
  interval: number;
}

/** One event type with its data. */
export type EventFor<T extends EventType, D = unknown> = { type: T } & D;

/** A socket event as zeromq.js v6 gives it. */
export type Event =
  | EventFor<"accept", EventAddress>
  | EventFor<"accept:error", EventAddress & EventError>
  | EventFor<"bind", EventAddress>
  | EventFor<"bind:error", EventAddress & EventError>
  | EventFor<"connect", EventAddress>
  | EventFor<"connect:delay", EventAddress>
  | EventFor<"connect:retry", EventAddress & EventInterval>
  | EventFor<"close", EventAddress>
  | EventFor<"close:error", EventAddress & EventError>
  | EventFor<"disconnect", EventAddress>
  | EventFor<"end">
  | EventFor<"handshake", EventAddress>
  | EventFor<"handshake:error:protocol", EventAddress & EventError<ProtoError>>
  | EventFor<"handshake:error:auth", EventAddress & EventError<AuthError>>
  | EventFor<"handshake:error:other", EventAddress & EventError>
  | EventFor<"unknown">;

/** The event of one type, e.g. `EventOfType<"connect:retry">`. */
export type EventOfType<E extends EventType = EventType> = Extract<
  Event,
  { type: E }
>;

function convertError(error: Error, address: string): Error {
  if (error instanceof HandshakeError) {
    const converted = new Error(error.message);
    if (error.reason !== undefined) {
      Object.assign(converted, { code: error.reason });
    }
    if (error.status !== undefined) {
      Object.assign(converted, { status: error.status });
    }
    return converted;
  }
  return compatError(error, address || undefined) as Error;
}

/** A main-API event as zeromq.js shapes it. */
function convert(event: MainEvent): Event {
  const converted: Record<string, unknown> = { type: event.type };
  // zeromq.js leaves out an empty address.
  if ("address" in event && event.address !== "") {
    converted.address = event.address;
  }
  if ("interval" in event) converted.interval = event.interval;
  if ("error" in event) {
    converted.error = convertError(event.error, converted.address as string);
  }
  return converted as Event;
}

// deno-lint-ignore no-explicit-any
type Listener = (event: any) => void;

let creating = false;

/** Makes the compat observer over a socket's main-API observer. @internal */
export function createObserver(inner: MainObserver): Observer {
  creating = true;
  try {
    return new Observer(inner);
  } finally {
    creating = false;
  }
}

/**
 * The events of one socket (`socket.events`), as in zeromq.js v6: read them
 * with `receive()` or `for await`, or add listeners with `on()`, which puts
 * the observer in event emitter mode for good (then `receive()` throws).
 *
 * @example
 * ```ts
 * import { Router } from "@zmq-ffi/zmq/compat";
 * const router = new Router();
 * router.events.on("bind", ({ address }) => console.log(`bound to ${address}`));
 * await router.bind("tcp://127.0.0.1:*");
 * router.close();
 * ```
 */
export class Observer {
  #inner!: MainObserver;
  #emitter: EventEmitter | null = null;
  #forwarders = new Map<EventType, (event: MainEvent) => void>();

  /** Use `socket.events`; there is one observer per socket. */
  constructor(socket: unknown) {
    if (!creating) {
      const events = (socket as { events?: unknown } | null)?.events;
      if (!(events instanceof Observer)) {
        throw new TypeError("Socket must be a socket object");
      }
      return events;
    }
    this.#inner = socket as MainObserver;
    Object.preventExtensions(this);
  }

  /** True once the observer ended (its socket closed, or close() was called). */
  get closed(): boolean {
    return this.#inner.closed;
  }

  /** Stops observing; idempotent. */
  close(): void {
    this.#inner.close();
  }

  /**
   * Resolves with the next event. Throws once `on()` was called: an
   * observer in event emitter mode delivers its events to listeners only.
   */
  receive(): Promise<Event> {
    if (this.#emitter !== null) {
      throw new Error(
        "This observer is in event emitter mode: after events.on() its events go to listeners, and events.receive() cannot read them",
      );
    }
    return this.#inner.receive().then(convert, rethrow());
  }

  /** Calls `listener` with every event of this type (event emitter mode). */
  on<E extends EventType>(
    type: E,
    listener: (event: EventOfType<E>) => void,
  ): this {
    const emitter = this.#emitter ??= new EventEmitter();
    if (!this.#forwarders.has(type)) {
      const forward = (event: MainEvent) => emitter.emit(type, convert(event));
      this.#inner.on(type, forward);
      this.#forwarders.set(type, forward);
    }
    emitter.on(type, listener as Listener);
    return this;
  }

  /** Removes a listener added with {@link Observer.on}. */
  off<E extends EventType>(
    type: E,
    listener: (event: EventOfType<E>) => void,
  ): this {
    const emitter = this.#emitter;
    if (emitter === null) return this;
    emitter.off(type, listener as Listener);
    const forward = this.#forwarders.get(type);
    if (forward !== undefined && emitter.listenerCount(type) === 0) {
      this.#inner.off(type, forward);
      this.#forwarders.delete(type);
    }
    return this;
  }

  /** Iterates over events until the observer ends. */
  [Symbol.asyncIterator](): AsyncIterator<Event, undefined> {
    const events = this.#inner[Symbol.asyncIterator]();
    return {
      next: () =>
        events.next().then(
          (result) =>
            result.done
              ? { value: undefined, done: true }
              : { value: convert(result.value), done: false },
          rethrow(),
        ),
      return: async () => {
        await events.return?.();
        return { value: undefined, done: true };
      },
    };
  }
}
