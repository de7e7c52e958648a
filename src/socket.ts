/**
 * The Socket base class: lifecycle, options, and sending and receiving in
 * three forms: `try*` (never waits), `*Sync` (blocks the calling thread) and
 * awaitable (waits on the watcher thread, never blocking the event loop).
 *
 * @module
 */
import type { Pointer } from "../ffi/backend.ts";
import {
  DONTWAIT,
  MSG_T_SIZE,
  POLLIN,
  POLLOUT,
  SNDMORE,
  SocketOption,
} from "../ffi/constants.ts";
import {
  backend,
  type Libc,
  type Libzmq,
  loadLibc,
  loadLibzmq,
} from "../ffi/load.ts";
import { capability } from "./capability.ts";
import {
  closeNativeSocket,
  Context,
  context as defaultContext,
  contextInternals,
  discardNativeSocket,
  type NativeSocket,
} from "./context.ts";
import {
  errorCode,
  lastError,
  retryOnSignal,
  ZmqError,
  zmqError,
} from "./errors.ts";
import { type Message, toFrame, toFrames } from "./message.ts";
import {
  type OptionName,
  type OptionSpec,
  socketOptions,
  type SocketTypeName,
} from "./options.ts";
import { descriptorClosing, POLL_IN, watcher } from "./watcher.ts";
import type { Observer } from "./observer.ts";
import { refuseStructuredClone } from "./thread.ts";

let zmq: Libzmq;
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const intValue = new Int32Array(1);
const longValue = new BigInt64Array(1);
const optionLength = new BigUint64Array(1);
const INT_MAX = 0x7fffffff;
// After this many operations that completed at once, an awaited operation
// yields to the event loop so a busy socket cannot starve timers and I/O.
const SYNC_BUDGET = 256;
// Received frames above this size are released from libzmq right away.
const LARGE_FRAME = 65536;
// Frames up to this size are copied through `scratch` (see sendFrame).
const SMALL_FRAME = 256;
const scratch = new Uint8Array(65536);
const MAX_SCRATCH_STRING = Math.floor(scratch.length / 3);
const smallSizes = Array.from({ length: 1025 }, (_, n) => BigInt(n));
const resolved = Promise.resolve();
const pollerEvent = new BigUint64Array(4); // zmq_poller_event_t
const metadataMsg = new BigUint64Array(MSG_T_SIZE / 8);
let libc: Libc;

// A brief wait: when a socket streams (several operations completed without
// waiting) and then has to wait, the owning thread first blocks in ppoll(2)
// on the socket's own descriptor for at most 50 us (setBriefWait). The next batch
// usually arrives within microseconds, and catching it here saves two thread
// hops (libzmq I/O thread -> watcher thread -> this thread), tens of
// microseconds each. A wait that times out backs off exponentially on that
// socket, and a whole turn of the event loop allows at most
// BRIEF_WAITS_PER_TURN of them, so the loop is held up by at most
// 8 x 50 us per turn, and an idle socket never pays for it. Linux only (ppoll).
const BRIEF_WAITS_PER_TURN = 8;
const STREAK_FOR_BRIEF_WAIT = 8;
const briefFds = new Int16Array(4); // one struct pollfd { int fd; short events, revents; }
const briefFd = new Int32Array(briefFds.buffer, 0, 1);
const briefTimeout = BigInt64Array.of(0n, 50_000n); // struct timespec: 50 us
let briefWaitsLeft = BRIEF_WAITS_PER_TURN;
let briefRefillScheduled = false;
const refillBriefWaits = () => {
  briefRefillScheduled = false;
  briefWaitsLeft = BRIEF_WAITS_PER_TURN;
};
const briefStats = { waits: 0, caught: 0, mostInOneTurn: 0 };

/** Counters of brief waits in this thread, for tests. @internal */
export function briefWaitStats(): {
  waits: number;
  caught: number;
  mostInOneTurn: number;
} {
  return { ...briefStats };
}

/**
 * Sets how long a streaming socket may block the event loop in a brief wait
 * before handing its wait to the watcher thread: 0 to 1000 microseconds
 * (default 50; 0 turns brief waits off, so that no wait ever blocks the event
 * loop). See "Brief waits" in the README. Linux only; elsewhere there are
 * none.
 *
 * @example
 * ```ts
 * import { setBriefWait } from "@zmq-ffi/zmq";
 * setBriefWait(0); // never block the event loop, at some cost in throughput
 * ```
 */
export function setBriefWait(microseconds: number): void {
  if (typeof microseconds !== "number") {
    throw new TypeError(
      `setBriefWait takes a number of microseconds, got ${typeof microseconds}`,
    );
  }
  if (
    !Number.isInteger(microseconds) || microseconds < 0 || microseconds > 1000
  ) {
    throw new RangeError(
      `setBriefWait takes an integer from 0 to 1000 microseconds, got ${microseconds}`,
    );
  }
  briefTimeout[1] = BigInt(microseconds) * 1000n;
}

// Blocks this thread until fd is readable or the brief wait passed; true if
// readable. False at once where there is no ppoll, brief waits are off or
// this turn used its share.
function briefWait(fd: number): boolean {
  if (
    libc.ppoll === undefined || briefWaitsLeft <= 0 || briefTimeout[1] === 0n
  ) return false;
  briefWaitsLeft--;
  if (!briefRefillScheduled) {
    briefRefillScheduled = true;
    setImmediate(refillBriefWaits);
  }
  briefStats.waits++;
  briefStats.mostInOneTurn = Math.max(
    briefStats.mostInOneTurn,
    BRIEF_WAITS_PER_TURN - briefWaitsLeft,
  );
  briefFd[0] = fd;
  briefFds[2] = POLL_IN;
  briefFds[3] = 0;
  if (libc.ppoll(briefFds, 1n, briefTimeout, null) <= 0) return false;
  briefStats.caught++;
  return true;
}

