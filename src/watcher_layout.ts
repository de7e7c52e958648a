/**
 * The shared-memory layout between the main thread and the watcher thread.
 * Both sides import it so that they agree on every index.
 *
 * @module
 */

/** Int32 index: bumped by the watcher each time slots fire; the main thread waits on it. */
export const SEQUENCE = 0;
/** Int32 index: 1 while a wake-up byte is in the pipe (so at most one is ever queued). */
export const WAKE_PENDING = 1;
/** Int32 index: how many slots are in use (the watcher scans up to here). */
export const SLOT_COUNT = 2;
/** Int32 index where the slots begin. */
export const SLOTS_START = 8;
/** Int32 values per slot: fd, events, state, revents. */
export const SLOT_SIZE = 4;
/** Offsets inside a slot. */
export const FD = 0;
/** poll(2) events to watch for (POLLIN 1, POLLOUT 4). */
export const EVENTS = 1;
/** The slot's state: {@link IDLE}, {@link ARMED} or {@link FIRED}. */
export const STATE = 2;
/** poll(2) revents seen when it fired. */
export const REVENTS = 3;
/** Not watched. */
export const IDLE = 0;
/** Watched by the watcher thread. */
export const ARMED = 1;
/** Ready; waiting for the main thread to handle it. */
export const FIRED = 2;
/** The most slots (sockets or descriptors being waited on) at once. */
export const CAPACITY = 16384;
/**
 * struct epoll_event: { u32 events; u64 data } is packed (12 bytes) on x86-64
 * and 16 bytes, data at 8, elsewhere.
 */
export function epollEventLayout(arch: string): { size: number; data: number } {
  return arch === "x64" ? { size: 12, data: 4 } : { size: 16, data: 8 };
}
/** epoll_ctl operations and flags (EPOLLIN and EPOLLOUT equal POLLIN and POLLOUT). */
export const EPOLL_CTL_ADD = 1;
/** Removes a descriptor. */
export const EPOLL_CTL_DEL = 2;
/** Changes a descriptor's events. */
export const EPOLL_CTL_MOD = 3;
/** Reports once, then stays silent until re-armed with EPOLL_CTL_MOD. */
export const EPOLLONESHOT = 1 << 30;
/** epoll_create1 flag: close on exec. */
export const EPOLL_CLOEXEC = 0x80000;
/** poll(2) flags (the same on Linux and macOS). */
export const POLL_IN = 1;
/** poll(2) POLLNVAL: the descriptor is not open (or is being closed). */
export const POLL_NVAL = 32;

/**
 * Marks a slot ready with `revents`; true if it was armed (a slot that was
 * not armed any more stays as it is). Both threads fire slots this way.
 */
export function fire(
  shared: Int32Array,
  slot: number,
  revents: number,
): boolean {
  const base = SLOTS_START + slot * SLOT_SIZE;
  shared[base + REVENTS] = revents;
  return Atomics.compareExchange(shared, base + STATE, ARMED, FIRED) === ARMED;
}

/** poll(2) POLLOUT. */
export const POLL_OUT = 4;

/**
 * The exit word's values (Node, which cannot end a thread inside a C call):
 * the watcher thread runs.
 */
export const EXIT_RUNNING = 0;
/** The exit word: the main thread asks the watcher thread to stop. */
export const EXIT_STOPPING = 1;
/** The exit word: the watcher thread has left its wait for good. */
export const EXIT_STOPPED = 2;
/** The epoll data of the exit pipe: beyond every slot index. */
export const EXIT_SLOT = 0xffffffff;
