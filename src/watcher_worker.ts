/**
 * The watcher thread: blocks until an armed descriptor is ready, marks the
 * slots that became ready, and wakes the main thread through Atomics.notify.
 * On Linux it waits in epoll_wait on descriptors that the main thread
 * registers and re-arms itself (one-shot); elsewhere in poll(2) on every
 * armed descriptor plus a wake-up pipe. It never touches a libzmq socket, only
 * file descriptors.
 *
 * @module
 */
import { workerData } from "node:worker_threads";
import { loadLibc } from "../ffi/load.ts";
import { closeOnThreadExit } from "./thread_exit.ts";
import process from "node:process";
import {
  ARMED,
  CAPACITY,
  epollEventLayout,
  EVENTS,
  EXIT_SLOT,
  EXIT_STOPPED,
  EXIT_STOPPING,
  FD,
  fire,
  POLL_IN,
  SEQUENCE,
  SLOT_COUNT,
  SLOT_SIZE,
  SLOTS_START,
  STATE,
  WAKE_PENDING,
} from "./watcher_layout.ts";

const { buffer, wakeFd, epollFd, exit, closeOnExit, waitLimit = -1 } =
  workerData as {
    buffer: SharedArrayBuffer;
    wakeFd: number;
    epollFd: number;
    // The owner is a worker thread, which may end without running our code:
    // this thread closes its descriptors as it ends (src/thread_exit.ts).
    closeOnExit?: boolean;
    // The longest one wait in C may last, in ms (-1: no limit). Node joins a
    // terminated worker's own workers before that worker's thread ends, and
    // cannot end a thread inside a C call: so under a Node worker this thread
    // comes back to JavaScript now and then, where Node can end it.
    waitLimit?: number;
    // Node only: the main thread sets EXIT_STOPPING there and writes to wakeFd
    // when the process exits.
    exit?: SharedArrayBuffer;
  };
const shared = new Int32Array(buffer);
const exitWord = exit === undefined ? null : new Int32Array(exit);
const libc = loadLibc();
// As early as it can: a worker ended before this ran leaves these two open.
if (closeOnExit && epollFd >= 0) closeOnThreadExit(wakeFd, epollFd);

// Whether the process is exiting; if so, says that this thread will make no
// C call any more, so that Node can end it.
function stopping(): boolean {
  if (exitWord === null || Atomics.load(exitWord, 0) !== EXIT_STOPPING) {
    return false;
  }
  Atomics.store(exitWord, 0, EXIT_STOPPED);
  Atomics.notify(exitWord, 0);
  return true;
}

function wakeMain(): void {
  Atomics.add(shared, SEQUENCE, 1);
  Atomics.notify(shared, SEQUENCE);
}

function waitWithEpoll(): void {
  const { size, data } = epollEventLayout(process.arch);
  const MAX_EVENTS = 256;
  const events = new Uint8Array(size * MAX_EVENTS);
  const view = new DataView(events.buffer);
  for (;;) {
    const ready = libc.epoll_wait!(epollFd, events, MAX_EVENTS, waitLimit);
    let fired = false;
    for (let index = 0; index < ready; index++) {
      const offset = index * size;
      const slot = view.getUint32(offset + data, true);
      if (slot === EXIT_SLOT) {
        // Node's exit handshake, or the end of the pipe: the owning worker
        // thread ended (src/thread_exit.ts). This thread then ends too, and
        // closes the read end and the epoll set as it does.
        stopping();
        return;
      }
      if (fire(shared, slot, view.getUint32(offset, true) & 0xffff)) {
        fired = true;
      }
    }
    if (fired) wakeMain();
  }
}

function waitWithPoll(): void {
  // struct pollfd { int fd; short events; short revents; }: 8 bytes each.
  const pollfds = new Int32Array(2 * (CAPACITY + 1));
  const pollShorts = new Int16Array(pollfds.buffer);
  const slotOf = new Int32Array(CAPACITY + 1);
  const drain = new Uint8Array(64);

  for (;;) {
    let count = 1;
    pollfds[0] = wakeFd;
    pollShorts[2] = POLL_IN;
    pollShorts[3] = 0;
    const slots = Atomics.load(shared, SLOT_COUNT);
    for (let slot = 0; slot < slots; slot++) {
      const base = SLOTS_START + slot * SLOT_SIZE;
      if (Atomics.load(shared, base + STATE) !== ARMED) continue;
      pollfds[2 * count] = shared[base + FD]!;
      pollShorts[4 * count + 2] = shared[base + EVENTS]!;
      pollShorts[4 * count + 3] = 0;
      slotOf[count] = slot;
      count++;
    }
    const ready = libc.poll(pollfds, BigInt(count), waitLimit);
    if (stopping()) return;
    if (ready <= 0) continue; // EINTR
    if (pollShorts[3] !== 0) {
      if (Number(libc.read(wakeFd, drain, BigInt(drain.length))) === 0) {
        // The end of the pipe: the owning worker thread ended.
        libc.close(wakeFd);
        return;
      }
      // Cleared after draining: a wake-up written from here on is seen next round.
      Atomics.store(shared, WAKE_PENDING, 0);
    }
    let fired = false;
    for (let index = 1; index < count; index++) {
      const revents = pollShorts[4 * index + 3]!;
      if (revents !== 0 && fire(shared, slotOf[index]!, revents)) fired = true;
    }
    if (fired) wakeMain();
  }
}

if (epollFd >= 0) waitWithEpoll();
else waitWithPoll();
