/**
 * Waiting through the runtime's own event loop, where the runtime lets C
 * reach it (Node's main thread: libuv's uv_poll, see ffi/node_loop.ts).
 *
 * @module
 */
import type { LoopPoll } from "../ffi/backend.ts";
import { loadLibc } from "../ffi/load.ts";
import { lastError } from "./errors.ts";
import { POLL_NVAL } from "./watcher_layout.ts";
import { type ReadyCallback, takeSlot, type Watcher } from "./watcher_slot.ts";

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
 * uv_poll, see ffi/node_loop.ts): a ready descriptor calls back in the same turn
 * of the loop that saw it, with no thread in between.
 */
export class LoopWatcher implements Watcher {
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
