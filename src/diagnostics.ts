/**
 * Counters for leak checks in tests: open native sockets and pending waits.
 *
 * @module
 */
import { openSocketCount } from "./context.ts";
import { pendingWaitCount } from "./watcher.ts";

/** What is open or waiting in this thread right now. */
export interface Diagnostics {
  /** Native sockets not yet closed, in every context. */
  openSockets: number;
  /** Awaited operations and polls waiting on the watcher thread. */
  pendingWaits: number;
}

/**
 * Reads the counters.
 *
 * @example
 * ```ts
 * import { diagnostics } from "./src/diagnostics.ts";
 * console.log(diagnostics()); // { openSockets: 0, pendingWaits: 0 }
 * ```
 */
export function diagnostics(): Diagnostics {
  return { openSockets: openSocketCount(), pendingWaits: pendingWaitCount() };
}
