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

const { buffer, wakeFd, epollFd, exit } = workerData as {
  buffer: SharedArrayBuffer;
  wakeFd: number;
  epollFd: number;
  // Node only: the main thread sets EXIT_STOPPING there and writes to wakeFd
  // when the process exits.
  exit?: SharedArrayBuffer;
};
const shared = new Int32Array(buffer);
const exitWord = exit === undefined ? null : new Int32Array(exit);
const libc = loadLibc();

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
  let failures = 0;
  for (;;) {
    const ready = libc.epoll_wait!(epollFd, events, MAX_EVENTS, -1);
    // EINTR comes now and then; a run of failures means the set is gone.
    failures = ready < 0 ? failures + 1 : 0;
    if (failures > 100) return;
    let fired = false;
    for (let index = 0; index < ready; index++) {
      const offset = index * size;
      const slot = view.getUint32(offset + data, true);
      if (slot === EXIT_SLOT) {
        // Node's exit handshake, or the end of the pipe: the owning worker
        // thread ended (src/thread_exit.ts), and as it ended it closed this
        // thread's descriptors: touch none of them any more.
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
    const ready = libc.poll(pollfds, BigInt(count), -1);
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