// Allocating a typed array costs ~0.5 us on Deno (each gets its own backing
// store), a view on an existing buffer ~0.015 us: there, small received
// frames are views carved from a slab, never reused once handed out (like
// Node's Buffer pool); a frame keeps its slab alive and frame.buffer is the
// whole slab. On Bun a new Uint8Array of up to 256 bytes (~18-42 ns) is
// cheaper than a view (~50 ns), so those frames get their own (a new 1 KiB
// one costs ~260 ns there).
const SLAB_SIZE = 32768;
const SLAB_FRAME = 1024;
// Deno: pass a socket's zmq_msg_t by address on the receive path (cheaper).
const MSG_BY_ADDRESS = backend.runtime === "deno";
const OWN_FRAME_MAX = backend.runtime === "bun" ? 256 : 0;
let slab = new ArrayBuffer(SLAB_SIZE);
let slabOffset = 0;

function slabFrame(size: number): Uint8Array {
  if (size <= OWN_FRAME_MAX) return new Uint8Array(size);
  if (slabOffset + size > SLAB_SIZE) {
    slab = new ArrayBuffer(SLAB_SIZE);
    slabOffset = 0;
  }
  const frame = new Uint8Array(slab, slabOffset, size);
  slabOffset = (slabOffset + size + 7) & ~7;
  return frame;
}

function sizeOf(length: number): bigint {
  return length < smallSizes.length ? smallSizes[length] : BigInt(length);
}

// A non-blocking zmq_send processes the commands that free room at the
// high-water mark (activate_write) at most about once a millisecond, so its
// EAGAIN may be stale; reading ZMQ_EVENTS processes them now. Checking before
// waiting saves a wake-up through the watcher thread, most of the time.
function writableNow(handle: Pointer): boolean {
  const events = readEvents(handle);
  return events >= 0 && (events & POLLOUT) !== 0;
}

// ZMQ_EVENTS of a socket, or -1 when libzmq refuses (errno is set).
// Retries when a signal interrupted libzmq's processing of its commands
// (EINTR: a non-blocking call may see it too, e.g. under a CPU profiler).
function readEvents(handle: Pointer): number {
  const rc = retryOnSignal(() => {
    optionLength[0] = 4n;
    return zmq.zmq_getsockopt(
      handle,
      SocketOption.EVENTS,
      intValue,
      optionLength,
    );
  }, (result) => result !== 0);
  return rc === 0 ? intValue[0] : -1;
}

// V8 keeps typed arrays of up to 64 bytes on its heap, and handing one of
// those to an FFI call leaves Deno's fast path (~10x slower): small frames go
// through the scratch buffer, which lives off-heap.
function sendFrame(handle: Pointer, frame: Uint8Array, flags: number): number {
  const length = frame.byteLength;
  if (length <= SMALL_FRAME) {
    scratch.set(frame);
    return zmq.zmq_send(handle, scratch, smallSizes[length], flags);
  }
  return zmq.zmq_send(handle, frame, BigInt(length), flags);
}

/** Options for an awaited send or receive. */
export interface OperationOptions {
  /** Aborts the wait; the promise rejects with the signal's reason and no message is lost. */
  signal?: AbortSignal;
}

interface NativeState extends NativeSocket {
  msg: BigUint64Array;
  // msg's address (its ArrayBuffer never moves), for the *_at functions.
  msgAt: Pointer;
  slot: number;
  // A zmq_poller (as void** for zmq_poller_destroy) for sockets without ZMQ_FD.
  poller: BigUint64Array | null;
  // The descriptor the watcher polls (ZMQ_FD or the zmq_poller's), once known.
  fd: number;
}

/** Per-message routing data of the draft socket types. */
export interface MessageMetadata {
  /** The peer to send to (Server, Peer) or that sent it. */
  routingId?: number;
  /** The group to send to (Radio) or that it was sent to (Dish). */
  group?: string;
}

interface Pending<T> {
  resolve(value: T): void;
  reject(error: unknown): void;
  frames: Uint8Array[] | null;
  metadata: MessageMetadata | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  timer: ReturnType<typeof setTimeout> | undefined;
}

// Runs before zmq_close, whoever closes the socket.
function releaseNative(native: NativeState): void {
  // A Poller waiting on this socket learns that it is going away.
  if (native.fd >= 0) descriptorClosing(native.fd);
  if (native.slot >= 0) {
    watcher().close(native.slot);
    native.slot = -1;
  }
  if (native.poller !== null) {
    zmq.zmq_poller_destroy?.(native.poller);
    native.poller = null;
  }
}

// A socket dropped without close() is closed here; close() unregisters it,
// so nothing is freed twice. On the default context, which is never
// terminated, the socket's linger is honoured: libzmq keeps delivering what
// was queued in the background. Elsewhere what it still had to send is
// dropped, so that the context, if it is dropped too, can terminate.
const socketFinalizer = new FinalizationRegistry<
  { native: NativeState; context: Context }
>(({ native, context }) => {
  contextInternals(context).release(native);
  if (context === defaultContext) closeNativeSocket(native);
  else discardNativeSocket(native);
  zmq.zmq_msg_close(native.msg);
});

/** What socket subclasses in other modules may reach (not public API). */
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
  /** The socket's ZMQ_FD (edge-triggered: re-check ZMQ_EVENTS after each wake-up). */
  fd(): number;
  /** ZMQ_EVENTS now (POLLIN | POLLOUT bits). */
  events(): number;
  /**
   * Makes this a single-frame socket whose received messages are
   * `[frame, metadata]`, with `read` building the metadata from the zmq_msg_t.
   */
  singleFrame(read: ((msg: BigUint64Array) => MessageMetadata) | null): void;
  /** Clears the signal of a thread-safe socket's zmq_poller fd (no-op otherwise). */
  resetSignal(): void;
  /** Completes the socket's own waiting operations if they can be now. */
  kick(): void;
  /** Calls `listener` after each operation that may consume the ZMQ_FD edge. */
  addEdgeListener(listener: () => void): void;
  /** Undoes {@link SocketInternals.addEdgeListener}. */
  removeEdgeListener(listener: () => void): void;
}

/** The observer factory registered by src/observer.ts (kept off socket.ts's imports). */
let createObserver: ((socket: Socket) => Observer) | undefined;

/** Registers how `socket.events` creates its observer (called by src/observer.ts). */
export function registerObserverFactory(
  factory: (socket: Socket) => Observer,
): void {
  createObserver = factory;
}

