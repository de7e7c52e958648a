/**
 * Context: owns libzmq's I/O threads and the sockets created in it.
 *
 * @module
 */
import process from "node:process";
import { isMainThread } from "node:worker_threads";
import type { Pointer } from "../ffi/backend.ts";
import { loadLibzmq } from "../ffi/load.ts";
import { lastError, retryOnSignal, zmqError } from "./errors.ts";
import { refuseStructuredClone } from "./thread.ts";
import { ContextExitGuard, releaseThreadKeys } from "./thread_exit.ts";
import {
  capInfiniteLinger,
  closeNativeSocket,
  discardNativeSocket,
  type NativeSocket,
  ownSocket,
  type SocketOwner,
} from "./native_socket.ts";
import { encodeContextOption } from "./option_codec.ts";
import {
  type ContextOptionName,
  contextOptions,
  type ContextOptionSpec,
} from "./options.ts";

export { CLOSE_LINGER_CAP } from "./native_socket.ts";

/** What a Context's finalizer needs, so it never holds the Context itself. */
interface ContextState extends SocketOwner {
  handle: Pointer | null;
  terminated: boolean;
  sockets: Set<NativeSocket>;
  /** On a worker thread: closes its sockets and terminates it when the thread ends. */
  exit: ContextExitGuard | null;
}

/** Options of a {@link Context}, applied when it is created. */
export interface ContextOptions {
  /** ZMQ_BLOCKY: when true, new sockets default to linger -1 (wait forever at termination). Default false. */
  blocky?: boolean;
  /** ZMQ_IO_THREADS: size of libzmq's I/O thread pool (default 1). */
  ioThreads?: number;
  /** ZMQ_MAX_MSGSZ: largest message size in bytes the context accepts. */
  maxMessageSize?: number;
  /** ZMQ_MAX_SOCKETS: most sockets the context may have open (default 1023). */
  maxSockets?: number;
  /** ZMQ_IPV6: enable IPv6 on new sockets. */
  ipv6?: boolean;
  /** ZMQ_THREAD_PRIORITY: scheduling priority of the I/O threads (OS-specific, -1 leaves it). */
  threadPriority?: number;
  /** ZMQ_THREAD_SCHED_POLICY: scheduling policy of the I/O threads (OS-specific, -1 leaves it). */
  threadSchedulingPolicy?: number;
}

/**
 * The context options as properties of a {@link Context}.
 *
 * @example
 * ```ts
 * import { Context } from "@zmq-ffi/zmq";
 * const ctx = new Context();
 * ctx.ioThreads = 2; // before its first socket
 * console.log(ctx.socketLimit);
 * ctx.close();
 * ```
 */
export interface ContextOptionProperties {
  /** ZMQ_BLOCKY: whether new sockets default to an infinite linger. */
  blocky: boolean;
  /** ZMQ_IPV6: whether new sockets use IPv6. */
  ipv6: boolean;
  /** ZMQ_IO_THREADS: the size of the I/O thread pool (set it before creating sockets). */
  ioThreads: number;
  /** ZMQ_MAX_SOCKETS: the most sockets this context may have open. */
  maxSockets: number;
  /** ZMQ_MAX_MSGSZ: the largest message size in bytes. */
  maxMessageSize: number;
  /** ZMQ_THREAD_PRIORITY: scheduling priority of the I/O threads (-1: the OS default). */
  threadPriority: number;
  /** ZMQ_THREAD_SCHED_POLICY: scheduling policy of the I/O threads (-1: the OS default). */
  threadSchedulingPolicy: number;
  /** ZMQ_SOCKET_LIMIT: the largest maxSockets this libzmq supports. */
  readonly socketLimit: number;
}

function terminate(state: ContextState, dropped = false): void {
  if (state.terminated) return;
  // Threads that borrowed sockets (a running Proxy) let go before any closes.
  for (const socket of [...state.sockets]) socket.reclaim?.();
  state.terminated = true;
  for (const socket of state.sockets) {
    const notify = socket.onClose;
    if (dropped) discardNativeSocket(socket);
    else {
      capInfiniteLinger(socket);
      closeNativeSocket(socket);
    }
    notify?.("context");
  }
  state.sockets.clear();
  state.exit?.end();
  state.exit = null;
  if (state.handle !== null) {
    if ((dropped && state.lingering) || state.lingeringForever) {
      // zmq_ctx_term would wait for what sockets closed earlier with a linger
      // (-1: maybe forever) still have to send: stop the context without
      // waiting and leave its I/O threads to finish while the program runs.
      loadLibzmq().zmq_ctx_shutdown(state.handle);
    } else {
      const handle = state.handle;
      // A signal interrupts zmq_ctx_term (EINTR); it can be restarted.
      retryOnSignal(() => loadLibzmq().zmq_ctx_term(handle), (rc) => rc !== 0);
    }
    state.handle = null;
  }
}

