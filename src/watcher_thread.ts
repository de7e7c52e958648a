/**
 * The owning thread's side of the watcher thread (src/watcher_worker.ts):
 * hands out slots for file descriptors, arms and disarms them, and calls back
 * when one is ready. One watcher thread serves every socket and Poller of a
 * thread; it keeps the process alive only while something is armed with
 * `keepAlive`.
 *
 * @module
 */
import process from "node:process";
import { isMainThread, Worker } from "node:worker_threads";
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
import { type ReadyCallback, takeSlot, type Watcher } from "./watcher_slot.ts";
import { workerModule } from "./worker_url.ts";

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

export class ThreadWatcher implements Watcher {
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
