/**
 * Brief waits: when a socket streams (several operations completed without
 * waiting) and then has to wait, the owning thread first blocks in ppoll(2)
 * on the socket's own descriptor for at most 50 us (setBriefWait). The next
 * batch usually arrives within microseconds, and catching it here saves two
 * thread hops (libzmq I/O thread -> watcher thread -> this thread), tens of
 * microseconds each. A wait that times out backs off exponentially on that
 * socket, and a whole turn of the event loop allows at most
 * BRIEF_WAITS_PER_TURN of them, so the loop is held up by at most
 * 8 x 50 us per turn, and an idle socket never pays for it. Linux only (ppoll).
 *
 * @module
 */
import { libc } from "./native.ts";
import { POLL_IN } from "./watcher.ts";

const BRIEF_WAITS_PER_TURN = 8;
/** Operations completed without waiting after which a socket counts as streaming. */
export const STREAK_FOR_BRIEF_WAIT = 8;
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
  const ppoll = libc().ppoll;
  if (ppoll === undefined || briefWaitsLeft <= 0 || briefTimeout[1] === 0n) {
    return false;
  }
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
  if (ppoll(briefFds, 1n, briefTimeout, null) <= 0) return false;
  briefStats.caught++;
  return true;
}

/** One socket's brief waits, with its back-off after waits that timed out. */
export class BriefWaits {
  // Brief waits to skip, after #misses timed out in a row.
  #skip = 0;
  #misses = 0;

  /** Waits briefly for `fd` unless backing off; true when it became readable. */
  wait(fd: number): boolean {
    if (this.#skip > 0) {
      this.#skip--;
      return false;
    }
    if (briefWait(fd)) {
      this.#misses = 0;
      return true;
    }
    this.#misses = Math.min(this.#misses + 1, 10);
    this.#skip = 1 << this.#misses;
    return false;
  }
}
