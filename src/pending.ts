/**
 * Awaited operations: their `{ signal }` options, and one abortable pending
 * promise (an AbortSignal, a timeout, and the cleanup of both) used by
 * sockets, the Observer and the Poller.
 *
 * @module
 */

/** Options for an awaited send or receive. */
export interface OperationOptions {
  /** Aborts the wait; the promise rejects with the signal's reason and no message is lost. */
  signal?: AbortSignal;
}

/**
 * Checks an operation's options: undefined, or an object whose `signal` is
 * undefined or an AbortSignal. Returns the signal; throws TypeError.
 */
export function operationSignal(
  options: unknown,
  what = "Operation options",
): AbortSignal | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`${what} must be an object such as { signal }`);
  }
  const signal = (options as OperationOptions).signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError("options.signal must be an AbortSignal");
  }
  return signal;
}

/** The longest timer delay (setTimeout fires at once beyond it). */
export const MAX_TIMEOUT = 0x7fffffff;

/**
 * A promise waiting in some queue: it settles once, through
 * {@link Pending.resolve} or {@link Pending.reject}, or by itself when its
 * signal aborts or its timeout passes; each of those first calls `forget` so
 * the owner drops it from its queue.
 */
export class Pending<T, D = undefined> {
  /** The promise the caller awaits. */
  readonly promise: Promise<T>;
  /** What the owner keeps with it (a queued message, say). */
  readonly data: D;
  #resolve!: (value: T) => void;
  #reject!: (error: unknown) => void;
  #signal: AbortSignal | undefined;
  #onAbort: (() => void) | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #settled = false;

  /**
   * `timeout` in milliseconds (-1: none; at most {@link MAX_TIMEOUT}) rejects
   * with `onTimeout()`'s error.
   */
  constructor(
    data: D,
    forget: (pending: Pending<T, D>) => void,
    signal?: AbortSignal,
    timeout = -1,
    onTimeout?: () => unknown,
  ) {
    this.data = data;
    this.promise = new Promise<T>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    if (signal !== undefined) {
      this.#signal = signal;
      this.#onAbort = () => {
        forget(this);
        this.reject(signal.reason);
      };
      signal.addEventListener("abort", this.#onAbort, { once: true });
    }
    if (timeout >= 0) {
      this.#timer = setTimeout(() => {
        forget(this);
        this.reject(onTimeout?.());
      }, Math.min(timeout, MAX_TIMEOUT));
    }
  }

  /** Resolves (once) and drops the signal listener and the timer. */
  resolve(value: T): void {
    if (this.#cleanUp()) this.#resolve(value);
  }

  /** Rejects (once) and drops the signal listener and the timer. */
  reject(error: unknown): void {
    if (this.#cleanUp()) this.#reject(error);
  }

  #cleanUp(): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    if (this.#onAbort !== undefined) {
      this.#signal?.removeEventListener("abort", this.#onAbort);
    }
    return true;
  }
}

/** Removes `item` from `queue` if it is there. */
export function removeFrom<T>(queue: T[], item: T): void {
  const index = queue.indexOf(item);
  if (index >= 0) queue.splice(index, 1);
}

const done = { value: undefined, done: true } as const;

/**
 * The async iterator of sockets, draft sockets and the Observer: `next`
 * gives each step, `finish` (optional) runs once when the loop is left.
 */
export function asyncIterator<T>(
  next: () => Promise<IteratorResult<T, undefined>>,
  finish?: () => void,
): AsyncIterableIterator<T> {
  let finished = false;
  const iterator: AsyncIterableIterator<T> = {
    next,
    return: () => {
      if (!finished) {
        finished = true;
        finish?.();
      }
      return Promise.resolve(done);
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

/**
 * One step of iterating `receive()`: the value, or the end of the iteration
 * when it failed because `closed()` became true.
 */
export function stepUntilClosed<T>(
  receive: () => Promise<T>,
  closed: () => boolean,
): Promise<IteratorResult<T, undefined>> {
  return receive().then(
    (value) => ({ value, done: false }),
    (error) => {
      if (closed()) return done;
      throw error;
    },
  );
}
