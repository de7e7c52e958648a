/**
 * The watcher thread: blocks in poll(2) on every armed descriptor plus a wake-up
 * pipe, marks the slots that became ready, and wakes the main thread through
 * Atomics.notify. It never touches a libzmq socket, only file descriptors.
 *
 * @module
 */
import { workerData } from "node:worker_threads";
import { loadLibc } from "../ffi/load.ts";
import {
  ARMED,
  CAPACITY,
  EVENTS,
  FD,
  FIRED,
  POLL_IN,
  REVENTS,
  SEQUENCE,
  SLOT_COUNT,
  SLOT_SIZE,
  SLOTS_START,
  STATE,
  WAKE_PENDING,
} from "./watcher_layout.ts";

const { buffer, wakeFd } = workerData as {
  buffer: SharedArrayBuffer;
  wakeFd: number;
};
const shared = new Int32Array(buffer);
const libc = loadLibc();
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
    pollfds[2 * count] = shared[base + FD];
    pollShorts[4 * count + 2] = shared[base + EVENTS];
    pollShorts[4 * count + 3] = 0;
    slotOf[count] = slot;
    count++;
  }
  const ready = libc.poll(pollfds, BigInt(count), -1);
  if (ready <= 0) continue; // EINTR
  if (pollShorts[3] !== 0) {
    libc.read(wakeFd, drain, BigInt(drain.length));
    // Cleared after draining: a wake-up written from here on is seen next round.
    Atomics.store(shared, WAKE_PENDING, 0);
  }
  let fired = false;
  for (let index = 1; index < count; index++) {
    const revents = pollShorts[4 * index + 3];
    if (revents === 0) continue;
    const base = SLOTS_START + slotOf[index] * SLOT_SIZE;
    shared[base + REVENTS] = revents;
    if (Atomics.compareExchange(shared, base + STATE, ARMED, FIRED) === ARMED) {
      fired = true;
    }
  }
  if (fired) {
    Atomics.add(shared, SEQUENCE, 1);
    Atomics.notify(shared, SEQUENCE);
  }
}
