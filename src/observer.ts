/**
 * Socket events (connect, accept, handshake, disconnect, ...) through
 * `zmq_socket_monitor`, with zeromq.js v6's event names and payloads.
 *
 * libzmq writes each event to an inproc PAIR socket; the Observer reads that
 * PAIR on the event loop only while somebody reads events: a pending
 * `receive()`, or at least one `on()` listener. Events nobody reads wait in
 * the PAIR (up to its high-water mark of 1000; libzmq drops later ones).
 *
 * Process lifetime: while events are being read the process stays alive, as
 * with a pending socket `receive()`; an observer nobody reads never holds
 * it, whether its socket is open or closed. After the socket closes, readers
 * get the last events (`close`, `disconnect`, ...) up to `end`, which libzmq
 * sends within moments with the default linger of 0 (with another linger the
 * process is not held for it). An observer nobody reads ends with its socket.
 *
 * @module
 */
import { Event as MonitorEvent } from "../ffi/constants.ts";
import { backend, loadLibzmq } from "../ffi/load.ts";
import { BackgroundReader } from "./background_reader.ts";
import { errorCode, retryOnSignal, ZmqError, zmqError } from "./errors.ts";
import { registerObserverFactory, Socket } from "./socket.ts";
import { socketInternals } from "./socket.ts";
import { Pair } from "./sockets.ts";

/** The name of a socket event, as in zeromq.js v6. */
export type EventType =
  | "accept"
  | "accept:error"
  | "bind"
  | "bind:error"
  | "connect"
  | "connect:delay"
  | "connect:retry"
  | "close"
  | "close:error"
  | "disconnect"
  | "end"
  | "handshake"
  | "handshake:error:protocol"
  | "handshake:error:auth"
  | "handshake:error:other"
  | "unknown";

/** The endpoint an event is about, e.g. `"tcp://127.0.0.1:5555"`. */
export interface EventAddress {
  /** The endpoint as libzmq reports it (the bound or connected address). */
  readonly address: string;
}

/** The error an `:error` event carries. */
export interface EventError<E extends ZmqError = ZmqError> {
  /** What went wrong. */
  readonly error: E;
}

/** The reconnect interval of a `connect:retry` event. */
export interface EventInterval {
  /** Milliseconds until the next connection attempt. */
  readonly interval: number;
}

/** One event type with its data. */
export type EventFor<T extends EventType, D = unknown> =
  & { readonly type: T }
  & D;

/**
 * A socket event: `type` says which, and the other fields depend on it.
 *
 * | type | meaning | fields |
 * |---|---|---|
 * | `bind` | now listening | address |
 * | `bind:error` | could not listen | address (libzmq 4.3 leaves out `tcp://` or `ipc://`), error |
 * | `accept` | accepted a connection | address |
 * | `accept:error` | could not accept (or a tcp accept filter refused) | address, error |
 * | `connect` | connected | address |
 * | `connect:delay` | a connection attempt is in progress | address |
 * | `connect:retry` | will retry connecting | address, interval |
 * | `close` | closed a listener or a connection attempt | address |
 * | `close:error` | could not close | address, error |
 * | `disconnect` | a connection was lost | address |
 * | `handshake` | the ZMTP handshake (and security) succeeded | address |
 * | `handshake:error:protocol` | the peer broke the protocol or the mechanisms differ | address, error (a {@link HandshakeError} with `reason`) |
 * | `handshake:error:auth` | authentication was refused | address, error (a {@link HandshakeError} with `status`) |
 * | `handshake:error:other` | the handshake failed otherwise (connection lost, timeout) | address, error |
 * | `end` | monitoring stopped: the socket was closed | |
 * | `unknown` | an event this version does not know | |
 *
 * @example
 * ```ts
 * import { type Event, Pull } from "@zmq-ffi/zmq";
 * function describe(event: Event): string {
 *   switch (event.type) {
 *     case "connect:retry":
 *       return `retrying ${event.address} in ${event.interval} ms`;
 *     case "handshake:error:auth":
 *       return `refused by ${event.address}: ${event.error.status}`;
 *     default:
 *       return event.type;
 *   }
 * }
 * const pull = new Pull();
 * pull.close();
 * ```
 */
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
  | EventFor<
    "handshake:error:protocol",
    EventAddress & EventError<HandshakeError>
  >
  | EventFor<"handshake:error:auth", EventAddress & EventError<HandshakeError>>
  | EventFor<"handshake:error:other", EventAddress & EventError>
  | EventFor<"unknown">;

