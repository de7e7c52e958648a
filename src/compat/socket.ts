/**
 * The zeromq.js-shaped Socket base: a main-API socket inside, with
 * zeromq.js's constructor (`new Socket(type, options)`), its errors (with
 * `address`), Buffer frames, and objects that refuse unknown properties.
 *
 * @module
 */
import type { Buffer } from "node:buffer";
import { SocketType } from "../../ffi/constants.ts";
import { ZmqError } from "../errors.ts";
import type { Socket as MainSocket } from "../socket.ts";
import {
  Dealer as MainDealer,
  Pair as MainPair,
  Publisher as MainPublisher,
  Pull as MainPull,
  Push as MainPush,
  type ReadableSocket,
  Reply as MainReply,
  Request as MainRequest,
  Router as MainRouter,
  Stream as MainStream,
  Subscriber as MainSubscriber,
  type WritableSocket,
  XPublisher as MainXPublisher,
  XSubscriber as MainXSubscriber,
} from "../sockets.ts";
import { type Context, innerContext, wrapContext } from "./context.ts";
import { compatError, rethrow } from "./errors.ts";
import { toBuffers } from "./frames.ts";
import { defineCompatOptions } from "./options.ts";
import { getRawOption, setRawOption } from "./raw_options.ts";
import { createObserver, type Observer } from "./observer.ts";

/** A received frame: a Node Buffer (so `toString()` gives the text). */
export type Message = Buffer;

/** One frame as `send` accepts it. */
export type MessageLike =
  | ArrayBufferView
  | ArrayBuffer
  | SharedArrayBuffer
  | string
  | null;

/** A main-API socket class. @internal */
// deno-lint-ignore no-explicit-any
export type MainClass = new (options: any) => MainSocket;

const mainClasses: Record<number, MainClass> = {
  [SocketType.PAIR]: MainPair,
  [SocketType.PUB]: MainPublisher,
  [SocketType.SUB]: MainSubscriber,
  [SocketType.REQ]: MainRequest,
  [SocketType.REP]: MainReply,
  [SocketType.DEALER]: MainDealer,
  [SocketType.ROUTER]: MainRouter,
  [SocketType.PULL]: MainPull,
  [SocketType.PUSH]: MainPush,
  [SocketType.XPUB]: MainXPublisher,
  [SocketType.XSUB]: MainXSubscriber,
  [SocketType.STREAM]: MainStream,
};

/** Lets `new Socket(type)` make a draft type (see ./draft.ts). @internal */
export function registerSocketType(type: number, mainClass: MainClass): void {
  mainClasses[type] = mainClass;
}

/** The main-API socket inside a compat one. @internal */
export let innerSocket: (socket: object) => MainSocket;

/**
 * The base of the zeromq.js-shaped socket classes. Use a concrete class
 * (`Push`, `Router`, ...), or `new Socket(type, options)` with a libzmq
 * socket type number as zeromq.js allows.
 *
 * Options are properties with zeromq.js's names; after construction the
 * object is not extensible, so assigning a misspelt option throws a
 * TypeError instead of doing nothing.
 *
 * @example
 * ```ts
 * import { Dealer } from "@zmq-ffi/zmq/compat";
 * const sock = new Dealer({ routingId: "worker-1" });
 * console.log(sock.routingId); // "worker-1"
 * sock.close();
 * ```
 */
export class Socket {
  #inner: MainSocket;
  #events: Observer | undefined;

