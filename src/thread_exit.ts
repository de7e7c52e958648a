/**
 * What a worker thread releases when it ends without running our code.
 *
 * `Worker.terminate()` stops a thread's JavaScript where it stands: no
 * `finally`, no "exit" handler and no finalizer of ours runs, so its sockets
 * would stay open (their ports bound) and its contexts' I/O threads would run
 * until the process ends. The thread itself still ends, though, and as it
 * does the C library calls the destructor of every pthread key that holds a
 * value on it (pthread_key_create(3)). So on a worker thread each native
 * socket is the value of a key whose destructor is `zmq_close`, each context
 * that can end without waiting is the value of a key whose destructor is
 * `zmq_ctx_term`, and the watcher's wake-up pipe is the value of a key whose
 * destructor is `close` (which wakes the watcher thread to end too). They run
 * on the thread that owns the sockets, which is what libzmq requires.
 *
 * Two rules make that safe:
 * - **Order.** The C library calls destructors in the order of the keys'
 *   numbers, so a context's key is kept above every key of its sockets:
 *   `zmq_ctx_term` with a socket still open would wait for good.
 * - **Never wait.** Bun and Node join an ended worker's thread on the main
 *   thread, so a destructor that waits stalls the whole program. A context's
 *   key is disarmed while anything could make `zmq_ctx_term` wait: a socket
 *   without a key, a socket with a linger, a socket lent to another thread (a
 *   running Proxy: closing it under that thread would crash), the reader of a
 *   socket's monitor (libzmq's last event must find it open), or an earlier
 *   close with a linger. Then the sockets are still closed and only that
 *   context's threads stay (README, known limits).
 *
 * On the main thread nothing is registered: the process ends with it.
 *
 * @module
 */
import { isMainThread } from "node:worker_threads";
import type { Pointer } from "../ffi/backend.ts";
import { functionAddress } from "../ffi/load.ts";
import { backend, libc } from "./native.ts";
import { lingerOf } from "./native_socket.ts";

/** The C function a key's destructor calls. */
type ExitCall = "zmq_close" | "zmq_ctx_term" | "close";

// A key of ours: a pthread key whose destructor is `call`. Its value on this
// thread is the only state of it that matters (other threads have their own).
interface Key {
  readonly index: number;
  readonly call: ExitCall;
}

// Keys are a process-wide resource (glibc has 1,024, and runtimes use some),
// shared by every worker: this thread takes at most this many, and none
// numbered KEY_CEILING or above (glibc hands out the lowest free number, so
// such a number means that most keys are taken: the rest stay for others).
// A worker that exits by itself deletes its keys (releaseThreadKeys); one
// ended by Worker.terminate() leaves them allocated, emptied.
const MOST_KEYS = 256;
const KEY_CEILING = 768;

const workerGlobalScope = (globalThis as { WorkerGlobalScope?: unknown })
  .WorkerGlobalScope;
// Deno says isMainThread in a web Worker too; its global scope tells.
const onWorkerThread = !isMainThread ||
  (typeof workerGlobalScope === "function" &&
    globalThis instanceof workerGlobalScope);

let destructors: Record<ExitCall, Pointer> | null | undefined;
const free: Record<ExitCall, Key[]> = {
  zmq_close: [],
  zmq_ctx_term: [],
  close: [],
};
let created = 0;

const keyBytes = new BigUint64Array(1);

// The destructors' addresses, or null where this thread needs none or the
// C library lacks what it takes.
function available(): Record<ExitCall, Pointer> | null {
  if (destructors !== undefined) return destructors;
  destructors = null;
  if (!onWorkerThread || backend.os === "windows") return null;
  const c = libc();
  if (
    c.pthread_key_create === undefined ||
    c.pthread_setspecific === undefined ||
    c.pthread_setspecific_number === undefined
  ) return null;
  const zmqClose = functionAddress("libzmq", "zmq_close");
  const zmqCtxTerm = functionAddress("libzmq", "zmq_ctx_term");
  const close = functionAddress("libc", "close");
  if (zmqClose === null || zmqCtxTerm === null || close === null) return null;
  destructors = { zmq_close: zmqClose, zmq_ctx_term: zmqCtxTerm, close };
  return destructors;
}

// A key for `call` with a number above `above`, or null when none can be had.
function take(call: ExitCall, above = -1): Key | null {
  const addresses = available();
  if (addresses === null) return null;
  const pool = free[call];
  const index = pool.findIndex((key) => key.index > above);
  if (index >= 0) return pool.splice(index, 1)[0]!;
  // glibc hands out the lowest free number: a new key may land below
  // `above` while others' keys come and go, so try a few.
  for (let attempt = 0; attempt < 4 && created < MOST_KEYS; attempt++) {
    keyBytes[0] = 0n;
    if (libc().pthread_key_create!(keyBytes, addresses[call]) !== 0) {
      return null;
    }
    // pthread_key_t is 32 bits on Linux, 64 on macOS; little-endian either way.
    const key = { index: Number(keyBytes[0]! & 0xffffffffn), call };
    if (key.index >= KEY_CEILING) {
      libc().pthread_key_delete?.(BigInt(key.index));
      created = MOST_KEYS; // take no more
      return null;
    }
    created++;
    if (key.index > above) return key;
    pool.push(key);
  }
  return null;
}

function set(key: Key, value: Pointer | number | null): void {
  const c = libc();
  if (typeof value === "number") {
    c.pthread_setspecific_number!(BigInt(key.index), BigInt(value));
  } else c.pthread_setspecific!(BigInt(key.index), value);
}