/** The event of one type, e.g. `EventOfType<"connect:retry">`. */
export type EventOfType<E extends EventType> = Extract<Event, { type: E }>;

/** The ZMTP and ZAP protocol errors of a `handshake:error:protocol` event, named as in zeromq.js. */
export type ProtocolErrorName =
  | "ERR_ZMTP_UNSPECIFIED"
  | "ERR_ZMTP_UNEXPECTED_COMMAND"
  | "ERR_ZMTP_INVALID_SEQUENCE"
  | "ERR_ZMTP_KEY_EXCHANGE"
  | "ERR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED"
  | "ERR_ZMTP_MALFORMED_COMMAND_MESSAGE"
  | "ERR_ZMTP_MALFORMED_COMMAND_HELLO"
  | "ERR_ZMTP_MALFORMED_COMMAND_INITIATE"
  | "ERR_ZMTP_MALFORMED_COMMAND_ERROR"
  | "ERR_ZMTP_MALFORMED_COMMAND_READY"
  | "ERR_ZMTP_MALFORMED_COMMAND_WELCOME"
  | "ERR_ZMTP_INVALID_METADATA"
  | "ERR_ZMTP_CRYPTOGRAPHIC"
  | "ERR_ZMTP_MECHANISM_MISMATCH"
  | "ERR_ZAP_UNSPECIFIED"
  | "ERR_ZAP_MALFORMED_REPLY"
  | "ERR_ZAP_BAD_REQUEST_ID"
  | "ERR_ZAP_BAD_VERSION"
  | "ERR_ZAP_INVALID_STATUS_CODE"
  | "ERR_ZAP_INVALID_METADATA"
  | "ERR_UNKNOWN";

// ZMQ_PROTOCOL_ERROR_* values from zmq.h (4.3).
const protocolErrors: Record<number, [ProtocolErrorName, string]> = {
  0x10000000: ["ERR_ZMTP_UNSPECIFIED", "unspecified ZMTP error"],
  0x10000001: ["ERR_ZMTP_UNEXPECTED_COMMAND", "unexpected command"],
  0x10000002: ["ERR_ZMTP_INVALID_SEQUENCE", "invalid sequence"],
  0x10000003: ["ERR_ZMTP_KEY_EXCHANGE", "key exchange failed"],
  0x10000011: [
    "ERR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED",
    "malformed command",
  ],
  0x10000012: ["ERR_ZMTP_MALFORMED_COMMAND_MESSAGE", "malformed MESSAGE"],
  0x10000013: ["ERR_ZMTP_MALFORMED_COMMAND_HELLO", "malformed HELLO"],
  0x10000014: ["ERR_ZMTP_MALFORMED_COMMAND_INITIATE", "malformed INITIATE"],
  0x10000015: ["ERR_ZMTP_MALFORMED_COMMAND_ERROR", "malformed ERROR"],
  0x10000016: ["ERR_ZMTP_MALFORMED_COMMAND_READY", "malformed READY"],
  0x10000017: ["ERR_ZMTP_MALFORMED_COMMAND_WELCOME", "malformed WELCOME"],
  0x10000018: ["ERR_ZMTP_INVALID_METADATA", "invalid metadata"],
  0x11000001: [
    "ERR_ZMTP_CRYPTOGRAPHIC",
    "cryptographic error (for CURVE: wrong keys)",
  ],
  0x11000002: [
    "ERR_ZMTP_MECHANISM_MISMATCH",
    "the peers use different security mechanisms",
  ],
  0x20000000: ["ERR_ZAP_UNSPECIFIED", "unspecified ZAP error"],
  0x20000001: ["ERR_ZAP_MALFORMED_REPLY", "malformed ZAP reply"],
  0x20000002: ["ERR_ZAP_BAD_REQUEST_ID", "ZAP reply with a wrong request id"],
  0x20000003: ["ERR_ZAP_BAD_VERSION", "ZAP reply with a wrong version"],
  0x20000004: [
    "ERR_ZAP_INVALID_STATUS_CODE",
    "ZAP reply with an invalid status code",
  ],
  0x20000005: ["ERR_ZAP_INVALID_METADATA", "ZAP reply with invalid metadata"],
};

