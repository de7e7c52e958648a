/**
 * Poller: wait until any of several sockets (or raw file descriptors) is
 * readable or writable, as with zmq_poll, without blocking the event loop.
 *
 * @module
 */
import { POLLERR, POLLIN, POLLOUT } from "../ffi/constants.ts";
import { backend, loadLibzmq } from "../ffi/load.ts";
import { lastError, retryOnSignal, ZmqError } from "./errors.ts";
import { MAX_TIMEOUT, operationSignal } from "./pending.ts";
import { type Socket, socketInternals } from "./socket.ts";
import { POLL_IN, POLL_OUT, watcher } from "./watcher.ts";

/** What to wait for on a target. */
export type PollEvents = "readable" | "writable" | "both";

/** A socket, or a raw file descriptor number. */
export type PollTarget = Socket | number;

/** One ready target, as returned by {@link Poller.poll}. */
export interface PollResult {
  /** The socket or file descriptor that is ready. */
  target: PollTarget;
  /** A message can be received (or the descriptor read) now. */
  readable: boolean;
  /** A message can be sent (or the descriptor written) now. */
  writable: boolean;
  /** The descriptor reported an error (raw descriptors only). */
  error: boolean;
}

/** Options of {@link Poller.poll}. */
export interface PollOptions {
  /** Aborts the wait; poll() rejects with the signal's reason. */
  signal?: AbortSignal;
}

interface Item {
  target: PollTarget;
  events: number; // POLLIN | POLLOUT
  slot: number; // watcher slot while an async poll waits, else -1
}

const eventBits: Record<PollEvents, number> = {
  readable: POLLIN,
  writable: POLLOUT,
  both: POLLIN | POLLOUT,
};

// zmq_pollitem_t on LP64 is 16 bytes: { void *socket; int fd; short events;
// short revents; }, written below as two 64-bit words per item.

function checkEvents(events: unknown): number {
  const bits = eventBits[events as PollEvents];
  if (bits === undefined) {
    throw new TypeError(
      `Poll events must be "readable", "writable" or "both", got ${
        String(events)
      }`,
    );
  }
  return bits;
}

function checkTarget(target: unknown): PollTarget {
  if (typeof target === "number") {
    if (!Number.isInteger(target) || target < 0) {
      throw new RangeError(
        `A file descriptor must be a non-negative integer, got ${target}`,
      );
    }
    return target;
  }
  if (target === null || typeof target !== "object" || !("closed" in target)) {
    throw new TypeError(
      "A poll target must be a Socket or a file descriptor number",
    );
  }
  return target as Socket;
}

// A Poller dropped without close() gives back its watcher slots (each holds a
// duplicate descriptor on Linux). `items` is the Poller's own array, emptied
// by close().
const pollerFinalizer = new FinalizationRegistry<Item[]>((items) => {
  for (const item of items.splice(0)) {
    if (item.slot >= 0) watcher().close(item.slot);
  }
});

/**
 * Waits on several sockets and file descriptors at once, as in the zguide's
 * mspoller. `poll()` waits on the watcher thread; `pollSync()` blocks.
 * Readiness is level-triggered, as with poll(2). Remove a raw descriptor (or
 * close the Poller) before closing that descriptor: on Linux the watcher
 * waits on a duplicate of it, which does not see the close. Closing a socket
 * ends a pending `poll()` with `EBADF`.
 *
 * @example
 * ```ts
 * import { Poller, Pull, Subscriber } from "@zmq-ffi/zmq";
 * const tasks = new Pull();
 * tasks.connect("tcp://127.0.0.1:5557");
 * const weather = new Subscriber();
 * weather.connect("tcp://127.0.0.1:5556");
 * weather.subscribe("10001");
 * const poller = new Poller();
 * poller.add(tasks, "readable");
 * poller.add(weather, "readable");
 * for (const { target } of await poller.poll(100)) {
 *   if (target === tasks) console.log("task", tasks.tryReceive());
 *   if (target === weather) console.log("update", weather.tryReceive());
 * }
 * poller.close();
 * tasks.close();
 * weather.close();
 * ```
 */
export class Poller {
  #items: Item[] = [];
  #buffer = new BigUint64Array(0);
  #polling = false;
  #closed = false;
  #wakeUp: (() => void) | null = null;