/** Reaches a socket's internals (for src/ modules only). */
export let socketInternals: (socket: Socket) => SocketInternals;

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
  #context: Context;
  #kind: SocketTypeName;
  #written = new Map<string, unknown>();
  #sendTimeout = -1;
  #receiveTimeout = -1;
  #senders: Pending<void>[] = [];
  #receivers: Pending<Uint8Array[]>[] = [];
  #budget = SYNC_BUDGET;
  // Operations completed without waiting since the last wait.
  #streak = 0;
  // Brief waits to skip, after #briefMisses timed out in a row.
  #briefSkip = 0;
  #briefMisses = 0;
  #yielding = false;
  #lentTo: string | null = null;
  #reclaim: ((reason: "socket" | "context") => void) | undefined;
  #singleFrame = false;
  // Bound or connected at least once (see the high-water marks in setOption).
  #attached = false;
  #edgeListeners: Set<() => void> | null = null;
  #readMetadata: ((msg: BigUint64Array) => MessageMetadata) | null = null;
  #observer: Observer | undefined;
  #onReady = () => {
    this.#budget = SYNC_BUDGET;
    this.#resetSignal();
    this.#process();
  };

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
      const spec = optionSpec(name);
      if (spec === undefined || !appliesTo(spec, kind) || spec.access === "r") {
        throw new TypeError(
          `Unknown or read-only option '${name}' for ${this.constructor.name} sockets`,
        );
      }
    }
    zmq = loadLibzmq();
    libc ??= loadLibc();
    const handle = zmq.zmq_socket(contextInternals(context).handle(), type);
    if (handle === null) {
      throw lastError("create socket", { socketType: this.constructor.name });
    }
    const msg = new BigUint64Array(new ArrayBuffer(MSG_T_SIZE));
    zmq.zmq_msg_init(msg);
    const native: NativeState = {
      handle,
      msg,
      msgAt: backend.pointerOf(msg),
      slot: -1,
      poller: null,
      fd: -1,
    };
    native.beforeClose = () => releaseNative(native);
    this.#native = native;
    // The context holds `native`, so this must not hold the socket itself,
    // or a dropped socket could never be collected.
    const self = new WeakRef(this);
    this.#native.onClose = () => {
      const socket = self.deref();
      if (socket !== undefined) socket.#closed("context");
    };
    this.#context = context;
    this.#kind = kind;
    refuseStructuredClone(this, "Socket");
    contextInternals(context).adopt(this.#native);
    socketFinalizer.register(this, { native: this.#native, context }, this);
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

  /** True when a message can be received now without waiting (ZMQ_EVENTS). */
  get readable(): boolean {
    const events = this.#events("readable");
    this.#touched();
    return (events & POLLIN) !== 0;
  }

  /** True when a message can be sent now without waiting (ZMQ_EVENTS). */
  get writable(): boolean {
    const events = this.#events("writable");
    this.#touched();
    return (events & POLLOUT) !== 0;
  }

  static {
    socketInternals = (socket) => ({
      handle: (operation) => socket.#handle(operation),
      error: (operation, endpoint) => socket.#error(operation, endpoint),
      lend: (owner, reclaim) => socket.#lend(owner, reclaim),
      giveBack: () => {
        socket.#lentTo = null;
        socket.#reclaim = undefined;
        socket.#native.reclaim = undefined;
      },
      kind: socket.#kind,
      context: socket.#context,
      fd: () => socket.#fd(),
      events: () => socket.#events("poll"),
      singleFrame: (read) => {
        socket.#singleFrame = true;
        socket.#readMetadata = read;
      },
      resetSignal: () => socket.#resetSignal(),
      kick: () => {
        if (socket.#senders.length > 0 || socket.#receivers.length > 0) {
          socket.#process();
        }
      },
      addEdgeListener: (listener) => {
        (socket.#edgeListeners ??= new Set()).add(listener);
      },
      removeEdgeListener: (listener) => {
        socket.#edgeListeners?.delete(listener);
        if (socket.#edgeListeners?.size === 0) socket.#edgeListeners = null;
      },
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

  // After any libzmq call that may have processed the socket's commands and
  // so consumed the edge of ZMQ_FD: complete what waits on this socket now,
  // since the watcher may never see that edge.
  #touched(): void {
    if (this.#senders.length > 0 || this.#receivers.length > 0) {
      this.#process();
    }
    if (this.#edgeListeners !== null) {
      for (const listener of [...this.#edgeListeners]) listener();
    }
  }

  // `reclaim` is called synchronously before this thread closes the socket
  // (or its context terminates): the borrower must let go of it first.
  #lend(
    owner: string,
    reclaim?: (reason: "socket" | "context") => void,
  ): Pointer {
    const handle = this.#handle("lend");
    if (this.#senders.length > 0 || this.#receivers.length > 0) {
      throw new ZmqError(
        "EBUSY",
        `Cannot hand this ${this.constructor.name} socket to ${owner}: awaited operations are pending on it`,
        { operation: "lend" },
      );
    }
    this.#disarm();
    this.#lentTo = owner;
    this.#reclaim = reclaim;
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
    this.#observer ??= createObserver(this);
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
    return events;
  }

  // ---- endpoints -------------------------------------------------------

  #endpoint(operation: string, endpoint: unknown): Uint8Array {
    return encodeEndpoint(operation, endpoint, this.constructor.name);
  }

  /**
   * Binds to an endpoint now (`tcp://127.0.0.1:*` picks a free port; read
   * {@link Socket.lastEndpoint}). Throws ZmqError, e.g. EADDRINUSE.
   */
  bindSync(endpoint: string): void {
    this.#endpointCall("bind", endpoint, zmq.zmq_bind);
    this.#attached = true;
  }

  /** Binds to an endpoint; resolves when bound (the zeromq.js form of {@link Socket.bindSync}). */
  bind(endpoint: string): Promise<void> {
    return settle(() => this.bindSync(endpoint));
  }

  /** Stops listening on a bound endpoint now. */
  unbindSync(endpoint: string): void {
    this.#endpointCall("unbind", endpoint, zmq.zmq_unbind);
  }

  /** Stops listening on a bound endpoint (the zeromq.js form of {@link Socket.unbindSync}). */
  unbind(endpoint: string): Promise<void> {
    return settle(() => this.unbindSync(endpoint));
  }

  /** Connects to an endpoint; libzmq connects (and reconnects) in the background. */
  connect(endpoint: string): void {
    this.#endpointCall("connect", endpoint, zmq.zmq_connect);
    this.#attached = true;
  }

  /** Disconnects from an endpoint given to {@link Socket.connect}. */
  disconnect(endpoint: string): void {
    this.#endpointCall("disconnect", endpoint, zmq.zmq_disconnect);
  }

  // zmq_bind, zmq_unbind, zmq_connect or zmq_disconnect on a checked endpoint.
  #endpointCall(
    operation: string,
    endpoint: string,
    call: (handle: Pointer, address: Uint8Array) => number,
  ): void {
    const address = this.#endpoint(operation, endpoint);
    const handle = this.#handle(operation);
    if (retryOnSignal(() => call(handle, address), (rc) => rc !== 0)) {
      throw this.#error(operation, endpoint);
    }
    this.#touched();
  }

  // ---- options ---------------------------------------------------------

  #spec(name: string): OptionSpec {
    const spec = optionSpec(name);
    if (spec === undefined || !appliesTo(spec, this.#kind)) {
      throw new TypeError(
        `Unknown option '${name}' for ${this.constructor.name} sockets`,
      );
    }
    if (spec.draft && !capability.draft) {
      throw new ZmqError(
        "ENOTSUP",
        `Option '${name}' needs a libzmq built with the draft API (capability.draft is false)`,
        { operation: `option ${name}` },
      );
    }
    if (spec.curve && !capability.curve) {
      throw new ZmqError(
        "ENOTSUP",
        `Option '${name}' needs a libzmq built with CURVE support (capability.curve is false)`,
        { operation: `option ${name}` },
      );
    }
    return spec;
  }

  /**
   * Reads a socket option by its name in the option table (the typed
   * properties call this). Write-only options give the last value written.
   */
  getOption(name: OptionName): unknown {
    const spec = this.#spec(name);
    const handle = this.#handle(`read option ${name}`);
    if (spec.access === "w") {
      return this.#written.get(name) ?? spec.default ??
        (spec.type === "boolean" ? false : null);
    }
    let buffer: Int32Array | BigInt64Array | Uint8Array;
    switch (spec.type) {
      case "number":
      case "boolean":
      case "mechanism":
        buffer = intValue;
        break;
      case "int64":
      case "bigint":
        buffer = longValue;
        break;
      case "key":
        buffer = new Uint8Array(41);
        break;
      default:
        buffer = new Uint8Array(1024);
    }
    optionLength[0] = BigInt(buffer.byteLength);
    if (zmq.zmq_getsockopt(handle, spec.id, buffer, optionLength) !== 0) {
      // A string longer than the buffer (a long lastEndpoint) is EINVAL.
      if (!(buffer instanceof Uint8Array) || spec.type === "key") {
        throw this.#error(`read option ${name}`);
      }
      buffer = new Uint8Array(65536);
      optionLength[0] = BigInt(buffer.byteLength);
      if (zmq.zmq_getsockopt(handle, spec.id, buffer, optionLength) !== 0) {
        throw this.#error(`read option ${name}`);
      }
    }
    const length = Number(optionLength[0]);
    switch (spec.type) {
      case "number":
        return intValue[0];
      case "boolean":
        return intValue[0] !== 0;
      case "mechanism":
        return [null, "plain", "curve", "gssapi"][intValue[0]] ?? null;
      case "int64":
        return Number(longValue[0]);
      case "bigint":
        return BigInt.asUintN(64, longValue[0]);
      case "binary":
        return (buffer as Uint8Array).slice(0, length);
      default: // string and key: NUL-terminated
        return decoder.decode(
          (buffer as Uint8Array).subarray(0, Math.max(0, length - 1)),
        );
    }
  }

  /** Sets a socket option by its name in the option table (the typed properties call this). */
  setOption(name: OptionName, value: unknown): void {
    const spec = this.#spec(name);
    if (spec.access === "r") {
      throw new TypeError(`Option '${name}' is read-only`);
    }
    let bytes = encodeOption(name, spec, value);
    const handle = this.#handle(`set option ${name}`);
    if (
      this.#attached &&
      (spec.id === SocketOption.SNDHWM || spec.id === SocketOption.RCVHWM)
    ) {
      // libzmq up to 4.3.5 sends the new marks to each peer pipe, and one a
      // disconnect just freed crashes its I/O thread (zeromq/libzmq#4524).
      throw new ZmqError(
        "EFSM",
        `Set ${name} before bind() or connect(): libzmq cannot change it safely on a connected socket`,
        { operation: `set option ${name}` },
      );
    }
    // libzmq resets a string option (zapDomain, socksProxy, ...) only when
    // given a NULL pointer: an empty buffer is EINVAL.
    if (spec.type === "string" && bytes.byteLength === 0) {
      bytes = null as unknown as Uint8Array;
    }
    if (
      zmq.zmq_setsockopt(
        handle,
        spec.id,
        bytes,
        BigInt(bytes?.byteLength ?? 0),
      ) !== 0
    ) {
      throw this.#error(`set option ${name}`);
    }
    if (spec.access === "w") this.#written.set(name, value);
    if (spec.id === SocketOption.SNDTIMEO) this.#sendTimeout = value as number;
    if (spec.id === SocketOption.RCVTIMEO) {
      this.#receiveTimeout = value as number;
    }
  }

  /** Sets a raw option: used by subclasses for subscribe and friends. @internal */
  protected setRawOption(
    operation: string,
    id: number,
    value: Uint8Array,
  ): void {
    const handle = this.#handle(operation);
    if (zmq.zmq_setsockopt(handle, id, value, BigInt(value.byteLength)) !== 0) {
      throw this.#error(operation);
    }
    this.#touched();
  }

  // ---- sending ---------------------------------------------------------

  // Sends every frame; false when the first frame would block (nothing sent).
  #sendFrames(frames: Uint8Array[], flags: number, operation: string): boolean {
    const handle = this.#handle(operation);
    const last = frames.length - 1;
    let refreshed = false;
    for (let index = 0; index <= last; index++) {
      const more = index < last ? SNDMORE : 0;
      if (sendFrame(handle, frames[index], flags | more) < 0) {
        if (this.#sendFailed(flags, index, operation)) {
          if (refreshed || !writableNow(handle)) return false;
          refreshed = true;
        }
        index--; // retry the frame
      }
    }
    return true;
  }

  // A one-frame message straight from what the caller passed: strings are
  // encoded into the scratch buffer, so the common case allocates nothing.
  #sendSingle(message: unknown, flags: number, operation: string): boolean {
    const handle = this.#handle(operation);
    let refreshed = false;
    for (;;) {
      let result: number;
      if (typeof message === "string" && message.length <= MAX_SCRATCH_STRING) {
        const { written } = encoder.encodeInto(message, scratch);
        result = zmq.zmq_send(handle, scratch, sizeOf(written), flags);
      } else {
        result = sendFrame(handle, toFrame(message), flags);
      }
      if (result >= 0) return true;
      if (this.#sendFailed(flags, 0, operation)) {
        if (refreshed || !writableNow(handle)) return false;
        refreshed = true;
      }
    }
  }

  // After a failed zmq_send: true for "would block" on the first frame,
  // false to retry (EINTR: a signal interrupted libzmq, blocking or not);
  // throws otherwise.
  #sendFailed(flags: number, index: number, operation: string): boolean {
    const errno = zmq.zmq_errno();
    const code = errorCode(errno);
    if (code === "EINTR") return false;
    if (code === "EAGAIN" && index === 0 && (flags & DONTWAIT) !== 0) {
      return true;
    }
    throw zmqError(
      code,
      operation,
      { socketType: this.constructor.name },
      errno,
    );
  }

  #send(
    message: Message,
    flags: number,
    operation: string,
    metadata?: MessageMetadata,
  ): boolean {
    if (this.#singleFrame) {
      const frame = this.#oneFrame(message);
      return metadata === undefined
        ? this.#sendFrames([frame], flags, operation)
        : this.#sendWithMetadata(frame, metadata, flags, operation);
    }
    return Array.isArray(message)
      ? this.#sendFrames(toFrames(message), flags, operation)
      : this.#sendSingle(message, flags, operation);
  }

  #oneFrame(message: Message): Uint8Array {
    const frames = toFrames(message);
    if (frames.length !== 1) {
      throw new TypeError(
        `${this.constructor.name} sockets send single-frame messages only, got ${frames.length} frames`,
      );
    }
    return frames[0];
  }

  // Draft sockets carry a routing id or group on the zmq_msg_t itself.
  #sendWithMetadata(
    frame: Uint8Array,
    metadata: MessageMetadata,
    flags: number,
    operation: string,
  ): boolean {
    const handle = this.#handle(operation);
    const msg = metadataMsg;
    let refreshed = false;
    for (;;) {
      const size = frame.byteLength;
      if (zmq.zmq_msg_init_size(msg, BigInt(size)) !== 0) {
        throw this.#error(operation);
      }
      if (size > 0) {
        libc.memcpyToPointer(zmq.zmq_msg_data(msg), frame, BigInt(size));
      }
      if (
        (metadata.routingId !== undefined &&
          zmq.zmq_msg_set_routing_id!(msg, metadata.routingId) !== 0) ||
        (metadata.group !== undefined &&
          zmq.zmq_msg_set_group!(msg, encoder.encode(metadata.group + "\0")) !==
            0)
      ) {
        const error = this.#error(operation);
        zmq.zmq_msg_close(msg);
        throw error;
      }
      if (zmq.zmq_msg_send(msg, handle, flags) >= 0) return true;
      const errno = zmq.zmq_errno();
      zmq.zmq_msg_close(msg);
      const code = errorCode(errno);
      if (code === "EINTR") continue; // a signal: retry, even non-blocking
      if (code === "EAGAIN" && (flags & DONTWAIT) !== 0) {
        if (refreshed || !writableNow(handle)) return false;
        refreshed = true;
        continue;
      }
      throw zmqError(code, operation, {
        socketType: this.constructor.name,
      }, errno);
    }
  }

  /**
   * Sends a message if it can be queued now; returns false (sending nothing)
   * when it would have to wait, or when awaited sends are still queued ahead.
   */
  protected trySendMessage(
    message: Message,
    metadata?: MessageMetadata,
  ): boolean {
    if (this.#senders.length > 0) {
      toFrames(message); // still reject bad input
      this.#handle("send");
      return false;
    }
    const sent = this.#send(message, DONTWAIT, "send", metadata);
    this.#touched();
    return sent;
  }

  /** Sends a message, blocking the thread up to sendTimeout. @internal */
  protected sendMessageSync(
    message: Message,
    metadata?: MessageMetadata,
  ): void {
    if (this.#senders.length > 0) {
      throw new ZmqError(
        "EBUSY",
        "sendSync cannot overtake awaited sends that are still queued",
        { operation: "send" },
      );
    }
    this.#send(message, 0, "send", metadata);
    this.#touched();
  }

  /** Sends a message, waiting without blocking the event loop. @internal */
  protected sendMessage(
    message: Message,
    options?: OperationOptions,
    metadata?: MessageMetadata,
  ): Promise<void> {
    let signal: AbortSignal | undefined;
    try {
      signal = checkOperationOptions(options);
      if (signal?.aborted) {
        toFrames(message);
        this.#handle("send");
        return Promise.reject(signal.reason);
      }
      if (this.#senders.length === 0 && this.#budget > 0) {
        if (this.#send(message, DONTWAIT, "send", metadata)) {
          this.#budget--;
          this.#streak++;
          this.#touched();
          return resolved;
        }
      }
      // The caller may reuse its buffers once send() returns: keep copies.
      const frames = this.#singleFrame
        ? [this.#oneFrame(message).slice()]
        : toFrames(message).map((frame) => frame.slice());
      this.#handle("send");
      return this.#enqueue(
        this.#senders,
        frames,
        metadata,
        signal,
        this.#sendTimeout,
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }

  // ---- receiving -------------------------------------------------------

  #receiveFrames(flags: number, operation: string): Uint8Array[] | null {
    const handle = this.#handle(operation);
    const { msg, msgAt } = this.#native;
    const frames: Uint8Array[] = [];
    for (;;) {
      let size = MSG_BY_ADDRESS
        ? zmq.zmq_msg_recv_at(msgAt, handle, flags)
        : zmq.zmq_msg_recv(msg, handle, flags);
      if (size < 0) {
        const errno = zmq.zmq_errno();
        const code = errorCode(errno);
        if (code === "EINTR") continue; // a signal: retry, even non-blocking
        if (code === "EAGAIN" && frames.length === 0 && (flags & DONTWAIT)) {
          return null;
        }
        throw zmqError(code, operation, {
          socketType: this.constructor.name,
        }, errno);
      }
      if (size === INT_MAX) size = Number(zmq.zmq_msg_size(msg));
      let frame: Uint8Array;
      if (size === 0) {
        frame = new Uint8Array(0);
      } else if (size <= SLAB_FRAME) {
        frame = slabFrame(size);
        libc.memcpy(
          frame,
          MSG_BY_ADDRESS ? zmq.zmq_msg_data_at(msgAt) : zmq.zmq_msg_data(msg),
          sizeOf(size),
        );
      } else {
        frame = new Uint8Array(size);
        libc.memcpy(frame, zmq.zmq_msg_data(msg), BigInt(size));
      }
      if (this.#readMetadata !== null) {
        const metadata = this.#readMetadata(msg);
        if (size > LARGE_FRAME) {
          zmq.zmq_msg_close(msg);
          zmq.zmq_msg_init(msg);
        }
        // Draft sockets are single-frame: [frame, metadata].
        return [frame, metadata] as unknown as Uint8Array[];
      }
      frames.push(frame);
      const more = MSG_BY_ADDRESS
        ? zmq.zmq_msg_more_at(msgAt)
        : zmq.zmq_msg_more(msg);
      if (size > LARGE_FRAME) {
        zmq.zmq_msg_close(msg);
        zmq.zmq_msg_init(msg);
      }
      if (!more) return frames;
      flags &= ~DONTWAIT; // the rest of a multipart message is already here
    }
  }

  /** Receives a message if one is queued now; null otherwise. @internal */
  protected tryReceiveMessage(): Uint8Array[] | null {
    if (this.#receivers.length > 0) {
      this.#handle("receive");
      return null;
    }
    const frames = this.#receiveFrames(DONTWAIT, "receive");
    this.#touched();
    return frames;
  }

  /** Receives a message, blocking the thread up to receiveTimeout. @internal */
  protected receiveMessageSync(): Uint8Array[] {
    if (this.#receivers.length > 0) {
      throw new ZmqError(
        "EBUSY",
        "receiveSync cannot overtake awaited receives that are still waiting",
        { operation: "receive" },
      );
    }
    const frames = this.#receiveFrames(0, "receive") as Uint8Array[];
    this.#touched();
    return frames;
  }

  /** Receives a message, waiting without blocking the event loop. @internal */
  protected receiveMessage(options?: OperationOptions): Promise<Uint8Array[]> {
    let signal: AbortSignal | undefined;
    let frames: Uint8Array[] | null;
    try {
      signal = checkOperationOptions(options);
      this.#handle("receive");
      if (signal?.aborted) return Promise.reject(signal.reason);
      frames = this.#receiveNow();
    } catch (error) {
      return Promise.reject(error);
    }
    return frames !== null
      ? Promise.resolve(frames)
      : this.#waitToReceive(signal);
  }

  /**
   * The next step of `for await`: a message already queued resolves without
   * an extra promise; a closed socket ends the iteration. @internal
   */
  protected nextMessage(): Promise<IteratorResult<Uint8Array[], undefined>> {
    let frames: Uint8Array[] | null = null;
    if (this.#native.handle !== null && this.#lentTo === null) {
      try {
        frames = this.#receiveNow();
      } catch (error) {
        return Promise.reject(error);
      }
    }
    if (frames !== null) return Promise.resolve({ value: frames, done: false });
    const waiting = this.#native.handle !== null && this.#lentTo === null
      ? this.#waitToReceive(undefined)
      : this.receiveMessage(); // rejects with the closed/lent error
    return waiting.then(
      (value) => ({ value, done: false }),
      (error) => {
        if (this.closed) return { value: undefined, done: true };
        throw error;
      },
    );
  }

  // A message now, if none wait ahead of us and the sync budget allows;
  // null when the caller must wait.
  #receiveNow(): Uint8Array[] | null {
    if (this.#receivers.length > 0 || this.#budget <= 0) return null;
    const frames = this.#receiveFrames(DONTWAIT, "receive");
    if (frames !== null) {
      this.#budget--;
      this.#streak++;
      this.#touched();
    }
    return frames;
  }

  #waitToReceive(signal: AbortSignal | undefined): Promise<Uint8Array[]> {
    return this.#enqueue(
      this.#receivers,
      null,
      undefined,
      signal,
      this.#receiveTimeout,
    );
  }

  // ---- waiting ---------------------------------------------------------

  #enqueue<T>(
    queue: Pending<T>[],
    frames: Uint8Array[] | null,
    metadata: MessageMetadata | undefined,
    signal: AbortSignal | undefined,
    timeout: number,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const pending: Pending<T> = {
        resolve,
        reject,
        frames,
        metadata,
        signal,
        onAbort: undefined,
        timer: undefined,
      };
      queue.push(pending);
      if (signal !== undefined) {
        pending.onAbort = () => {
          this.#forget(queue, pending);
          reject(signal.reason);
        };
        signal.addEventListener("abort", pending.onAbort, { once: true });
      }
      if (timeout >= 0) {
        const operation = frames === null ? "receive" : "send";
        pending.timer = setTimeout(() => {
          this.#forget(queue, pending);
          reject(zmqError("EAGAIN", operation, {
            socketType: this.constructor.name,
          }));
        }, timeout);
      }
      // The caller just tried the operation (or others wait ahead of it, and
      // the watcher is armed already): trying again would only repeat the
      // EAGAIN, which costs a system call inside libzmq.
      if (this.#budget <= 0) {
        this.#yieldThenProcess();
        return;
      }
      try {
        if (this.#streak >= STREAK_FOR_BRIEF_WAIT && this.#briefWait()) {
          this.#resetSignal();
          this.#process();
          return;
        }
        this.#streak = 0;
        this.#arm();
      } catch (error) {
        this.#forget(queue, pending);
        reject(error);
      }
    });
  }

  // See briefWait; backs off after a wait that timed out.
  #briefWait(): boolean {
    if (this.#briefSkip > 0) {
      this.#briefSkip--;
      return false;
    }
    if (briefWait(this.#fd())) {
      this.#briefMisses = 0;
      return true;
    }
    this.#briefMisses = Math.min(this.#briefMisses + 1, 10);
    this.#briefSkip = 1 << this.#briefMisses;
    return false;
  }

  #forget<T>(queue: Pending<T>[], pending: Pending<T>): void {
    const index = queue.indexOf(pending);
    if (index >= 0) queue.splice(index, 1);
    this.#settled(pending);
    if (this.#senders.length === 0 && this.#receivers.length === 0) {
      this.#disarm();
    }
  }

  #settled<T>(pending: Pending<T>): void {
    if (pending.timer !== undefined) clearTimeout(pending.timer);
    if (pending.onAbort !== undefined) {
      pending.signal?.removeEventListener("abort", pending.onAbort);
    }
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
  // the watcher if any remain. Every send or receive may consume the edge of
  // ZMQ_FD, so both queues are retried until neither makes progress.
  #process(): void {
    if (this.#native.handle === null || this.#yielding) return;
    if (!this.#complete()) {
      this.#disarm();
      return;
    }
    try {
      this.#arm();
    } catch (error) {
      // The watcher cannot wait (its thread died): fail what waits.
      this.#failAll(this.#senders, error);
      this.#failAll(this.#receivers, error);
    }
  }

  // Completes what it can; true when operations are still waiting.
  #complete(): boolean {
    const receivers = this.#receivers;
    const senders = this.#senders;
    let progress = true;
    while (progress) {
      progress = false;
      while (receivers.length > 0) {
        let frames: Uint8Array[] | null;
        try {
          frames = this.#receiveFrames(DONTWAIT, "receive");
        } catch (error) {
          this.#failAll(receivers, error);
          break;
        }
        if (frames === null) break;
        const pending = receivers.shift()!;
        this.#settled(pending);
        pending.resolve(frames);
        progress = true;
      }
      while (senders.length > 0) {
        const pending = senders[0];
        let sent: boolean;
        try {
          sent = pending.metadata === undefined
            ? this.#sendFrames(pending.frames!, DONTWAIT, "send")
            : this.#sendWithMetadata(
              pending.frames![0],
              pending.metadata,
              DONTWAIT,
              "send",
            );
        } catch (error) {
          senders.shift();
          this.#settled(pending);
          pending.reject(error);
          continue;
        }
        if (!sent) break;
        senders.shift();
        this.#settled(pending);
        pending.resolve();
        progress = true;
      }
    }
    return receivers.length > 0 || senders.length > 0;
  }

  #arm(): void {
    const native = this.#native;
    const opening = native.slot < 0;
    // releaseNative closes the slot before the socket (and its ZMQ_FD).
    if (opening) native.slot = watcher().open(this.#fd(), true);
    // ZMQ_FD signals readability for both directions.
    watcher().arm(native.slot, POLL_IN, this.#onReady, true);
    // A command that reached a thread-safe socket before its zmq_poller
    // existed signalled no fd, and libzmq signals again only once the
    // socket's mailbox was drained: look once more now.
    if (opening && native.poller !== null) this.#onReady();
  }

  #disarm(): void {
    if (this.#native.slot >= 0) watcher().disarm(this.#native.slot);
  }

  #fd(): number {
    const handle = this.#handle("wait");
    const native = this.#native;
    if (native.fd >= 0) return native.fd;
    const fd = new BigInt64Array(1);
    optionLength[0] = 8n;
    if (zmq.zmq_getsockopt(handle, SocketOption.FD, fd, optionLength) === 0) {
      native.fd = optionLength[0] === 4n
        ? new Int32Array(fd.buffer)[0]
        : Number(fd[0]);
      return native.fd;
    }
    // Thread-safe (draft) sockets have no ZMQ_FD: a zmq_poller gives one.
    const poller = zmq.zmq_poller_new?.() ?? null;
    if (poller === null) throw this.#error("wait");
    const holder = BigUint64Array.of(backend.pointerToBigInt(poller));
    native.poller = holder;
    fd[0] = 0n;
    if (
      zmq.zmq_poller_add!(poller, handle, null, POLLIN | POLLOUT) !== 0 ||
      zmq.zmq_poller_fd!(poller, fd) !== 0
    ) {
      const error = this.#error("wait");
      zmq.zmq_poller_destroy!(holder);
      native.poller = null;
      throw error;
    }
    native.fd = new Int32Array(fd.buffer)[0];
    return native.fd;
  }

  // A zmq_poller's fd stays readable until the poller is waited on.
  #resetSignal(): void {
    const poller = this.#native.poller;
    if (poller !== null) {
      zmq.zmq_poller_wait!(
        backend.pointerFromBigInt(poller[0]),
        pollerEvent,
        0,
      );
    }
  }

  #failAll<T>(queue: Pending<T>[], error: unknown): void {
    for (const pending of queue.splice(0)) {
      this.#settled(pending);
      pending.reject(error);
    }
  }

  #closed(reason: "context" | "close"): void {
    const error = reason === "context"
      ? zmqError("ETERM", "wait", { socketType: this.constructor.name })
      : new ZmqError(
        "EBADF",
        `Socket was closed while the operation was waiting`,
        { operation: "close" },
      );
    const native = this.#native;
    this.#failAll(this.#senders, error);
    this.#failAll(this.#receivers, error);
    this.#observer?.socketClosed();
    if (reason === "context") {
      socketFinalizer.unregister(this);
      zmq.zmq_msg_close(native.msg);
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
    socketFinalizer.unregister(this);
    contextInternals(this.#context).release(native);
    this.#closed("close");
    closeNativeSocket(native);
    zmq.zmq_msg_close(native.msg);
  }

  /** Same as {@link Socket.close}, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** What JSON.stringify shows of a socket. */
  toJSON(): { type: string; closed: boolean } {
    return { type: this.constructor.name, closed: this.closed };
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

function optionSpec(name: string): OptionSpec | undefined {
  return typeof name === "string" && Object.hasOwn(socketOptions, name)
    ? (socketOptions as Record<string, OptionSpec>)[name]
    : undefined;
}

/**
 * Checks an endpoint and encodes it as a C string; throws TypeError or
 * ZmqError (EINVAL, EPROTONOSUPPORT) before anything is changed. @internal
 */
export function encodeEndpoint(
  operation: string,
  endpoint: unknown,
  socketType: string,
): Uint8Array {
  if (typeof endpoint !== "string") {
    throw new TypeError(
      `${operation}: endpoint must be a string such as "tcp://127.0.0.1:5555", got ${typeof endpoint}`,
    );
  }
  if (endpoint.length === 0) {
    throw new TypeError(`${operation}: endpoint must not be empty`);
  }
  if (endpoint.includes("\0")) {
    throw new TypeError(`${operation}: endpoint must not contain NUL`);
  }
  const invalid = endpointProblem(endpoint);
  if (invalid !== null) {
    throw zmqError(invalid, operation, {
      socketType,
      endpoint,
    });
  }
  return encoder.encode(endpoint + "\0");
}

const transports = new Set([
  "tcp",
  "ipc",
  "inproc",
  "pgm",
  "epgm",
  "tipc",
  "vmci",
  "udp",
  "ws",
  "wss",
  "norm",
]);

// What libzmq would refuse (or worse, accept wrongly) about an endpoint,
// found before any side effect such as a connect routing id being used up.
// libzmq reads a tcp port with atoi and keeps it modulo 65536, so
// "tcp://host:70000" would quietly mean port 4464: such ports are refused.
function endpointProblem(
  endpoint: string,
): "EINVAL" | "EPROTONOSUPPORT" | null {
  const match = /^([a-z0-9+.-]+):\/\/(.+)$/i.exec(endpoint);
  if (match === null) return "EINVAL";
  const transport = match[1].toLowerCase();
  if (!transports.has(transport)) return "EPROTONOSUPPORT";
  if (
    transport !== "tcp" && transport !== "udp" && !transport.startsWith("ws")
  ) {
    return null;
  }
  const address = match[2];
  const colon = address.lastIndexOf(":");
  if (colon < 0) return "EINVAL";
  const port = address.slice(colon + 1).split("/")[0];
  if (port === "*" || port === "!") return null;
  return /^[0-9]{1,5}$/.test(port) && Number(port) <= 65535 ? null : "EINVAL";
}

// An operation's options: an object, and its signal an AbortSignal.
function checkOperationOptions(
  options: unknown,
): AbortSignal | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      "Operation options must be an object such as { signal }",
    );
  }
  const signal = (options as OperationOptions).signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError("options.signal must be an AbortSignal");
  }
  return signal;
}