// A dropped Context is terminated here, never blocking the thread that runs
// finalizers: zmq_ctx_term waits for unsent messages of lingering sockets
// (forever with linger -1 and no peer), so its open sockets are closed with
// linger 0, and if the program closed some with a linger the context is only
// shut down.
const contextFinalizer = new FinalizationRegistry<ContextState>((state) =>
  terminate(state, true)
);

/** What sockets need from their context, kept off the public class. */
export interface ContextInternals {
  /** The native context, created on first use. */
  handle(): Pointer;
  /** Registers a native socket so that close() closes it. */
  adopt(socket: NativeSocket): void;
  /** Forgets a native socket that was closed. */
  release(socket: NativeSocket): void;
  /** How many of its sockets are open now. */
  openSockets(): number;
  /**
   * Whether another thread uses the socket now (or libzmq must find it open
   * to the end), so that a worker's exit must not close it.
   */
  hold(socket: NativeSocket, held: boolean): void;
  /** The socket's linger was set: a nonzero one could make terminating wait. */
  lingers(socket: NativeSocket, lingers: boolean): void;
}

/** Terminates a context, dropping unsent messages (for a worker's exit). */
let discardContext: (context: Context) => void;

/** Reaches a context's internals (for src/socket.ts only). */
export let contextInternals: (context: Context) => ContextInternals;

/**
 * A ZeroMQ context. Sockets created without a `context` option use the shared
 * default {@link context}. Closing a context closes its sockets first, then
 * terminates it; with the default linger of 0 that never waits.
 *
 * @example
 * ```ts
 * import { Context, Pull } from "@zmq-ffi/zmq";
 * const ctx = new Context({ ioThreads: 2 });
 * const pull = new Pull({ context: ctx });
 * pull.bindSync("inproc://jobs");
 * ctx.close(); // closes `pull`, then terminates
 * ```
 */
