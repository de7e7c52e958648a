/**
 * The Socket base class: construct, close, lend to another thread,
 * endpoints, options by name, and the thin send and receive forms: `try*`
 * (never waits), `*Sync` (blocks the calling thread) and awaitable (waits on
 * the watcher thread, never blocking the event loop). The work itself is
 * elsewhere: src/boundary.ts checks what goes in, src/socket_io.ts moves
 * messages through libzmq, src/socket_wait.ts waits, and
 * src/option_codec.ts encodes options.
 *
 * @module
 */
import type { Pointer } from "../ffi/backend.ts";
import { POLLIN, POLLOUT } from "../ffi/constants.ts";
import type { Message } from "./boundary.ts";
import {
  Context,
  context as defaultContext,
  contextInternals,
} from "./context.ts";
import { SocketEndpoints } from "./endpoint.ts";
import { lastError, ZmqError, zmqError } from "./errors.ts";
import {
  checkWritable,
  encodeOption,
  readOption,
  socketOption,
  writeOption,
} from "./option_codec.ts";
import type { OptionName, SocketTypeName } from "./options.ts";
import type { OperationOptions } from "./pending.ts";
import {
  type Io,
  type MessageMetadata,
  type NativeState,
  readEvents,
} from "./socket_io.ts";
import { SocketMessages } from "./socket_messages.ts";
import { type Received, SocketWaits } from "./socket_wait.ts";
import {
  adoptMonitorReader,
  closeNative,
  openNative,
} from "./socket_native.ts";
import type { Observer } from "./observer.ts";
import { refuseStructuredClone } from "./thread.ts";
import { createObserver, provideSocketInternals } from "./socket_internals.ts";

export {
  registerObserverFactory,
  sealed,
  type SocketInternals,
  socketInternals,
} from "./socket_internals.ts";

export type { MessageMetadata, OperationOptions, Received };

/** What every socket constructor accepts besides its options. */
export interface SocketConstructorOptions {
  /** The context to create the socket in (default: the shared {@link context}). */
  context?: Context;
}

/**
 * The base of every socket class. Use a concrete class such as `Push`,
 * `Pull`, `Request` or `Reply`.
 *
 * @example
 * ```ts
 * import { Pull, Push } from "@zmq-ffi/zmq";
 * const pull = new Pull();
 * await pull.bind("tcp://127.0.0.1:*");
 * const push = new Push();
 * push.connect(pull.lastEndpoint);
 * await push.send(["hello", "world"]);
 * const [first, second] = await pull.receive();
 * push.close();
 * pull.close();
 * ```
 */
export abstract class Socket {
  #native: NativeState;
  #messages: SocketMessages;
  #io: Io;
  #waits: SocketWaits;
  #context: Context;
  #kind: SocketTypeName;
  #written = new Map<string, unknown>();
  #lentTo: string | null = null;
  #reclaim: ((reason: "socket" | "context") => void) | undefined;
  // Bound or connected at least once (see the high-water marks in setOption).
  #attached = false;
  #observer: Observer | undefined;
  #endpoints: SocketEndpoints;
  #usable = (operation: string) => this.#handle(operation);
  #failed = (operation: string, endpoint: string) =>
    this.#error(operation, endpoint);

  /** @internal Use a concrete socket class. */
  protected constructor(
    kind: SocketTypeName,
    type: number,
    options: object = {},
  ) {
    if (typeof options !== "object" || options === null) {
      throw new TypeError("Socket options must be an object");
    }
    const { context = defaultContext, ...settings } = options as {
      context?: Context;
    } & Record<string, unknown>;
    if (!(context instanceof Context)) {
      throw new TypeError(
        `Option 'context' of ${this.constructor.name} must be a Context`,
      );
    }
    for (const name of Object.keys(settings)) {
      checkWritable(name, kind, this.constructor.name);
    }
    const native = openNative(this, context, type, this.constructor.name);
    this.#endpoints = new SocketEndpoints(this.constructor.name);
    this.#native = native;
    const io: Io = { native, socketType: this.constructor.name };
    this.#io = io;
    this.#waits = new SocketWaits(io, this);
    this.#messages = new SocketMessages(io, this.#waits, this.#usable);
    // The context holds `native`, so this must not hold the socket itself,
    // or a dropped socket could never be collected.
    const self = new WeakRef(this);
    native.onClose = () => {
      const socket = self.deref();
      if (socket !== undefined) socket.#closed("context");
    };
    this.#context = context;
    this.#kind = kind;
    refuseStructuredClone(this, "Socket");
    try {
      for (const [name, value] of Object.entries(settings)) {
        if (value !== undefined) this.setOption(name as OptionName, value);
      }
    } catch (error) {
      this.close();
      throw error;
    }
  }

