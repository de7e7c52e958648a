/**
 * Readiness of descriptors from Node's own event loop ({@link LoopPoll} of
 * the Node backend, ffi/node.ts): libuv's uv_poll, called through node:ffi
 * on the process's own symbols, with a JavaScript callback that libuv calls
 * on the main thread.
 *
 * @module
 */
import process from "node:process";
import { isMainThread } from "node:worker_threads";
import type { LoopPoll } from "./backend.ts";
import type { NodeFFI } from "./node.ts";

// libuv's constants (uv.h).
const UV_POLL = 8; // uv_handle_type
const UV_READABLE = 1;
const UV_WRITABLE = 2;
const UV_DISCONNECT = 4;
// poll(2)'s bits, which LoopPoll speaks.
const POLLIN = 1;
const POLLOUT = 4;
const POLLERR = 8;
const POLLHUP = 16;

interface PollHandle {
  // The uv_poll_t, in memory that JavaScript owns and that never moves.
  memory: ArrayBuffer;
  address: bigint;
  // Set while a wait is pending on it (from start until it calls back or
  // stops).
  ready: ((revents: number) => void) | null;
  // The uv_poll_start flags it is started with, or 0 while stopped.
  started: number;
  // Whether this handle counts towards keeping the process alive.
  kept: boolean;
}

// process._tickCallback: what ends each of Node's own callbacks (DEP0134,
// documentation-only: it warns under --pending-deprecation, where it is not
// used).
function tickCallback(): (() => void) | null {
  const tick = (process as { _tickCallback?: unknown })._tickCallback;
  const pending = [...process.execArgv, process.env.NODE_OPTIONS ?? ""]
    .some((argument) => argument.includes("--pending-deprecation")) ||
    process.env.NODE_PENDING_DEPRECATION === "1";
  return typeof tick === "function" && !pending ? () => tick() : null;
}

/**
 * Node's event loop watching descriptors for the main thread through libuv's
 * uv_poll, called through node:ffi on the process's own symbols, with a
 * JavaScript callback that libuv calls on this thread: readiness reaches the
 * program in one hop, as it does for Node's own sockets, instead of through
 * a watcher thread and Atomics.waitAsync. Null on a worker, whose loop is not
 * uv_default_loop(): workers keep the watcher thread.
 *
 * @example
 * ```ts
 * import { backend } from "./ffi/node.ts";
 * const poll = backend.loopPoll?.(); // createLoopPoll's, on the main thread
 * ```
 */