const authStatus: Record<number, string> = {
  300: "temporary error",
  400: "authentication failure",
  500: "internal error of the authenticator",
};

/**
 * The error of a `handshake:error:protocol` event (`reason` names the
 * protocol error, code ECONNABORTED) or of a `handshake:error:auth` event
 * (`status` is the ZAP status code, code EACCES).
 *
 * @example
 * ```ts
 * import { Reply } from "@zmq-ffi/zmq";
 * const rep = new Reply({ plainServer: true });
 * rep.events.on("handshake:error:auth", ({ address, error }) => {
 *   console.log(`${address}: refused with ZAP status ${error.status}`);
 * });
 * rep.events.on("handshake:error:protocol", ({ error }) => {
 *   console.log(error.reason); // e.g. "ERR_ZMTP_MECHANISM_MISMATCH"
 * });
 * rep.close();
 * ```
 */
export class HandshakeError extends ZmqError {
  /** For `handshake:error:protocol`: which protocol error (`"ERR_ZMTP_CRYPTOGRAPHIC"`, ...). */
  readonly reason?: ProtocolErrorName;
  /** For `handshake:error:auth`: the ZAP status code (300 temporary, 400 refused, 500 internal error). */
  readonly status?: number;

  /** Creates the error; observers create these, applications receive them. */
  constructor(
    message: string,
    details: {
      endpoint?: string;
      reason?: ProtocolErrorName;
      status?: number;
    },
  ) {
    super(details.status !== undefined ? "EACCES" : "ECONNABORTED", message, {
      operation: "handshake",
      endpoint: details.endpoint,
    });
    this.name = "HandshakeError";
    if (details.reason !== undefined) this.reason = details.reason;
    if (details.status !== undefined) this.status = details.status;
  }
}

const eventTypes: Record<number, EventType> = {
  [MonitorEvent.CONNECTED]: "connect",
  [MonitorEvent.CONNECT_DELAYED]: "connect:delay",
  [MonitorEvent.CONNECT_RETRIED]: "connect:retry",
  [MonitorEvent.LISTENING]: "bind",
  [MonitorEvent.BIND_FAILED]: "bind:error",
  [MonitorEvent.ACCEPTED]: "accept",
  [MonitorEvent.ACCEPT_FAILED]: "accept:error",
  [MonitorEvent.CLOSED]: "close",
  [MonitorEvent.CLOSE_FAILED]: "close:error",
  [MonitorEvent.DISCONNECTED]: "disconnect",
  [MonitorEvent.MONITOR_STOPPED]: "end",
  [MonitorEvent.HANDSHAKE_FAILED_NO_DETAIL]: "handshake:error:other",
  [MonitorEvent.HANDSHAKE_SUCCEEDED]: "handshake",
  [MonitorEvent.HANDSHAKE_FAILED_PROTOCOL]: "handshake:error:protocol",
  [MonitorEvent.HANDSHAKE_FAILED_AUTH]: "handshake:error:auth",
};

const knownTypes = new Set<string>([...Object.values(eventTypes), "unknown"]);

// Events whose value is an errno: the operation, and how a message starts.
const errnoEvents: Partial<Record<EventType, [string, string]>> = {
  "bind:error": ["bind", "Binding to"],
  "accept:error": ["accept", "Accepting a connection on"],
  "close:error": ["close", "Closing"],
  "handshake:error:other": ["handshake", "The handshake with"],
};

