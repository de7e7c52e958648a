/**
 * Counters for leak checks in tests: open native sockets and pending waits.
 *
 * @module
 */
import { openSocketCount } from "./native_socket.ts";
import { briefWaitStats } from "./brief_wait.ts";
import { type LentFrameStats, lentFrameStats } from "./lent_frames.ts";
import { pendingWaitCount } from "./watcher.ts";

/** What is open or waiting in this thread right now. */
export interface Diagnostics {
  /** Native sockets not yet closed, in every context. */
  openSockets: number;
  /** Awaited operations and polls waiting on the watcher thread. */
  pendingWaits: number;
  /**
   * Brief waits (see src/socket.ts): how many, how many caught the socket
   * ready, and the most seen in one turn of the event loop.
   */
  briefWaits: { waits: number; caught: number; mostInOneTurn: number };
  /** Large frames lent instead of copied (see src/lent_frames.ts). */
  lentFrames: LentFrameStats;
}

/**
 * Reads the counters.
 *
 * @example
 * ```ts
 * import { diagnostics } from "./src/diagnostics.ts";
 * console.log(diagnostics().openSockets); // 0
 * ```
 */
export function diagnostics(): Diagnostics {
  return {
    openSockets: openSocketCount(),
    pendingWaits: pendingWaitCount(),
    briefWaits: briefWaitStats(),
    lentFrames: lentFrameStats(),
  };
}