export function createLoopPoll(ffi: NodeFFI): LoopPoll | null {
  if (!isMainThread) return null;
  const self = new ffi.DynamicLibrary(null);
  const uv = (name: string, args: string[], result: string) =>
    self.getFunction(name, { arguments: args, return: result });
  const defaultLoop = uv("uv_default_loop", [], "pointer");
  const handleSize = uv("uv_handle_size", ["i32"], "uint64");
  const pollInit = uv("uv_poll_init", ["pointer", "pointer", "i32"], "i32");
  const pollStart = uv("uv_poll_start", ["pointer", "i32", "pointer"], "i32");
  const pollStop = uv("uv_poll_stop", ["pointer"], "i32");
  const unref = uv("uv_unref", ["pointer"], "void");
  const close = uv("uv_close", ["pointer", "pointer"], "void");
  const loop = defaultLoop() as bigint;
  const size = Number(handleSize(UV_POLL));
  const handles = new Map<number, PollHandle>();
  const byAddress = new Map<bigint, PollHandle>();
  // Handles being closed: their memory must live until libuv says so.
  const closing = new Map<bigint, PollHandle>();
  let nextId = 1;
  const runTicks = tickCallback();
  // Poll handles stay unref'd: what keeps the process alive while a kept
  // handle waits is one timer of Node's own, ref'd while any handle is kept.
  // Toggling it is a call into Node, not through node:ffi (two FFI calls,
  // uv_ref and uv_unref, fewer per wait).
  let kept = 0;
  const keeper = setInterval(() => {}, 2 ** 30);
  keeper.unref();
  const keepAlive = (handle: PollHandle, keep: boolean) => {
    if (handle.kept === keep) return;
    handle.kept = keep;
    kept += keep ? 1 : -1;
    if (kept === (keep ? 1 : 0)) {
      if (keep) keeper.ref();
      else keeper.unref();
    }
  };
  const onPoll = self.registerCallback(
    { arguments: ["pointer", "i32", "i32"], return: "void" },
    ((address: bigint, status: number, events: number) => {
      const handle = byAddress.get(address);
      if (handle === undefined) return;
      const ready = handle.ready;
      if (ready === null) return stopIdle(handle);
      handle.ready = null;
      let revents = 0;
      if (status < 0) {
        revents = POLLERR;
        handle.started = 0; // libuv stops a handle that reports an error
      } else {
        if (events & UV_READABLE) revents |= POLLIN;
        if (events & UV_WRITABLE) revents |= POLLOUT;
        if (events & UV_DISCONNECT) revents |= POLLHUP;
      }
      // node:ffi runs no microtask checkpoint after a callback that libuv
      // made: promises settled here would wait for the next callback of
      // Node's own (for good, on a quiet loop). Node's own callbacks end by
      // running process._tickCallback (next ticks, then microtasks), and so
      // does this one where that is there; elsewhere the ready handles are
      // called from setImmediate, in the check phase right after this poll
      // phase (measured here: about 10 us later).
      if (runTicks === null) {
        stopIdle(handle);
        fired.push(ready, revents);
        if (fired.length === 2) setImmediate(callFired);
        return;
      }
      calling = handle;
      try {
        ready(revents);
        runTicks();
      } catch (error) {
        // A callback of node:ffi must not throw: uncaught, as in Node.
        setImmediate(() => {
          throw error;
        });
      } finally {
        // The handle stays started through the callback: a wait armed again
        // in it (a socket that received, then waits for the next message)
        // costs no uv_poll_stop and uv_poll_start. If none was, it stops
        // now: a handle is started only while a wait is pending on it.
        calling = null;
        stopIdle(handle);
      }
    }) as (...args: never[]) => void,
  );
  // The handle whose callback runs: stopping it waits for the callback's end.
  let calling: PollHandle | null = null;
  function stopIdle(handle: PollHandle): void {
    if (handle.ready !== null || handle.started === 0) return;
    handle.started = 0;
    pollStop(handle.address);
  }
  const fired: unknown[] = [];
  const callFired = () => {
    const batch = fired.splice(0);
    for (let index = 0; index < batch.length; index += 2) {
      try {
        (batch[index] as (revents: number) => void)(batch[index + 1] as number);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  };
  const onClose = self.registerCallback(
    { arguments: ["pointer"], return: "void" },
    ((address: bigint) => {
      closing.delete(address);
    }) as (...args: never[]) => void,
  );
  const handleOf = (id: number) => {
    const handle = handles.get(id);
    if (handle === undefined) throw new Error(`no poll handle ${id}`);
    return handle;
  };
  return {
    open(fd) {
      const memory = new ArrayBuffer(size);
      const address = ffi.getRawPointer(new Uint8Array(memory));
      // A regular file: epoll refuses it, libuv too (always ready).
      if (pollInit(loop, address, fd) !== 0) return null;
      unref(address);
      const handle = { memory, address, ready: null, started: 0, kept: false };
      const id = nextId++;
      handles.set(id, handle);
      byAddress.set(address, handle);
      return id;
    },
    start(id, events, ready) {
      const handle = handleOf(id);
      let flags = 0;
      if (events & POLLIN) flags |= UV_READABLE;
      if (events & POLLOUT) flags |= UV_WRITABLE;
      handle.ready = ready;
      if (handle.started === flags) return;
      const failed = pollStart(handle.address, flags, onPoll) as number;
      if (failed !== 0) {
        handle.ready = null;
        stopIdle(handle);
        throw new Error(`uv_poll_start failed (${failed})`);
      }
      handle.started = flags;
    },
    stop(id) {
      const handle = handleOf(id);
      handle.ready = null;
      if (handle !== calling) stopIdle(handle);
    },
    keepAlive(id, keep) {
      keepAlive(handleOf(id), keep);
    },
    close(id) {
      const handle = handleOf(id);
      keepAlive(handle, false);
      handles.delete(id);
      byAddress.delete(handle.address);
      handle.ready = null;
      handle.started = 0; // uv_close stops it
      closing.set(handle.address, handle);
      close(handle.address, onClose);
    },
  };
}