function errnoError(type: EventType, address: string, errno: number): ZmqError {
  const [operation, what] = errnoEvents[type]!;
  const code = errorCode(errno);
  const reason = errno === 0
    ? "libzmq gave no reason"
    : backend.readCString(loadLibzmq().zmq_strerror(errno));
  return new ZmqError(
    code,
    `${what} ${address || "(no address)"} failed: ${reason} [${code}]`,
    { errno, operation, endpoint: address },
  );
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** Turns the two frames of a monitor message into an event. */
function decodeEvent(frames: Uint8Array[]): Event {
  const [head, addressFrame] = frames;
  if (head === undefined || head.length < 6) return { type: "unknown" };
  // Frame 1: uint16 event id, uint32 value, in the machine's byte order.
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const id = view.getUint16(0, littleEndian);
  const value = view.getUint32(2, littleEndian);
  const type = eventTypes[id] ?? "unknown";
  if (type === "end" || type === "unknown") return { type };
  const address = decoder.decode(addressFrame ?? new Uint8Array(0));
  switch (type) {
    case "connect:retry":
      return { type, address, interval: value };
    case "bind:error":
    case "accept:error":
    case "close:error":
    case "handshake:error:other":
      return { type, address, error: errnoError(type, address, value) };
    case "handshake:error:protocol": {
      const [reason, text] = protocolErrors[value] ??
        ["ERR_UNKNOWN", `unknown protocol error 0x${value.toString(16)}`];
      const error = new HandshakeError(
        `Handshake with ${address} failed: ${text} [${reason}]`,
        { endpoint: address, reason },
      );
      return { type, address, error };
    }
    case "handshake:error:auth": {
      const text = authStatus[value] ?? "unknown status";
      const error = new HandshakeError(
        `Handshake with ${address} failed: the ZAP authenticator answered ${value} (${text})`,
        { endpoint: address, status: value },
      );
      return { type, address, error };
    }
    default:
      return { type, address } as Event;
  }
}

const littleEndian = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

interface PendingEvent {
  resolve(event: Event): void;
  reject(error: unknown): void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/** Options of {@link Observer.receive}. */
export interface ObserverReceiveOptions {
  /** Aborts the wait; the promise rejects with the signal's reason and no event is lost. */
  signal?: AbortSignal;
}

// deno-lint-ignore no-explicit-any
type AnyListener = (event: any) => void;

let monitorCounter = 0;
const monitorPrefix = `inproc://zmq-ffi.monitor.${
  Math.random().toString(36).slice(2)
}`;
// True only while the factory below constructs an observer.
let creating = false;

/**
 * The events of one socket: `socket.events`. Use it one of two ways (as in
 * zeromq.js, not both at once): await events with `receive()` or `for
 * await`, or add listeners with `on()`. When the socket closes, the readers
 * get its last events up to `end`, then the observer ends (at once if nobody
 * reads it). Reading events holds the process as a pending socket receive
 * does; an observer nobody reads never keeps the process alive.
 *
 * Events of the moments before `socket.events` is first read are not
 * recorded: read it before `bind` or `connect`.
 *
 * @example
 * ```ts
 * import { Dealer, Router } from "@zmq-ffi/zmq";
 * const router = new Router();
 * router.events.on("accept", ({ address }) => console.log("accepted on", address));
 * await router.bind("tcp://127.0.0.1:*");
 *
 * const dealer = new Dealer();
 * const events = dealer.events;
 * dealer.connect(router.lastEndpoint);
 * for await (const event of events) {
 *   console.log(event.type); // connect:delay?, connect, handshake
 *   if (event.type === "handshake") break;
 * }
 * dealer.close();
 * router.close();
 * ```
 */
export class Observer implements AsyncIterable<Event> {
  /** The socket observed. */
  readonly socket!: Socket;
  #pair: Pair | null = null;
  #reader: BackgroundReader | null = null;
  #receivers: PendingEvent[] = [];
  #listeners = new Map<EventType, Set<AnyListener>>();
  #listenerCount = 0;
  #socketClosed = false;
  #holdUntilEnd = false;
  #updateQueued = false;
  #iterators = 0;
  #finishTimer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  #endReason: "close" | "socket" | "context" = "close";

  /**
   * The observer of a socket. There is one per socket: this returns
   * `socket.events` (prefer that).
   */
  constructor(socket: Socket) {
    if (!(socket instanceof Socket)) {
      throw new TypeError("new Observer(socket) needs a Socket");
    }
    if (!creating) return socket.events;
    this.socket = socket;
    const internals = socketInternals(socket);
    const handle = internals.handle("observe events");
    const endpoint = `${monitorPrefix}.${monitorCounter++}`;
    // Connect first (inproc allows connecting before the bind): libzmq drops
    // events while nobody is connected, and the monitor binds and starts at
    // once.
    const pair = new Pair({ context: internals.context, linger: 0 });
    try {
      pair.connect(endpoint);
      const address = encoder.encode(endpoint + "\0");
      if (
        retryOnSignal(
          () =>
            loadLibzmq().zmq_socket_monitor(handle, address, MonitorEvent.ALL),
          (rc) => rc !== 0,
        )
      ) {
        throw internals.error("observe events");
      }
    } catch (error) {
      pair.close();
      throw error;
    }
    this.#pair = pair;
    this.#reader = new BackgroundReader(
      pair,
      (frames) => this.#deliver(decodeEvent(frames)),
      () => this.#finish("context"),
    );
  }

  /** True once the observer ended: after `end`, after {@link Observer.close}, or when the socket's context closed. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Resolves with the next event. Rejects with ZmqError EBADF once the
   * observer ended (ETERM if its context was closed), and with EBUSY while
   * listeners added with {@link Observer.on} receive the events.
   * Several pending calls resolve in call order.
   */
  receive(options: ObserverReceiveOptions = {}): Promise<Event> {
    if (this.#closed) return Promise.reject(this.#endedError());
    if (this.#listenerCount > 0) {
      return Promise.reject(
        new ZmqError(
          "EBUSY",
          "This observer delivers its events to listeners added with on(): remove them with off() before calling receive() or iterating",
          { operation: "receive event" },
        ),
      );
    }
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<Event>((resolve, reject) => {
      const pending: PendingEvent = {
        resolve,
        reject,
        signal,
        onAbort: undefined,
      };
      if (signal !== undefined) {
        pending.onAbort = () => {
          const index = this.#receivers.indexOf(pending);
          if (index >= 0) this.#receivers.splice(index, 1);
          reject(signal.reason);
          this.#update();
        };
        signal.addEventListener("abort", pending.onAbort, { once: true });
      }
      this.#receivers.push(pending);
      this.#update();
    });
  }

  /**
   * Iterates over events until the observer ends (the last one is `end` when
   * the socket was closed). Leaving the loop early keeps the observer open.
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<Event> {
    const done = { value: undefined, done: true } as const;
    // An unfinished iteration counts as a reader: after the socket closed,
    // the observer waits for it to take the last events.
    let active = true;
    this.#iterators++;
    const finish = () => {
      if (active) {
        active = false;
        this.#iterators--;
        this.#update();
      }
      return done;
    };
    const iterator: AsyncIterableIterator<Event> = {
      next: () => {
        if (this.#closed || !active) return Promise.resolve(finish());
        return this.receive().then(
          (value) => ({ value, done: false }),
          (error) => {
            if (this.#closed) return finish();
            throw error;
          },
        );
      },
      return: () => Promise.resolve(finish()),
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  /**
   * Calls `listener` with every event of this type until removed with
   * {@link Observer.off}. While listeners are attached, the process stays
   * alive as long as the socket is open (as with a pending receive). Throws
   * ZmqError EBUSY while a `receive()` or `for await` is waiting.
   */
  on<E extends EventType>(
    type: E,
    listener: (event: EventOfType<E>) => void,
  ): this {
    checkListener(type, listener);
    if (this.#receivers.length > 0) {
      throw new ZmqError(
        "EBUSY",
        "This observer is being read with receive() or for await: listeners cannot be added at the same time",
        { operation: "on" },
      );
    }
    let set = this.#listeners.get(type);
    if (set === undefined) this.#listeners.set(type, set = new Set());
    if (!set.has(listener)) {
      set.add(listener);
      this.#listenerCount++;
    }
    // Start reading after the current task, so listeners added right after
    // this one (in the same tick) see the events already waiting.
    if (!this.#updateQueued) {
      this.#updateQueued = true;
      queueMicrotask(() => {
        this.#updateQueued = false;
        this.#update();
      });
    }
    return this;
  }

  /** Removes a listener added with {@link Observer.on}. */
  off<E extends EventType>(
    type: E,
    listener: (event: EventOfType<E>) => void,
  ): this {
    checkListener(type, listener);
    if (this.#listeners.get(type)?.delete(listener)) {
      this.#listenerCount--;
      this.#update();
    }
    return this;
  }

  /**
   * Stops observing; idempotent. Pending `receive()` calls reject with
   * EBADF and iterations end. Closing the socket ends the observer by itself.
   */
  close(): void {
    if (this.#closed) return;
    if (!this.#socketClosed) stopMonitor(this.socket);
    this.#finish("close");
  }

  /** Same as {@link Observer.close}, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** Called by the socket when it closes. @internal */
  socketClosed(): void {
    if (this.#closed) return;
    this.#socketClosed = true;
    // The context closes the PAIR right after: nothing more can be read.
    if (this.socket.context.closed) return this.#finish("context");
    // libzmq still sends the last events (close, disconnect, end). With
    // linger 0 `end` follows within moments, so readers may hold the process
    // that long; with a linger it may take that long (or forever), so not.
    let linger = -1;
    try {
      linger = this.socket.getOption("linger") as number;
    } catch {
      // lent to another thread: do not hold the process for it
    }
    this.#holdUntilEnd = linger === 0;
    this.#update();
  }

  // Reads the PAIR only while someone wants events (the others wait in the
  // PAIR), holding the process meanwhile as a pending socket receive does.
  // Once the socket closed, the observer ends at `end`, or as soon as nobody
  // reads it any more (after one turn of the event loop, so that a loop
  // calling receive() again right away still gets the last events).
  #update(): void {
    if (this.#closed) return;
    if (this.#receivers.length > 0 || this.#listenerCount > 0) {
      this.#reader!.start(!this.#socketClosed || this.#holdUntilEnd);
      return;
    }
    this.#reader!.stop();
    if (
      this.#socketClosed && this.#iterators === 0 &&
      this.#finishTimer === undefined
    ) {
      this.#finishTimer = setTimeout(() => {
        this.#finishTimer = undefined;
        const reading = this.#receivers.length > 0 ||
          this.#listenerCount > 0 || this.#iterators > 0;
        if (!reading) this.#finish("socket");
      }, 0);
    }
  }

  #deliver(event: Event): void {
    const pending = this.#receivers.shift();
    if (pending !== undefined) {
      if (pending.onAbort !== undefined) {
        pending.signal?.removeEventListener("abort", pending.onAbort);
      }
      pending.resolve(event);
    } else {
      for (const listener of [...(this.#listeners.get(event.type) ?? [])]) {
        try {
          listener(event);
        } catch (error) {
          // A listener's bug surfaces as an uncaught error, as in an EventEmitter.
          queueMicrotask(() => {
            throw error;
          });
        }
      }
    }
    if (event.type === "end") this.#finish("socket");
    else this.#update();
  }

  #endedError(): ZmqError {
    return this.#endReason === "context"
      ? zmqError("ETERM", "receive event")
      : new ZmqError(
        "EBADF",
        this.#endReason === "socket"
          ? "The observer has ended: its socket was closed"
          : "The observer was closed",
        { operation: "receive event" },
      );
  }

  #finish(reason: "close" | "socket" | "context"): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#endReason = reason;
    if (this.#finishTimer !== undefined) clearTimeout(this.#finishTimer);
    this.#reader?.close();
    this.#pair?.close();
    this.#listeners.clear();
    this.#listenerCount = 0;
    const error = this.#endedError();
    for (const pending of this.#receivers.splice(0)) {
      if (pending.onAbort !== undefined) {
        pending.signal?.removeEventListener("abort", pending.onAbort);
      }
      pending.reject(error);
    }
  }
}

function checkListener(type: unknown, listener: unknown): void {
  if (typeof type !== "string" || !knownTypes.has(type)) {
    throw new TypeError(
      `Unknown event type ${JSON.stringify(type)}; known types: ${
        [...knownTypes].join(", ")
      }`,
    );
  }
  if (typeof listener !== "function") {
    throw new TypeError("An event listener must be a function");
  }
}

// Stops libzmq's monitor of a socket (which sends `end` and closes its side).
function stopMonitor(socket: Socket): void {
  let handle;
  try {
    handle = socketInternals(socket).handle("stop observing events");
  } catch {
    return; // closed, or lent to another thread: leave it alone
  }
  // A NULL endpoint stops the monitor; both runtimes pass null for a buffer.
  loadLibzmq().zmq_socket_monitor(handle, null as unknown as Uint8Array, 0);
}

registerObserverFactory((socket) => {
  creating = true;
  try {
    return new Observer(socket);
  } finally {
    creating = false;
  }
});