export class Context {
  #state: ContextState = {
    handle: null,
    terminated: false,
    sockets: new Set(),
    lingering: false,
    lingeringForever: false,
    exit: null,
  };
  #options: ContextOptions;

  /** Creates a context; the native context is created on first use. */
  constructor(options: ContextOptions = {}) {
    if (typeof options !== "object" || options === null) {
      throw new TypeError("Context options must be an object");
    }
    for (const [name, value] of Object.entries(options)) {
      const spec = contextOptionSpec(name);
      if (spec === undefined || spec.access === "r") {
        throw new TypeError(
          `Unknown context option '${name}'; known options: ${
            writableContextOptions.join(", ")
          }`,
        );
      }
      if (value !== undefined) encodeContextOption(name, spec, value, true);
    }
    this.#options = { ...options };
    refuseStructuredClone(this, "Context");
    // A misspelt option property throws instead of doing nothing.
    if (new.target === Context) Object.preventExtensions(this);
  }

  /** How Node's and Bun's inspection print a context. @internal */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.#describe();
  }

  /** How Deno's inspection prints a context. @internal */
  [Symbol.for("Deno.customInspect")](): string {
    return this.#describe();
  }

  #describe(): string {
    const state = this.#state;
    return `Context { closed: ${state.terminated}, sockets: ${state.sockets.size}, options: ${
      JSON.stringify(this.#options)
    } }`;
  }

  /** What JSON.stringify shows of a context. */
  toJSON(): { type: string; closed: boolean } {
    return { type: "Context", closed: this.closed };
  }

  static {
    discardContext = (context) => terminate(context.#state, true);
    contextInternals = (context) => ({
      handle: () => context.#handle(),
      adopt: (socket) => {
        context.#state.sockets.add(socket);
        ownSocket(socket, context.#state);
        if (socket.handle !== null) {
          context.#state.exit?.adopt(socket, socket.handle);
        }
      },
      release: (socket) => context.#state.sockets.delete(socket),
      openSockets: () => context.#state.sockets.size,
      hold: (socket, held) => {
        if (socket.handle !== null) {
          context.#state.exit?.hold(socket, socket.handle, held);
        }
      },
      lingers: (socket, lingers) =>
        context.#state.exit?.lingers(socket, lingers),
    });
  }

  #handle(): Pointer {
    const state = this.#state;
    if (state.terminated) {
      throw zmqError("ETERM", "use context", {});
    }
    if (state.handle === null) {
      const handle = loadLibzmq().zmq_ctx_new();
      if (handle === null) throw lastError("zmq_ctx_new");
      state.handle = handle;
      try {
        // Not libzmq's default: blocky false, so that exiting never hangs.
        const options = { blocky: false, ...this.#options };
        for (const [name, value] of Object.entries(options)) {
          const spec = contextOptionSpec(name)!;
          // -1 leaves a thread option at libzmq's default.
          if (value === undefined || (spec.remembered && value === -1)) {
            continue;
          }
          this.#set(
            name,
            spec.id,
            encodeContextOption(name, spec, value, true),
          );
        }
      } catch (error) {
        // Undo, so that every later use fails the same way instead of
        // running with some options silently missing.
        state.handle = null;
        retryOnSignal(
          () => loadLibzmq().zmq_ctx_term(handle),
          (rc) => rc !== 0,
        );
        throw error;
      }
      state.exit = new ContextExitGuard(handle);
      contextFinalizer.register(this, state, this);
    }
    return state.handle;
  }

  #set(name: string, option: number, value: number): void {
    if (loadLibzmq().zmq_ctx_set(this.#handle(), option, value) !== 0) {
      throw lastError(`set context option ${name}`);
    }
  }

  #get(name: string, option: number): number {
    const value = loadLibzmq().zmq_ctx_get(this.#handle(), option);
    if (value < 0) throw lastError(`get context option ${name}`);
    return value;
  }

  /** True once {@link Context.close} was called. */
  get closed(): boolean {
    return this.#state.terminated;
  }

  // The option properties, from the table (src/options.ts).
  static {
    for (const name of Object.keys(contextOptions) as ContextOptionName[]) {
      const spec: ContextOptionSpec = contextOptions[name];
      Object.defineProperty(Context.prototype, name, {
        get(this: Context) {
          if (spec.remembered) {
            return this.#options[name as "threadPriority"] ?? -1;
          }
          const value = this.#get(name, spec.id);
          return spec.type === "boolean" ? value === 1 : value;
        },
        set: spec.access === "r" ? undefined : function (
          this: Context,
          value: unknown,
        ) {
          this.#set(
            name,
            spec.id,
            encodeContextOption(name, spec, value, false),
          );
          if (spec.remembered) {
            (this.#options as Record<string, unknown>)[name] = value;
          }
        },
        enumerable: false,
        configurable: true,
      });
    }
  }

  /**
   * Closes every socket of this context (their pending operations fail with
   * ETERM), then terminates it. Idempotent. Terminating blocks this thread
   * while sockets still have messages to deliver, for at most their
   * `linger`: the default of 0 counts as 20 ms here (libzmq 4.3 can abort on
   * an instant close of both ends of a connection), and `linger: -1` as
   * {@link CLOSE_LINGER_CAP} ms. If a socket closed earlier had
   * `linger: -1`, the context is shut down without waiting and finishes in
   * the background while the program runs.
   */
  close(): void {
    contextFinalizer.unregister(this);
    terminate(this.#state);
  }

  /** Same as {@link Context.close}, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }
}

/** The options of a {@link Context} as typed properties (from the option table). */
export interface Context extends ContextOptionProperties {}

const writableContextOptions =
  (Object.keys(contextOptions) as ContextOptionName[])
    .filter((name) => contextOptions[name].access !== "r");

function contextOptionSpec(name: string): ContextOptionSpec | undefined {
  return Object.hasOwn(contextOptions, name)
    ? (contextOptions as Record<string, ContextOptionSpec>)[name]
    : undefined;
}

/**
 * The shared default context used by sockets created without a `context`
 * option. It is never terminated implicitly; a program can exit with it open.
 *
 * @example
 * ```ts
 * import { context, Push } from "@zmq-ffi/zmq";
 * const push = new Push();
 * console.log(push.context === context); // true
 * push.close();
 * ```
 */
export const context: Context = new Context();

// In a worker thread the default context would outlive the worker, and with
// it libzmq's I/O and reaper threads: end it when the worker ends (Deno and
// Bun emit "exit" there; Bun not on Worker.terminate()).
if (!isMainThread) {
  process.once("exit", () => {
    discardContext(context);
    releaseThreadKeys();
  });
}