function appliesTo(spec: OptionSpec, kind: SocketTypeName): boolean {
  return spec.on === "all" || spec.on.includes(kind);
}

function encodeOption(
  name: string,
  spec: OptionSpec,
  value: unknown,
): Uint8Array | Int32Array | BigInt64Array {
  switch (spec.type) {
    case "boolean":
      if (typeof value !== "boolean") {
        throw new TypeError(
          `Option '${name}' must be a boolean, got ${typeof value}`,
        );
      }
      return Int32Array.of(value ? 1 : 0);
    case "number": {
      if (typeof value !== "number") {
        throw new TypeError(
          `Option '${name}' must be a number, got ${typeof value}`,
        );
      }
      const min = spec.min ?? -0x80000000;
      const max = spec.max ?? INT_MAX;
      if (!Number.isInteger(value) || value < min || value > max) {
        throw new RangeError(
          `Option '${name}' must be an integer from ${min} to ${max}, got ${value}`,
        );
      }
      return Int32Array.of(value);
    }
    case "int64":
    case "bigint": {
      if (typeof value !== "number" && typeof value !== "bigint") {
        throw new TypeError(
          `Option '${name}' must be a number or bigint, got ${typeof value}`,
        );
      }
      if (typeof value === "number" && !Number.isSafeInteger(value)) {
        throw new RangeError(
          `Option '${name}' must be an integer, got ${value}`,
        );
      }
      const big = BigInt(value);
      const [min, max] = spec.type === "bigint"
        ? [0n, (1n << 64n) - 1n]
        : [BigInt(spec.min ?? -(2 ** 53)), (1n << 63n) - 1n];
      if (big < min || big > max) {
        throw new RangeError(`Option '${name}' is out of range: ${value}`);
      }
      return BigInt64Array.of(BigInt.asIntN(64, big));
    }
    case "string":
      if (typeof value !== "string") {
        throw new TypeError(
          `Option '${name}' must be a string, got ${typeof value}`,
        );
      }
      return encoder.encode(value);
    case "binary":
      if (typeof value !== "string" && !(value instanceof Uint8Array)) {
        throw new TypeError(`Option '${name}' must be a string or Uint8Array`);
      }
      if (name === "routingId") {
        const bytes = toFrame(value);
        if (bytes.length < 1 || bytes.length > 255) {
          throw new RangeError(
            `Option 'routingId' must be 1 to 255 bytes, got ${bytes.length}`,
          );
        }
        return bytes;
      }
      return toFrame(value);
    case "key":
      if (typeof value === "string") {
        if (value.length !== 40) {
          throw new RangeError(
            `Option '${name}' must be a 40-character z85 key or 32 bytes, got ${value.length} characters`,
          );
        }
        return encoder.encode(value);
      }
      if (value instanceof Uint8Array) {
        if (value.length !== 32) {
          throw new RangeError(
            `Option '${name}' must be 32 bytes, got ${value.length}`,
          );
        }
        return value;
      }
      throw new TypeError(
        `Option '${name}' must be a z85 string or a Uint8Array`,
      );
    default:
      throw new TypeError(`Option '${name}' cannot be set`);
  }
}
