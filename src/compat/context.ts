/**
 * The zeromq.js-shaped Context: the main API's Context behind zeromq.js's
 * names, refusing properties it does not know.
 *
 * @module
 */
import {
  Context as MainContext,
  context as mainContext,
  type ContextOptions,
} from "../context.ts";

const wrappers = new WeakMap<MainContext, Context>();
// Set while wrapContext() adopts an existing main-API context.
let adopting: MainContext | undefined;

/** The main-API context behind a compat one (or a main-API one as is). @internal */
export let innerContext: (context: unknown) => MainContext;

/**
 * A ZeroMQ context as in zeromq.js v6. Sockets made without a `context`
 * option use the shared {@link context}. Options are properties; assigning
 * one it does not have throws a TypeError.
 *
 * @example
 * ```ts
 * import { Context, Dealer } from "@zmq-ffi/zmq/compat";
 * const context = new Context({ ioThreads: 2 });
 * const sock = new Dealer({ context });
 * sock.close();
 * ```
 */
export class Context {
  #inner: MainContext;

  /** Creates a context with the given options (zeromq.js option names). */
  constructor(options: ContextOptions = {}) {
    if (typeof options !== "object" || options === null) {
      throw new TypeError("Options must be an object");
    }
    this.#inner = adopting ?? new MainContext();
    wrappers.set(this.#inner, this);
    Object.preventExtensions(this);
    for (const [name, value] of Object.entries(options)) {
      if (value !== undefined) {
        (this as unknown as Record<string, unknown>)[name] = value;
      }
    }
  }

  static {
    innerContext = (context) => {
      if (context instanceof Context) return context.#inner;
      if (context instanceof MainContext) return context;
      throw new TypeError("Option 'context' must be a Context");
    };
  }

  /** ZMQ_BLOCKY: whether sockets made after this default to an infinite linger. */
  get blocky(): boolean {
    return this.#inner.blocky;
  }
  set blocky(value: boolean) {
    this.#inner.blocky = value;
  }

  /** ZMQ_IO_THREADS: the size of libzmq's I/O thread pool. */
  get ioThreads(): number {
    return this.#inner.ioThreads;
  }
  set ioThreads(value: number) {
    this.#inner.ioThreads = value;
  }

  /** ZMQ_MAX_MSGSZ: the largest message size in bytes. */
  get maxMessageSize(): number {
    return this.#inner.maxMessageSize;
  }
  set maxMessageSize(value: number) {
    this.#inner.maxMessageSize = value;
  }

  /** ZMQ_MAX_SOCKETS: the most sockets this context may have open. */
  get maxSockets(): number {
    return this.#inner.maxSockets;
  }
  set maxSockets(value: number) {
    this.#inner.maxSockets = value;
  }

  /** ZMQ_SOCKET_LIMIT: the largest `maxSockets` this libzmq supports. */
  get maxSocketsLimit(): number {
    return this.#inner.socketLimit;
  }

  /** ZMQ_IPV6: whether sockets made after this use IPv6. */
  get ipv6(): boolean {
    return this.#inner.ipv6;
  }
  set ipv6(value: boolean) {
    this.#inner.ipv6 = value;
  }

  /** ZMQ_THREAD_PRIORITY: scheduling priority of the I/O threads. */
  get threadPriority(): number {
    return this.#inner.threadPriority;
  }
  set threadPriority(value: number) {
    this.#inner.threadPriority = value;
  }

  /** ZMQ_THREAD_SCHED_POLICY: scheduling policy of the I/O threads. */
  get threadSchedulingPolicy(): number {
    return this.#inner.threadSchedulingPolicy;
  }
  set threadSchedulingPolicy(value: number) {
    this.#inner.threadSchedulingPolicy = value;
  }

  /**
   * Closes the context's sockets and terminates it (zeromq.js leaves this to
   * the garbage collector; calling it is optional here too).
   */
  close(): void {
    this.#inner.close();
  }
}

/** The compat Context of a main-API context, made on first use. @internal */
export function wrapContext(inner: MainContext): Context {
  let wrapper = wrappers.get(inner);
  if (wrapper === undefined) {
    adopting = inner;
    try {
      wrapper = new Context();
    } finally {
      adopting = undefined;
    }
  }
  return wrapper;
}

/**
 * The shared context of sockets made without a `context` option (the main
 * API's default context, as a compat Context).
 *
 * @example
 * ```ts
 * import { context, Push } from "@zmq-ffi/zmq/compat";
 * const push = new Push();
 * console.log(push.context === context); // true
 * push.close();
 * ```
 */
export const context: Context = wrapContext(mainContext);