  /**
   * Creates a socket of a libzmq type number (0 PAIR ... 11 STREAM) with
   * the given options, set in order as properties.
   */
  constructor(type: number, options: object = {}) {
    if (typeof type !== "number") {
      throw new TypeError("Socket type must be a number");
    }
    if (typeof options !== "object" || options === null) {
      throw new TypeError("Options must be an object");
    }
    const MainClass = Object.hasOwn(mainClasses, type)
      ? mainClasses[type]
      : undefined;
    if (MainClass === undefined) {
      throw new ZmqError(
        "EINVAL",
        `Invalid argument: ${type} is not a socket type this entry supports (0 PAIR to 11 STREAM)`,
        { operation: "create socket" },
      );
    }
    const { context, ...settings } = options as Record<string, unknown>;
    this.#inner = new MainClass(
      context === undefined ? {} : { context: innerContext(context) },
    );
    Object.preventExtensions(this);
    try {
      for (const [name, value] of Object.entries(settings)) {
        if (value !== undefined) {
          (this as unknown as Record<string, unknown>)[name] = value;
        }
      }
    } catch (error) {
      this.#inner.close();
      throw compatError(error);
    }
  }

  static {
    innerSocket = (socket) => {
      if (!(socket instanceof Socket)) {
        throw new TypeError("Socket must be a socket object");
      }
      return socket.#inner;
    };
  }

  /** The event observer of this socket, made on first read. */
  get events(): Observer {
    this.#events ??= createObserver(this.#inner.events);
    return this.#events;
  }

  /** The context this socket belongs to. */
  get context(): Context {
    return wrapContext(this.#inner.context);
  }

  /** True once the socket (or its context) was closed. */
  get closed(): boolean {
    return this.#inner.closed;
  }

  /** True when a message can be received now; false on a closed socket. */
  get readable(): boolean {
    if (this.#inner.closed) return false;
    try {
      return this.#inner.readable;
    } catch (error) {
      throw compatError(error);
    }
  }

  /** True when a message can be sent now; false on a closed socket. */
  get writable(): boolean {
    if (this.#inner.closed) return false;
    try {
      return this.#inner.writable;
    } catch (error) {
      throw compatError(error);
    }
  }

  /**
   * How console.log shows the socket (Deno, Bun and Node all ask this
   * symbol): as the main-API socket inside it, which is the same class.
   */
  [Symbol.for("nodejs.util.inspect.custom")](
    _depth: number,
    options: unknown,
    inspect: (value: unknown, options: unknown) => string,
  ): string {
    return inspect(this.#inner, options);
  }

  /** Closes the socket; idempotent. Unsent messages are dropped (linger 0 by default). */
  close(): void {
    this.#inner.close();
  }

  /**
   * Escape hatches by ZMQ_ option number, as zeromq.js has them (it calls
   * them protected; they are callable all the same). Options outside the
   * option table, other than ZMQ_SUBSCRIBE and ZMQ_UNSUBSCRIBE, are EINVAL.
   *
   * @example
   * ```ts
   * import { Dealer } from "@zmq-ffi/zmq/compat";
   * const sock = new Dealer();
   * sock.setInt32Option(17, 100); // ZMQ_LINGER
   * console.log(sock.getInt32Option(17), sock.linger); // 100 100
   * sock.close();
   * ```
   */
  getBoolOption(option: number): boolean {
    return this.#raw(() =>
      getRawOption(this.#inner, "Bool", option) as boolean
    );
  }
  /** Sets a boolean option by number: see {@link Socket.getBoolOption}. */
  setBoolOption(option: number, value: boolean): void {
    this.#raw(() => setRawOption(this.#inner, "Bool", option, value));
  }
  /** Reads an int option by number: see {@link Socket.getBoolOption}. */
  getInt32Option(option: number): number {
    return this.#raw(() =>
      getRawOption(this.#inner, "Int32", option) as number
    );
  }
  /** Sets an int option by number: see {@link Socket.getBoolOption}. */
  setInt32Option(option: number, value: number): void {
    this.#raw(() => setRawOption(this.#inner, "Int32", option, value));
  }
  /** Reads an unsigned int option by number: see {@link Socket.getBoolOption}. */
  getUint32Option(option: number): number {
    return this.#raw(() =>
      getRawOption(this.#inner, "Uint32", option) as number
    );
  }
  /** Sets an unsigned int option by number: see {@link Socket.getBoolOption}. */
  setUint32Option(option: number, value: number): void {
    this.#raw(() => setRawOption(this.#inner, "Uint32", option, value));
  }
  /** Reads an int64 option by number: see {@link Socket.getBoolOption}. */
  getInt64Option(option: number): number {
    return this.#raw(() =>
      getRawOption(this.#inner, "Int64", option) as number
    );
  }
  /** Sets an int64 option by number: see {@link Socket.getBoolOption}. */
  setInt64Option(option: number, value: number): void {
    this.#raw(() => setRawOption(this.#inner, "Int64", option, value));
  }
  /** Reads a uint64 option by number: see {@link Socket.getBoolOption}. */
  getUint64Option(option: number): number {
    return this.#raw(() =>
      getRawOption(this.#inner, "Uint64", option) as number
    );
  }
  /** Sets a uint64 option by number: see {@link Socket.getBoolOption}. */
  setUint64Option(option: number, value: number): void {
    this.#raw(() => setRawOption(this.#inner, "Uint64", option, value));
  }
  /** Reads a string option by number (null when unset): see {@link Socket.getBoolOption}. */
  getStringOption(option: number): string | null {
    return this.#raw(() =>
      getRawOption(this.#inner, "String", option) as string | null
    );
  }
  /** Sets a string option by number (null clears it): see {@link Socket.getBoolOption}. */
  setStringOption(option: number, value: string | Buffer | null): void {
    this.#raw(() => setRawOption(this.#inner, "String", option, value));
  }

  #raw<T>(call: () => T): T {
    try {
      return call();
    } catch (error) {
      throw compatError(error);
    }
  }

  /** Binds to an address; resolves when bound. Errors carry `address`. */
  bind(address: string): Promise<void> {
    return this.#inner.bind(address).catch(rethrow(address));
  }

  /** Stops listening on a bound address. */
  unbind(address: string): Promise<void> {
    return this.#inner.unbind(address).catch(rethrow(address));
  }

  /** Connects to an address; libzmq connects (and reconnects) in the background. */
  connect(address: string): void {
    try {
      this.#inner.connect(address);
    } catch (error) {
      throw compatError(error, address);
    }
  }

  /** Disconnects from an address given to {@link Socket.connect}. */
  disconnect(address: string): void {
    try {
      this.#inner.disconnect(address);
    } catch (error) {
      throw compatError(error, address);
    }
  }
}

// `new Socket(type)` has the options every socket type has, as in zeromq.js.
defineCompatOptions(Socket, "all", innerSocket);

/** The sending side of a compat socket, as zeromq.js's `Writable`. */
export interface Writable<
  M extends MessageLike | MessageLike[] = MessageLike | MessageLike[],
> {
  /** Sends a message (one frame or an array of frames); resolves once queued. */
  send(message: M): Promise<void>;
}

/** The receiving side of a compat socket, as zeromq.js's `Readable`. */
export interface Readable<M extends object[] = Message[]> {
  /** Receives the next message as Buffers. */
  receive(): Promise<M>;
  /** Iterates over incoming messages until the socket is closed. */
  [Symbol.asyncIterator](): AsyncIterator<M, undefined>;
}

function send(this: Socket, message: MessageLike | MessageLike[]) {
  const inner = innerSocket(this) as WritableSocket;
  return inner.send(message).catch(rethrow());
}

function receive(this: Socket): Promise<Buffer[]> {
  const inner = innerSocket(this) as ReadableSocket;
  return inner.receive().then(toBuffers, rethrow());
}

function iterate(this: Socket): AsyncIterator<Buffer[], undefined> {
  const messages = (innerSocket(this) as ReadableSocket)
    [Symbol.asyncIterator]();
  return {
    next: () =>
      messages.next().then(
        (result) =>
          result.done
            ? { value: undefined, done: true }
            : { value: toBuffers(result.value), done: false },
        rethrow(),
      ),
    return: () => Promise.resolve({ value: undefined, done: true }),
  };
}

/** Gives a compat class the sending and/or receiving methods. @internal */
export function defineMethods(
  // deno-lint-ignore no-explicit-any
  socketClass: new (...args: any[]) => Socket,
  methods: { send?: boolean; receive?: boolean },
): void {
  const prototype = socketClass.prototype as unknown as Record<
    PropertyKey,
    unknown
  >;
  const define = (key: PropertyKey, value: unknown) =>
    Object.defineProperty(prototype, key, {
      value,
      writable: true,
      configurable: true,
      enumerable: false,
    });
  if (methods.send) define("send", send);
  if (methods.receive) {
    define("receive", receive);
    define(Symbol.asyncIterator, iterate);
  }
}