// Clears a key's value on this thread and returns it to the pool.
function give(key: Key): void {
  set(key, null);
  free[key.call].push(key);
}

/**
 * Deletes the keys this thread holds no value in, when it exits by itself
 * (keys are shared by the process); those still in use (a context the
 * program left open) do their part as the thread ends.
 */
export function releaseThreadKeys(): void {
  if (destructors === null || destructors === undefined) return;
  for (const pool of Object.values(free)) {
    for (const key of pool.splice(0)) {
      libc().pthread_key_delete?.(BigInt(key.index));
    }
  }
  created = MOST_KEYS; // no new ones as this thread ends
}

/** Whether this thread registers what it releases as it ends (a worker thread). */
export function threadExitAvailable(): boolean {
  return available() !== null;
}

/**
 * Closes descriptors when this thread ends, in the given order (the
 * watcher's wake-up pipe and epoll set; a duplicate a slot watches). Returns a
 * function that cancels it, or null where nothing is registered.
 */
export function closeOnThreadExit(...fds: number[]): (() => void) | null {
  const keys: Key[] = [];
  for (let index = 0; index < fds.length; index++) {
    const key = take("close", keys.at(-1)?.index ?? -1);
    if (key === null) break;
    keys.push(key);
  }
  // All or none: a later descriptor closed without an earlier one could
  // leave the watcher waiting on it for good.
  if (keys.length < fds.length) {
    for (const key of keys) free.close.push(key);
    return null;
  }
  keys.forEach((key, index) => set(key, fds[index]!));
  return () => keys.forEach(give);
}

/** A socket's part in its context's exit guard. */
export interface SocketExit {
  /** The socket's key, null when it has none (the keys ran out). */
  key: Key | null;
  /** Why the socket's key is disarmed (lent, a monitor's reader). */
  held: boolean;
  /** The socket's linger is not 0: closing its context could wait. */
  lingers: boolean;
}

/**
 * One context's sockets and the context itself, closed and terminated when
 * this thread ends. Created with the native context; a no-op on the main
 * thread.
 */
export class ContextExitGuard {
  readonly #context: Pointer;
  #key: Key | null = null;
  // The highest key number any of its sockets had (a bound, never lowered).
  #top = -1;
  // Open sockets that would make zmq_ctx_term wait (see the module's rules).
  #waits = 0;
  #lingered = false;
  readonly #sockets = new Map<object, SocketExit>();

  constructor(context: Pointer) {
    this.#context = context;
    this.#update();
  }

  /** A new native socket of this context: closed when the thread ends. */
  adopt(socket: object, handle: Pointer): void {
    if (available() === null) return;
    // Its linger from the start (a context with `blocky` gives -1).
    const lingers = lingerOf(handle) !== 0;
    const key = take("zmq_close");
    const entry: SocketExit = { key, held: false, lingers };
    this.#sockets.set(socket, entry);
    if (key !== null) {
      set(key, handle);
      if (key.index > this.#top) this.#top = key.index;
    }
    if (this.#makesWait(entry)) this.#waits++;
    this.#update();
  }

  /** Before zmq_close: the socket is no longer this guard's to close. */
  release(socket: object): void {
    const entry = this.#sockets.get(socket);
    if (entry === undefined) return;
    this.#sockets.delete(socket);
    if (entry.key !== null) give(entry.key);
    if (this.#makesWait(entry)) this.#waits--;
    this.#update();
  }

  /**
   * `held`: another thread uses the socket (or libzmq's last monitor event
   * must find it open), so it must not be closed when this thread ends.
   */
  hold(socket: object, handle: Pointer, held: boolean): void {
    this.#change(socket, (entry) => {
      entry.held = held;
      if (entry.key !== null) set(entry.key, held ? null : handle);
    });
  }

  /** The socket's linger changed: only a linger of 0 never waits. */
  lingers(socket: object, lingers: boolean): void {
    this.#change(socket, (entry) => {
      entry.lingers = lingers;
    });
  }

  /** A socket was closed with a linger: zmq_ctx_term could wait for it. */
  lingered(): void {
    if (this.#lingered || available() === null) return;
    this.#lingered = true;
    this.#update();
  }

  /** Before the context is terminated by the program: nothing is left to do. */
  end(): void {
    for (const socket of [...this.#sockets.keys()]) this.release(socket);
    if (this.#key !== null) give(this.#key);
    this.#key = null;
  }

  #change(socket: object, change: (entry: SocketExit) => void): void {
    const entry = this.#sockets.get(socket);
    if (entry === undefined) return;
    if (this.#makesWait(entry)) this.#waits--;
    change(entry);
    if (this.#makesWait(entry)) this.#waits++;
    this.#update();
  }

  #makesWait(entry: SocketExit): boolean {
    return entry.key === null || entry.held || entry.lingers;
  }

  // Arms the context's key when terminating cannot wait, above every key of
  // its sockets; disarms it otherwise.
  #update(): void {
    if (available() === null) return;
    if (this.#waits > 0 || this.#lingered) {
      if (this.#key !== null) set(this.#key, null);
      return;
    }
    if (this.#key === null || this.#key.index <= this.#top) {
      const key = take("zmq_ctx_term", this.#top);
      if (this.#key !== null) give(this.#key);
      this.#key = key;
    }
    if (this.#key !== null) set(this.#key, this.#context);
  }
}
