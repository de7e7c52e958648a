/**
 * What waits on descriptors for this thread, started on first use: the
 * runtime's own event loop where C can reach it (src/watcher_loop.ts), else a
 * watcher thread (src/watcher_thread.ts). Sockets and Pollers arm numbered
 * slots and are called back once when one is ready.
 *
 * @module
 */
import { backend } from "../ffi/load.ts";
import { LoopWatcher } from "./watcher_loop.ts";
import type { Watcher } from "./watcher_slot.ts";
import { ThreadWatcher } from "./watcher_thread.ts";

export { POLL_IN, POLL_OUT } from "./watcher_layout.ts";
export type { ReadyCallback, Watcher } from "./watcher_slot.ts";

let instance: Watcher | undefined;

/** Tells the watcher, if it runs, that `fd` is about to be closed. */
export function descriptorClosing(fd: number): void {
  instance?.closing(fd);
}

/** How many waits (pending operations, polls) keep the process alive now. */
export function pendingWaitCount(): number {
  return instance?.alive ?? 0;
}

/** This thread's watcher, started on first use. */
export function watcher(): Watcher {
  if (instance === undefined) {
    const poll = backend.loopPoll?.() ?? null;
    instance = poll === null ? new ThreadWatcher() : new LoopWatcher(poll);
  }
  return instance;
}
