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
import { loadLibzmq } from "../ffi/load.ts";
import { BackgroundReader } from "./background_reader.ts";
import { cString } from "./boundary.ts";
import { retryOnSignal, ZmqError, zmqError } from "./errors.ts";
import {
  decodeEvent,
  type Event,
  type EventOfType,
  type EventType,
  knownTypes,
} from "./observer_events.ts";
import { operationSignal } from "./pending.ts";
import {
  makeMonitorReader,
  type MonitorReader,
  type ObservedSocket,
  registerObserverFactory,
  type SocketInternals,
  socketInternals,
} from "./socket_internals.ts";

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
  readonly socket!: ObservedSocket;
  #pair: MonitorReader | null = null;
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
  // libzmq sends the monitor's last event (`end`) to our PAIR when it
  // destroys the socket, on its reaper thread, with a blocking send: if the
  // PAIR were closed before, that send would never complete and the reaper
  // would free no socket again (the context's sockets run out: EMFILE). So
  // the PAIR is closed only once `end` arrived or the monitor was stopped
  // from here; until then an ended observer drains (and drops) the events.
  #ended = false;
  #monitorStopped = false;
  #draining = false;

  /**
   * The observer of a socket. There is one per socket: this returns
   * `socket.events` (prefer that).
   */
  constructor(socket: ObservedSocket) {
    let internals: SocketInternals;
    try {
      internals = socketInternals(socket);
    } catch {
      throw new TypeError("new Observer(socket) needs a Socket");
    }
    if (!creating) return (socket as unknown as { events: Observer }).events;
    this.socket = socket;
    const handle = internals.handle("observe events");
    const endpoint = `${monitorPrefix}.${monitorCounter++}`;
    // Connect first (inproc allows connecting before the bind): libzmq drops
    // events while nobody is connected, and the monitor binds and starts at
    // once.
    const pair = makeMonitorReader!(internals.context);
    try {
      pair.connect(endpoint);
      const address = cString(endpoint, "monitor endpoint");
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
    internals.adoptMonitorReader(pair);
    this.#reader = new BackgroundReader(
      pair,
      (frames) => this.#deliver(decodeEvent(frames)),
      () => {
        if (this.#draining) this.#release();
        else this.#finish("context");
      },
    );
    // A misspelt property throws instead of doing nothing.
    if (new.target === Observer) Object.preventExtensions(this);
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
    let signal: AbortSignal | undefined;
    try {
      signal = operationSignal(options, "Observer.receive options");
    } catch (error) {
      return Promise.reject(error);
    }
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
    if (!this.#socketClosed) this.#monitorStopped = stopMonitor(this.socket);
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
    // Nobody reads the last events: stop the monitor while the socket is
    // still open (libzmq sends `end` now), so the PAIR can close at once
    // instead of draining until libzmq's reaper sends it.
    const reading = this.#receivers.length > 0 || this.#listenerCount > 0 ||
      this.#iterators > 0;
    if (!reading) this.#monitorStopped = stopMonitor(this.socket);
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
    if (event.type === "end") this.#ended = true;
    if (this.#draining) {
      if (this.#ended) this.#release();
      return;
    }
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

  // Closes the PAIR and its reader: safe once libzmq sends it nothing more.
  #release(): void {
    this.#draining = false;
    this.#reader?.close();
    this.#pair?.close();
  }

  #finish(reason: "close" | "socket" | "context"): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#endReason = reason;
    if (this.#finishTimer !== undefined) clearTimeout(this.#finishTimer);
    if (reason === "context" || this.#ended || this.#monitorStopped) {
      this.#release();
    } else {
      this.#draining = true;
      this.#reader?.start(false); // never holds the process
    }
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
function stopMonitor(socket: ObservedSocket): boolean {
  let handle;
  try {
    handle = socketInternals(socket).handle("stop observing events");
  } catch {
    return false; // closed, or lent to another thread: leave it alone
  }
  // A NULL endpoint stops the monitor; both runtimes pass null for a buffer.
  // libzmq sends `end` into our PAIR now, and nothing after it.
  return loadLibzmq().zmq_socket_monitor(
    handle,
    null as unknown as Uint8Array,
    0,
  ) === 0;
}

registerObserverFactory((socket) => {
  creating = true;
  try {
    return new Observer(socket as ObservedSocket);
  } finally {
    creating = false;
  }
});