  /** The context this socket belongs to. */
  get context(): Context {
    return this.#context;
  }

  /** True once the socket (or its context) was closed. */
  get closed(): boolean {
    return this.#native.handle === null;
  }

  /** True when a message can be received now without waiting (ZMQ_EVENTS); false once closed. */
  get readable(): boolean {
    if (this.closed) return false;
    return (this.#events("readable") & POLLIN) !== 0;
  }

  /** True when a message can be sent now without waiting (ZMQ_EVENTS); false once closed. */
  get writable(): boolean {
    if (this.closed) return false;
    return (this.#events("writable") & POLLOUT) !== 0;
  }

  static {
    provideSocketInternals((object) => {
      const socket = object as Socket;
      return {
        handle: (operation) => socket.#handle(operation),
        error: (operation, endpoint) => socket.#error(operation, endpoint),
        lend: (owner, reclaim) => socket.#lend(owner, reclaim),
        giveBack: () => {
          socket.#lentTo = null;
          socket.#reclaim = undefined;
          socket.#native.reclaim = undefined;
          contextInternals(socket.#context).hold(socket.#native, false);
        },
        kind: socket.#kind,
        context: socket.#context,
        waits: socket.#waits,
        limitSubscriptions: () => {
          socket.#io.subscriptions = true;
        },
        adoptMonitorReader: (reader) => {
          if (!(reader instanceof Socket)) throw new TypeError("not a socket");
          adoptMonitorReader(socket.#native, reader, reader.#native);
          // libzmq's last event, sent as the socket is destroyed, must find
          // the reader open: a worker's exit does not close it.
          contextInternals(socket.#context).hold(reader.#native, true);
        },
        singleFrame: (read) => {
          socket.#messages.singleFrame = true;
          if (read !== null) socket.#io.readMetadata = read;
        },
      };
    });
  }

  #handle(operation: string): Pointer {
    const handle = this.#native.handle;
    if (handle === null) {
      throw new ZmqError(
        this.#context.closed ? "ETERM" : "EBADF",
        `Socket is closed: cannot ${operation} on a closed ${this.constructor.name} socket`,
        { operation },
      );
    }
    if (this.#lentTo !== null) {
      throw new ZmqError(
        "EBUSY",
        `Cannot ${operation}: this ${this.constructor.name} socket is in use by ${this.#lentTo} on another thread`,
        { operation },
      );
    }
    return handle;
  }

  // `reclaim` is called synchronously before this thread closes the socket
  // (or its context terminates): the borrower must let go of it first.
  #lend(
    owner: string,
    reclaim?: (reason: "socket" | "context") => void,
  ): Pointer {
    const handle = this.#handle("lend");
    if (this.#waits.busy) {
      throw new ZmqError(
        "EBUSY",
        `Cannot hand this ${this.constructor.name} socket to ${owner}: awaited operations are pending on it`,
        { operation: "lend" },
      );
    }
    this.#waits.disarm();
    this.#lentTo = owner;
    this.#reclaim = reclaim;
    // The borrower's thread uses it: a worker's exit must not close it.
    contextInternals(this.#context).hold(this.#native, true);
    if (reclaim !== undefined) this.#native.reclaim = () => reclaim("context");
    return handle;
  }

  /**
   * The socket's event observer (connect, accept, disconnect, handshake, ...),
   * created on first access.
   */
  get events(): Observer {
    if (createObserver === undefined) {
      throw new Error("zmq-ffi: the observer module is not loaded");
    }
    this.#observer ??= createObserver(this) as Observer;
    return this.#observer;
  }

  #error(operation: string, endpoint?: string): ZmqError {
    return lastError(operation, {
      socketType: this.constructor.name,
      endpoint,
    });
  }

  #events(operation: string): number {
    const events = readEvents(this.#handle(operation));
    if (events < 0) throw this.#error(operation);
    this.#waits.lookAgain();
    return events;
  }

  // ---- endpoints (src/endpoint.ts) -----------------------------------

  /**
   * Binds to an endpoint now (`tcp://127.0.0.1:*` picks a free port; read
   * {@link Socket.lastEndpoint}). Throws ZmqError, e.g. EADDRINUSE.
   */
  bindSync(endpoint: string): void {
    this.#endpoints.call("bind", endpoint, this.#usable, this.#failed);
    this.#attached = true;
    this.#waits.lookAgain();
    try {
      this.#endpoints.resolved(
        endpoint,
        this.getOption("lastEndpoint") as string,
      );
    } catch {
      // lent meanwhile: keep the endpoint as given
    }
  }

  /** Binds to an endpoint; resolves when bound (the zeromq.js form of {@link Socket.bindSync}). */
  bind(endpoint: string): Promise<void> {
    return settle(() => this.bindSync(endpoint));
  }

  /** Stops listening on a bound endpoint now. */
  unbindSync(endpoint: string): void {
    this.#endpoints.call("unbind", endpoint, this.#usable, this.#failed);
    this.#waits.lookAgain();
  }

  /** Stops listening on a bound endpoint (the zeromq.js form of {@link Socket.unbindSync}). */
  unbind(endpoint: string): Promise<void> {
    return settle(() => this.unbindSync(endpoint));
  }

  /** Connects to an endpoint; libzmq connects (and reconnects) in the background. */
  connect(endpoint: string): void {
    this.#endpoints.call("connect", endpoint, this.#usable, this.#failed);
    this.#attached = true;
    this.#waits.lookAgain();
  }

  /** Disconnects from an endpoint given to {@link Socket.connect}. */
  disconnect(endpoint: string): void {
    this.#endpoints.call("disconnect", endpoint, this.#usable, this.#failed);
    this.#waits.lookAgain();
  }

  // ---- options ---------------------------------------------------------

  /**
   * Reads a socket option by its name in the option table (the typed
   * properties call this). Write-only options give the last value written.
   */
  getOption(name: OptionName): unknown {
    const spec = socketOption(name, this.#kind, this.constructor.name);
    const handle = this.#handle(`read option ${name}`);
    if (spec.access === "w") {
      return this.#written.get(name) ?? spec.default ??
        (spec.type === "boolean" ? false : null);
    }
    return readOption(handle, name, spec, this.constructor.name);
  }

  /** Sets a socket option by its name in the option table (the typed properties call this). */
  setOption(name: OptionName, value: unknown): void {
    const spec = socketOption(name, this.#kind, this.constructor.name);
    if (spec.access === "r") {
      throw new TypeError(`Option '${name}' is read-only`);
    }
    const encoded = encodeOption(name, spec, value);
    const handle = this.#handle(`set option ${name}`);
    writeOption(
      handle,
      name,
      spec,
      encoded,
      this.#attached,
      this.constructor.name,
    );
    if (spec.access === "w") this.#written.set(name, value);
    if (name === "linger") {
      contextInternals(this.#context).lingers(this.#native, value !== 0);
    }
    if (name === "sendTimeout") this.#messages.sendTimeout = value as number;
    if (name === "receiveTimeout") {
      this.#messages.receiveTimeout = value as number;
    }
  }

  /**
   * Sets a raw option to checked bytes (from src/boundary.ts): used by
   * subclasses for subscribe and friends. @internal
   */
  protected setRawOption(
    operation: string,
    id: number,
    value: Uint8Array,
  ): void {
    const handle = this.#handle(operation);
    writeOption(
      handle,
      operation,
      { id, type: "binary", access: "w", on: "all" },
      value,
      false,
      this.constructor.name,
    );
    this.#waits.lookAgain();
  }

  // ---- sending and receiving (src/socket_messages.ts) -----------------

  /** Sends a message if it can be queued now; false (nothing sent) otherwise. @internal */
  protected trySendMessage(
    message: Message,
    metadata?: MessageMetadata,
  ): boolean {
    return this.#messages.trySend(message, metadata);
  }

  /** Sends a message, blocking the thread up to sendTimeout. @internal */
  protected sendMessageSync(
    message: Message,
    metadata?: MessageMetadata,
  ): void {
    this.#messages.sendSync(message, metadata);
  }

  /** Sends a message, waiting without blocking the event loop. @internal */
  protected sendMessage(
    message: Message,
    options?: OperationOptions,
    metadata?: MessageMetadata,
  ): Promise<void> {
    return this.#messages.send(message, options, metadata);
  }

  /** Receives a message if one is queued now; null otherwise. @internal */
  protected tryReceiveMessage(): Received | null {
    return this.#messages.tryReceive();
  }

  /** Receives a message, blocking the thread up to receiveTimeout. @internal */
  protected receiveMessageSync(): Received {
    return this.#messages.receiveSync();
  }

  /** Receives a message, waiting without blocking the event loop. @internal */
  protected receiveMessage(options?: OperationOptions): Promise<Received> {
    return this.#messages.receive(options);
  }

  /** The next step of `for await`; a closed socket ends it. @internal */
  protected nextMessage(): Promise<IteratorResult<Received, undefined>> {
    return this.#messages.next(() => this.closed);
  }

  // ---- closing ---------------------------------------------------------

  #closed(reason: "context" | "close"): void {
    const error = reason === "context"
      ? zmqError("ETERM", "wait", { socketType: this.constructor.name })
      : new ZmqError(
        "EBADF",
        `Socket was closed while the operation was waiting`,
        { operation: "close" },
      );
    this.#waits.failAll(error);
    this.#observer?.socketClosed();
    if (reason === "context") {
      closeNative(this, this.#native, this.#context, true);
    }
  }

  /**
   * Closes the socket; idempotent. Awaited operations still waiting reject with
   * code EBADF. Unsent messages are dropped unless `linger` was raised, in which
   * case libzmq keeps delivering them in the background until the context closes.
   */
  close(): void {
    const native = this.#native;
    if (native.handle === null) return;
    // Lent to another thread (a running Proxy): make it let go first.
    if (this.#lentTo !== null) this.#reclaim?.("socket");
    this.#closed("close");
    closeNative(this, native, this.#context);
  }

  /** Same as {@link Socket.close}, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** What JSON.stringify shows of a socket. */
  toJSON(): { type: string; closed: boolean } {
    return { type: this.constructor.name, closed: this.closed };
  }

  // What console.log shows (Deno.inspect, Bun.inspect, util.inspect): never
  // option values, so never keys or passwords.
  #describe(): string {
    const list = (how: "bound" | "connected") =>
      JSON.stringify(this.#endpoints.list(how));
    const waits = this.#waits;
    return `${this.constructor.name} { closed: ${this.closed}, bound: ${
      list("bound")
    }, connected: ${
      list("connected")
    }, pending: { sends: ${waits.pendingSends}, receives: ${waits.pendingReceives} } }`;
  }

  /** How Node's and Bun's inspection print a socket. @internal */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.#describe();
  }

  /** How Deno's inspection prints a socket. @internal */
  [Symbol.for("Deno.customInspect")](): string {
    return this.#describe();
  }
}

// A synchronous call as a promise (the zeromq.js shape of bind and unbind).
function settle(call: () => void): Promise<void> {
  try {
    call();
    return Promise.resolve();
  } catch (error) {
    return Promise.reject(error);
  }
}
