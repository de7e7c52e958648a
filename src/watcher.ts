/**
 * The main-thread side of the watcher thread: hands out slots for file
 * descriptors, arms and disarms them, and calls back when one is ready. One
 * watcher thread serves every socket and Poller of the process; it keeps the
 * process alive only while something is armed with `keepAlive`.
 *
 * @module
 */
import process from "node:process";
import { isMainThread, Worker } from "node:worker_threads";
import type { LoopPoll } from "../ffi/backend.ts";
import { backend, loadLibc } from "../ffi/load.ts";
import { lastError } from "./errors.ts";
import {
  ARMED,
  CAPACITY,
  EPOLL_CLOEXEC,
  EPOLL_CTL_ADD,
  EPOLL_CTL_DEL,
  EPOLL_CTL_MOD,
  epollEventLayout,
  EPOLLONESHOT,
  EVENTS,
  EXIT_RUNNING,
  EXIT_SLOT,
  EXIT_STOPPING,
  FD,
  fire,
  FIRED,
  IDLE,
  POLL_IN,
  POLL_NVAL,
  REVENTS,
  SEQUENCE,
  SLOT_COUNT,
  SLOT_SIZE,
  SLOTS_START,
  STATE,
  WAKE_PENDING,
} from "./watcher_layout.ts";
import { closeOnThreadExit, threadExitAvailable } from "./thread_exit.ts";
import { workerModule } from "./worker_url.ts";

export { POLL_IN, POLL_OUT } from "./watcher_layout.ts";

/** Called on the main thread with poll(2)'s revents when an armed slot is ready. */
export type ReadyCallback = (revents: number) => void;

// Under a Node worker, the longest the watcher thread stays in one C call,
// in ms: how long Worker.terminate() may take (see watcher_worker.ts).
const NODE_WORKER_WAIT_LIMIT = 100;

interface Slot {
  callback: ReadyCallback | null;
  keepAlive: boolean;
  // With epoll: the descriptor registered for this slot, or -1 for one that
  // epoll refuses (a regular file: always ready, as poll(2) says).
  fd: number;
  // Whether `fd` is this slot's own duplicate (closed with the slot).
  duplicate: boolean;
  // On a worker thread: cancels closing the duplicate when the thread ends.
  keepOnExit: (() => void) | null;
}

type AtomicsWithWaitAsync = typeof Atomics & {
  waitAsync(
    array: Int32Array,
    index: number,
    value: number,
  ): { async: boolean; value: Promise<string> | string };
};

// A free slot's index, or a new slot's (at most CAPACITY in all).
function takeSlot<S>(slots: S[], free: number[], make: () => S): number {
  const index = free.pop();
  if (index !== undefined) return index;
  if (slots.length >= CAPACITY) {
    throw new RangeError(
      `zmq-ffi can wait on at most ${CAPACITY} sockets or descriptors at once`,
    );
  }
  slots.push(make());
  return slots.length - 1;
}

/** What waits on descriptors for this thread: a watcher thread, or the event loop. */
interface Watcher {
  /**
   * Reserves a slot for a descriptor; returns its index. `closedAfter`: the
   * caller promises to close the slot before the descriptor is closed.
   */
  open(fd: number, closedAfter?: boolean): number;
  /** Watches a slot for `events` until it fires once, then calls `callback`. */
  arm(
    index: number,
    events: number,
    callback: ReadyCallback,
    keepAlive: boolean,
  ): void;
  /** Stops watching a slot. */
  disarm(index: number): void;
  /** Disarms and frees a slot; call before the descriptor is closed. */
  close(index: number): void;
  /** Fires every armed slot watching `fd` (POLL_NVAL): it is about to be closed. */
  closing(fd: number): void;
  /** How many armed slots keep the process alive. */
  readonly alive: number;
}

