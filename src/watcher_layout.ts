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
/** poll(2) flags (the same on Linux and macOS). */
export const POLL_IN = 1;
/** poll(2) POLLOUT. */
export const POLL_OUT = 4;
