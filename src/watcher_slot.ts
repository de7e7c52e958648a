/**
 * What waits on descriptors for a thread, as the rest of the library sees it
 * (src/watcher.ts picks one): a watcher thread (src/watcher_thread.ts) or the
 * runtime's own event loop (src/watcher_loop.ts). Both hand out numbered slots.
 *
 * @module
 */
import { CAPACITY } from "./watcher_layout.ts";

/** Called on the main thread with poll(2)'s revents when an armed slot is ready. */
export type ReadyCallback = (revents: number) => void;

/** What waits on descriptors for this thread: a watcher thread, or the event loop. */
export interface Watcher {
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

/** A free slot's index, or a new slot's (at most CAPACITY in all). */
export function takeSlot<S>(slots: S[], free: number[], make: () => S): number {
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