class ThreadWatcher implements Watcher {
  #shared = new Int32Array(
    new SharedArrayBuffer(4 * (SLOTS_START + CAPACITY * SLOT_SIZE)),
  );
  #slots: Slot[] = [];
  #free: number[] = [];
  #worker: Worker;
  #wakeWriteFd = -1;
  #wakeByte = new Uint8Array(1);
  // epoll instance shared with the watcher thread (Linux), or -1 for poll(2).
  #epollFd: number;
  #epollEvent: Uint8Array;
  #epollView: DataView;
  #epollData: number;
  #alive = 0;
  #broken: Error | null = null;
  // Node: the exit handshake with the watcher thread (see #stopOnExit).
  #exit = new Int32Array(new SharedArrayBuffer(4));

  constructor() {
    const module = workerModule(
      new URL("./watcher_worker.ts", import.meta.url),
    );
    const libc = loadLibc();
    const layout = epollEventLayout(process.arch);
    this.#epollEvent = new Uint8Array(layout.size);
    this.#epollView = new DataView(this.#epollEvent.buffer);
    this.#epollData = layout.data;
    this.#epollFd = -1;
    let wakeReadFd = -1;
    if (libc.epoll_create1 !== undefined) {
      this.#epollFd = libc.epoll_create1(EPOLL_CLOEXEC);
      if (this.#epollFd < 0) throw lastError("start the watcher (epoll)");
    } else {
      const fds = new Int32Array(2);
      if (libc.pipe(fds) !== 0) throw lastError("start the watcher (pipe)");
      [wakeReadFd, this.#wakeWriteFd] = [fds[0]!, fds[1]!];
    }
    // Node never ends a thread that is inside a C call: a process whose
    // watcher waits in epoll_wait would not exit, and one whose C call
    // returns while Node tears the thread down aborts. So on exit the
    // watcher is woken through a pipe it watches and stops on its own.
    const stopsOnExit = backend.runtime === "node";
    // A worker thread may be ended by Worker.terminate(), which runs no code
    // of ours: the write end of the pipe is then closed as the thread ends
    // (src/thread_exit.ts), and the watcher, seeing the end of the pipe,
    // stops; the end of its own thread closes the read end and the epoll set.
    const onWorker = threadExitAvailable();
    if ((stopsOnExit || onWorker) && this.#epollFd >= 0) {
      const fds = new Int32Array(2);
      if (libc.pipe(fds) !== 0) throw lastError("start the watcher (pipe)");
      [wakeReadFd, this.#wakeWriteFd] = [fds[0]!, fds[1]!];
      const view = this.#epollView;
      view.setUint32(0, POLL_IN, true);
      view.setUint32(this.#epollData, EXIT_SLOT, true);
      view.setUint32(this.#epollData + 4, 0, true);
      const added = libc.epoll_ctl!(
        this.#epollFd,
        EPOLL_CTL_ADD,
        wakeReadFd as number,
        this.#epollEvent,
      );
      if (added !== 0) throw lastError("start the watcher (epoll_ctl)");
    }
    // (In poll(2) mode the watcher closes the read end itself once it sees
    // the pipe's end.)
    if (onWorker) closeOnThreadExit(this.#wakeWriteFd);
    this.#worker = new Worker(module, {
      workerData: {
        buffer: this.#shared.buffer,
        wakeFd: wakeReadFd,
        epollFd: this.#epollFd,
        exit: this.#exit.buffer,
        closeOnExit: onWorker,
        waitLimit: stopsOnExit && !isMainThread ? NODE_WORKER_WAIT_LIMIT : -1,
      },
    });
    if (stopsOnExit) process.once("exit", () => this.#stopOnExit());
    this.#worker.unref();
    // If the thread cannot start or dies, nothing would ever wake what waits:
    // hand every waiter the error instead (their next arm() throws it).
    const fail = (error: unknown) => {
      this.#broken ??= new Error(
        `zmq-ffi: the watcher thread stopped, so awaited operations cannot wait: ${
          error instanceof Error ? error.message : String(error)
        }`,
      );
      for (let index = 0; index < this.#slots.length; index++) {
        const slot = this.#slots[index]!;
        const callback = slot.callback;
        if (callback === null) continue;
        slot.callback = null;
        this.#release(slot);
        callback(0);
      }
    };
    this.#worker.on("error", fail);
    this.#worker.on("exit", (code) => fail(`it exited with code ${code}`));
    // Atomics.waitAsync wakes this thread (measured here: faster than a Deno
    // thread-safe FFI callback, which also blocks the watcher until it ran).
    this.#listen();
  }

  // Asks the watcher thread to leave its wait and stop, and waits until it has
  // (it answers within microseconds; the bound only guards against a thread
  // that never started).
  #stopOnExit(): void {
    if (
      Atomics.compareExchange(this.#exit, 0, EXIT_RUNNING, EXIT_STOPPING) !==
        EXIT_RUNNING
    ) {
      return;
    }
    loadLibc().write(this.#wakeWriteFd, this.#wakeByte, 1n);
    Atomics.wait(this.#exit, 0, EXIT_STOPPING, 2000);
  }

  // The wake-up path: waits for the watcher to bump SEQUENCE.
  async #listen(): Promise<void> {
    const shared = this.#shared;
    for (;;) {
      const seen = Atomics.load(shared, SEQUENCE);
      this.#drain();
      const wait = (Atomics as AtomicsWithWaitAsync).waitAsync(
        shared,
        SEQUENCE,
        seen,
      );
      if (wait.async) await wait.value;
    }
  }

  // Hands every fired slot to its callback.
  #drain(): void {
    const shared = this.#shared;
    const count = Atomics.load(shared, SLOT_COUNT);
    for (let index = 0; index < count; index++) {
      const base = SLOTS_START + index * SLOT_SIZE;
      if (shared[base + STATE] !== FIRED) continue;
      Atomics.store(shared, base + STATE, IDLE);
      const slot = this.#slots[index]!;
      const callback = slot.callback;
      slot.callback = null;
      this.#release(slot);
      try {
        callback?.(shared[base + REVENTS]!);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  #retain(slot: Slot): void {
    if (!slot.keepAlive && this.#alive++ === 0) {
      this.#worker.ref();
    }
    slot.keepAlive = true;
  }

  #release(slot: Slot): void {
    if (slot.keepAlive && --this.#alive === 0) {
      this.#worker.unref();
    }
    slot.keepAlive = false;
  }

  /** How many armed slots keep the process alive. */
  get alive(): number {
    return this.#alive;
  }

  /**
   * Reserves a slot for a descriptor; returns its index. `closedAfter`: the
   * caller promises to close the slot before the descriptor is closed (a
   * socket's own ZMQ_FD), so epoll may watch the descriptor itself. Otherwise
   * (a Poller's targets), or when another slot watches it already, the slot
   * watches a duplicate: epoll forgets a closed descriptor silently, and a
   * later descriptor with the same number must not be mistaken for it.
   */
  open(fd: number, closedAfter = false): number {
    const count = this.#slots.length;
    const index = takeSlot(this.#slots, this.#free, () => ({
      callback: null,
      keepAlive: false,
      fd: -1,
      duplicate: false,
      keepOnExit: null,
    }));
    if (this.#slots.length > count) {
      Atomics.store(this.#shared, SLOT_COUNT, index + 1);
    }
    const base = SLOTS_START + index * SLOT_SIZE;
    if (this.#epollFd >= 0) {
      const slot = this.#slots[index]!;
      slot.fd = -1;
      slot.duplicate = false;
      if (closedAfter && this.#control(EPOLL_CTL_ADD, fd, index, 0) === 0) {
        slot.fd = fd;
      } else {
        const libc = loadLibc();
        const own = libc.dup(fd);
        if (own < 0) {
          // errno (EMFILE when the process is out of descriptors).
          const error = lastError(`wait on descriptor ${fd}`);
          this.#free.push(index);
          throw error;
        }
        if (this.#control(EPOLL_CTL_ADD, own, index, 0) === 0) {
          slot.fd = own;
          slot.duplicate = true;
          slot.keepOnExit = closeOnThreadExit(own);
        } else {
          libc.close(own); // not pollable by epoll: always ready
        }
      }
    }
    this.#shared[base + FD] = fd;
    Atomics.store(this.#shared, base + STATE, IDLE);
    return index;
  }

  // epoll_ctl for a slot's descriptor, one-shot.
  #control(operation: number, fd: number, index: number, events: number) {
    const view = this.#epollView;
    view.setUint32(0, events | EPOLLONESHOT, true);
    view.setUint32(this.#epollData, index, true);
    view.setUint32(this.#epollData + 4, 0, true);
    return loadLibc().epoll_ctl!(
      this.#epollFd,
      operation,
      fd,
      this.#epollEvent,
    );
  }

  /**
   * Watches a slot for `events` (POLL_IN/POLL_OUT) until it fires once, then
   * calls `callback`. `keepAlive` keeps the process running meanwhile.
   */
  arm(
    index: number,
    events: number,
    callback: ReadyCallback,
    keepAlive: boolean,
  ): void {
    if (this.#broken !== null) throw this.#broken;
    const slot = this.#slots[index]!;
    const shared = this.#shared;
    const base = SLOTS_START + index * SLOT_SIZE;
    slot.callback = callback;
    if (keepAlive) this.#retain(slot);
    else this.#release(slot);
    const state = Atomics.load(shared, base + STATE);
    if (state !== IDLE && shared[base + EVENTS] === events) return;
    shared[base + EVENTS] = events;
    Atomics.store(shared, base + STATE, ARMED);
    if (this.#epollFd < 0) {
      if (Atomics.compareExchange(shared, WAKE_PENDING, 0, 1) === 0) {
        loadLibc().write(this.#wakeWriteFd, this.#wakeByte, 1n);
      }
    } else if (slot.fd >= 0) {
      // Arms the one-shot registration; the kernel reports at once if the
      // descriptor is ready now. The watcher thread is not woken for this.
      this.#control(EPOLL_CTL_MOD, slot.fd, index, events);
    } else {
      fire(shared, index, events); // always ready (see open)
      queueMicrotask(() => this.#drain());
    }
  }

  /** Stops watching a slot (a fire already on its way is ignored). */
  disarm(index: number): void {
    const slot = this.#slots[index]!;
    slot.callback = null;
    this.#release(slot);
    Atomics.store(this.#shared, SLOTS_START + index * SLOT_SIZE + STATE, IDLE);
  }

  /**
   * Fires every armed slot watching `fd` (with POLLNVAL), because `fd` is
   * about to be closed: with epoll the kernel would not say so, since each
   * slot watches a duplicate of the descriptor.
   */
  closing(fd: number): void {
    const shared = this.#shared;
    let fired = false;
    for (let index = 0; index < this.#slots.length; index++) {
      if (shared[SLOTS_START + index * SLOT_SIZE + FD] !== fd) continue;
      if (fire(shared, index, POLL_NVAL)) fired = true;
    }
    if (fired) queueMicrotask(() => this.#drain());
  }

  /** Disarms and frees a slot; call before the descriptor is closed. */
  close(index: number): void {
    this.disarm(index);
    const slot = this.#slots[index]!;
    if (slot.fd >= 0) {
      this.#control(EPOLL_CTL_DEL, slot.fd, index, 0);
      if (slot.duplicate) {
        slot.keepOnExit?.();
        slot.keepOnExit = null;
        loadLibc().close(slot.fd);
      }
      slot.fd = -1;
      slot.duplicate = false;
    }
    this.#shared[SLOTS_START + index * SLOT_SIZE + FD] = -1;
    this.#free.push(index);
  }
}

interface LoopSlot {
  // The event loop's handle, or null for a descriptor it cannot watch (a
  // regular file: always ready, as poll(2) says).
  handle: number | null;
  fd: number;
  // The descriptor the handle watches: `fd` or this slot's own duplicate.
  watched: number;
  callback: ReadyCallback | null;
  keepAlive: boolean;
  // Counts arm() and disarm() calls: which wait a readiness belongs to.
  armed: number;
}

/**
 * Waits through the runtime's own event loop (Node's main thread: libuv's
 * uv_poll, see ffi/node.ts): a ready descriptor calls back in the same turn
 * of the loop that saw it, with no thread in between.
 */
class LoopWatcher implements Watcher {
  #poll: LoopPoll;
  #slots: LoopSlot[] = [];
  #free: number[] = [];
  #alive = 0;

  constructor(poll: LoopPoll) {
    this.#poll = poll;
  }

  open(fd: number, closedAfter = false): number {
    const index = takeSlot(this.#slots, this.#free, () => ({
      handle: null,
      fd: -1,
      watched: -1,
      callback: null,
      keepAlive: false,
      armed: 0,
    }));
    // As with epoll, one descriptor takes one handle: a Poller's targets,
    // which the program may close under us, and a descriptor watched twice
    // get a duplicate of their own.
    let watched = fd;
    if (!closedAfter || this.#slots.some((slot) => slot.watched === fd)) {
      watched = loadLibc().dup(fd);
      if (watched < 0) {
        const error = lastError(`wait on descriptor ${fd}`);
        this.#free.push(index);
        throw error;
      }
    }
    const handle = this.#poll.open(watched);
    if (handle === null && watched !== fd) {
      loadLibc().close(watched);
      watched = -1;
    }
    const slot = this.#slots[index]!;
    slot.handle = handle;
    slot.fd = fd;
    slot.watched = handle === null ? -1 : watched;
    return index;
  }

  arm(
    index: number,
    events: number,
    callback: ReadyCallback,
    keepAlive: boolean,
  ): void {
    const slot = this.#slots[index]!;
    slot.callback = callback;
    this.#keep(slot, keepAlive);
    // A readiness that arrives after this slot was disarmed or armed again
    // belongs to the earlier wait: dropped.
    const armed = ++slot.armed;
    if (slot.handle === null) {
      queueMicrotask(() => this.#fire(slot, events, armed));
      return;
    }
    this.#poll.start(
      slot.handle,
      events,
      (revents) => this.#fire(slot, revents, armed),
    );
  }

  #fire(slot: LoopSlot, revents: number, armed: number): void {
    const callback = slot.callback;
    if (callback === null || armed !== slot.armed) return;
    slot.callback = null;
    this.#keep(slot, false);
    callback(revents);
  }

  #keep(slot: LoopSlot, keepAlive: boolean): void {
    if (slot.keepAlive === keepAlive) return;
    slot.keepAlive = keepAlive;
    this.#alive += keepAlive ? 1 : -1;
    if (slot.handle !== null) this.#poll.keepAlive(slot.handle, keepAlive);
  }

  disarm(index: number): void {
    const slot = this.#slots[index]!;
    slot.callback = null;
    slot.armed++;
    this.#keep(slot, false);
    if (slot.handle !== null) this.#poll.stop(slot.handle);
  }

  closing(fd: number): void {
    for (const slot of this.#slots) {
      if (slot.fd !== fd || slot.callback === null) continue;
      if (slot.handle !== null) this.#poll.stop(slot.handle);
      const armed = slot.armed;
      queueMicrotask(() => this.#fire(slot, POLL_NVAL, armed));
    }
  }

  close(index: number): void {
    this.disarm(index);
    const slot = this.#slots[index]!;
    if (slot.handle !== null) this.#poll.close(slot.handle);
    if (slot.watched >= 0 && slot.watched !== slot.fd) {
      loadLibc().close(slot.watched);
    }
    slot.handle = null;
    slot.fd = -1;
    slot.watched = -1;
    this.#free.push(index);
  }

  get alive(): number {
    return this.#alive;
  }
}

let instance: Watcher | undefined;

/** Tells the watcher, if it runs, that `fd` is about to be closed. */
export function descriptorClosing(fd: number): void {
  instance?.closing(fd);
}

/** How many waits (pending operations, polls) keep the process alive now. */
export function pendingWaitCount(): number {
  return instance?.alive ?? 0;
}

/** The process's watcher, started on first use. */
export function watcher(): Watcher {
  if (instance === undefined) {
    const poll = backend.loopPoll?.() ?? null;
    instance = poll === null ? new ThreadWatcher() : new LoopWatcher(poll);
  }
  return instance;
}

export type { Watcher };