  /** An empty poller; add targets with {@link Poller.add}. */
  constructor() {
    pollerFinalizer.register(this, this.#items, this);
    // A misspelt property throws instead of doing nothing.
    if (new.target === Poller) Object.preventExtensions(this);
  }

  /** How Node's and Bun's inspection print a poller. @internal */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.#describe();
  }

  /** How Deno's inspection prints a poller. @internal */
  [Symbol.for("Deno.customInspect")](): string {
    return this.#describe();
  }

  #describe(): string {
    const targets = this.#items.map(({ target }) =>
      typeof target === "number" ? `fd ${target}` : target.constructor.name
    );
    return `Poller { closed: ${this.#closed}, polling: ${this.#polling}, targets: ${
      JSON.stringify(targets)
    } }`;
  }

  /** The number of targets in the poller. */
  get size(): number {
    return this.#items.length;
  }

  #find(target: PollTarget): number {
    return this.#items.findIndex((item) => item.target === target);
  }

  #live(operation: string): void {
    if (this.#closed) {
      throw new ZmqError("EBADF", `Poller is closed: cannot ${operation}`, {
        operation,
      });
    }
  }

  /** Adds a socket or file descriptor, waiting for `events` (default "readable"). */
  add(target: PollTarget, events: PollEvents = "readable"): void {
    this.#live("add");
    const checked = checkTarget(target);
    const bits = checkEvents(events);
    if (this.#find(checked) >= 0) {
      throw new ZmqError(
        "EEXIST",
        "This target is already in the Poller: use modify()",
        {
          operation: "add",
        },
      );
    }
    if (typeof checked !== "number") {
      socketInternals(checked).handle("add to a Poller");
    }
    this.#items.push({ target: checked, events: bits, slot: -1 });
  }

  /** Changes the events waited for on a target already added. */
  modify(target: PollTarget, events: PollEvents): void {
    this.#live("modify");
    const index = this.#find(target);
    if (index < 0) {
      throw new ZmqError("ENOENT", "This target is not in the Poller", {
        operation: "modify",
      });
    }
    this.#items[index]!.events = checkEvents(events);
  }

  /** Removes a target; returns false when it was not in the Poller. */
  remove(target: PollTarget): boolean {
    this.#live("remove");
    const index = this.#find(target);
    if (index < 0) return false;
    const [item] = this.#items.splice(index, 1);
    if (item !== undefined && item.slot >= 0) watcher().close(item.slot);
    return true;
  }

  // zmq_poll over every item with the given timeout (ms, -1 forever);
  // `except` is the caller's own edge listener (see lookAgain).
  #pollNow(timeout: number, except?: () => void): PollResult[] {
    const items = this.#items;
    if (items.length === 0) return [];
    if (this.#buffer.length < items.length * 2) {
      this.#buffer = new BigUint64Array(items.length * 2);
    }
    const words = this.#buffer;
    const ints = new Int32Array(words.buffer);
    const shorts = new Int16Array(words.buffer);
    for (let index = 0; index < items.length; index++) {
      const { target, events } = items[index]!;
      if (typeof target === "number") {
        words[2 * index] = 0n;
        ints[4 * index + 2] = target;
        shorts[8 * index + 6] = (events & POLLIN ? POLLIN : 0) |
          (events & POLLOUT ? POLLOUT : 0);
      } else {
        const handle = socketInternals(target).handle("poll");
        words[2 * index] = backend.pointerToBigInt(handle);
        ints[4 * index + 2] = 0;
        shorts[8 * index + 6] = events;
      }
      shorts[8 * index + 7] = 0;
    }
    const zmq = loadLibzmq();
    // A signal interrupts zmq_poll (EINTR), even one that does not wait:
    // poll again for what is left of the timeout.
    const start = performance.now();
    let left = timeout;
    const count = retryOnSignal(
      () => zmq.zmq_poll(words, items.length, BigInt(left)),
      (result) => {
        if (result >= 0 || timeout <= 0) return result < 0;
        left = Math.max(0, Math.ceil(timeout - (performance.now() - start)));
        return true;
      },
    );
    const failure = count < 0 ? lastError("poll") : null;
    // zmq_poll may have consumed the ZMQ_FD edge that others wait for.
    for (const { target } of items) {
      if (typeof target !== "number") {
        socketInternals(target).waits.lookAgain(except);
      }
    }
    if (failure !== null) throw failure;
    const ready: PollResult[] = [];
    if (count === 0) return ready;
    for (let index = 0; index < items.length; index++) {
      const revents = shorts[8 * index + 7]!;
      if (revents === 0) continue;
      ready.push({
        target: items[index]!.target,
        readable: (revents & POLLIN) !== 0,
        writable: (revents & POLLOUT) !== 0,
        error: (revents & POLLERR) !== 0,
      });
    }
    return ready;
  }

  /**
   * Blocks the calling thread (and the event loop) up to `timeout`
   * milliseconds (-1: forever) until a target is ready; returns the ready ones.
   */
  pollSync(timeout = -1): PollResult[] {
    this.#live("poll");
    checkTimeout(timeout);
    return this.#pollNow(timeout);
  }

  /**
   * Waits without blocking the event loop up to `timeout` milliseconds
   * (-1: forever) until a target is ready; resolves with the ready ones
   * (empty on timeout).
   */
  poll(timeout = -1, options: PollOptions = {}): Promise<PollResult[]> {
    try {
      this.#live("poll");
      checkTimeout(timeout);
      if (this.#polling) {
        throw new ZmqError("EBUSY", "This Poller is already polling", {
          operation: "poll",
        });
      }
      const ready = this.#pollNow(0);
      if (ready.length > 0 || timeout === 0) return Promise.resolve(ready);
    } catch (error) {
      return Promise.reject(error);
    }
    let signal: AbortSignal | undefined;
    try {
      signal = operationSignal(options, "Poll options");
    } catch (error) {
      return Promise.reject(error);
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    this.#polling = true;
    return new Promise<PollResult[]>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const finish = (error: unknown, ready?: PollResult[]) => {
        this.#polling = false;
        this.#wakeUp = null;
        for (const socket of listenedTo) {
          if (!socket.closed) {
            socketInternals(socket).waits.removeListener(check);
          }
        }
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        for (const item of this.#items) {
          if (item.slot >= 0) watcher().disarm(item.slot);
        }
        if (error !== undefined) reject(error);
        else resolve(ready!);
      };
      const onAbort = () => finish(signal!.reason);
      const check = () => {
        if (!this.#polling) return;
        for (const { target } of this.#items) {
          if (typeof target !== "number") {
            socketInternals(target).waits.resetSignal();
          }
        }
        let ready: PollResult[];
        try {
          ready = this.#closed ? [] : this.#pollNow(0, check);
        } catch (error) {
          return finish(error);
        }
        if (ready.length > 0 || this.#closed) return finish(undefined, ready);
        this.#arm(check);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#wakeUp = check;
      // Sending or receiving on a socket may consume the ZMQ_FD edge this
      // poll waits for: such operations call check() to look again.
      const listenedTo: Socket[] = [];
      for (const { target } of this.#items) {
        if (typeof target === "number") continue;
        socketInternals(target).waits.addListener(check);
        listenedTo.push(target);
      }
      if (timeout > 0) timer = setTimeout(() => finish(undefined, []), timeout);
      try {
        this.#arm(check);
      } catch (error) {
        finish(error);
      }
    });
  }

  #arm(callback: () => void): void {
    const wake = watcher();
    for (const item of this.#items) {
      if (item.slot < 0) {
        item.slot = wake.open(
          typeof item.target === "number"
            ? item.target
            : socketInternals(item.target).waits.fd(),
        );
      }
      // A socket's ZMQ_FD signals any change, for either direction.
      const events = typeof item.target === "number"
        ? (item.events & POLLIN ? POLL_IN : 0) |
          (item.events & POLLOUT ? POLL_OUT : 0)
        : POLL_IN;
      wake.arm(item.slot, events, callback, true);
    }
  }

  /** Removes every target and ends a pending poll() (it resolves with no results). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    pollerFinalizer.unregister(this);
    for (const item of this.#items.splice(0)) {
      if (item.slot >= 0) watcher().close(item.slot);
    }
    this.#wakeUp?.();
  }

  /** Same as {@link Poller.close}, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }
}

function checkTimeout(timeout: unknown): void {
  if (typeof timeout !== "number") {
    throw new TypeError(
      `Poll timeout must be a number of milliseconds, got ${typeof timeout}`,
    );
  }
  if (!Number.isInteger(timeout) || timeout < -1 || timeout > MAX_TIMEOUT) {
    throw new RangeError(
      `Poll timeout must be an integer from -1 to ${MAX_TIMEOUT} milliseconds, got ${timeout}`,
    );
  }
}
