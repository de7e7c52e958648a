/**
 * Large received frames lent instead of copied, where the runtime can lend C
 * memory safely (`backend.lend`: Node's main thread). A lent frame is a view
 * of libzmq's own message, moved into a zmq_msg_t of the frame's own, which
 * is closed once the frame's buffer has been collected. No program can
 * detach or transfer that buffer (it throws), so the memory is never freed
 * under a live view, and a frame whose bytes another message shares (a
 * Publisher's frame sent to several inproc peers) is copied, so that
 * writing to one frame can never change another.
 *
 * Measured on Node (64 KiB frames over tcp): a copy into a fresh ArrayBuffer
 * cost 8-20 us, lending 1-5 us (bench/limits.ts); the benchmark's 64 KiB
 * stream went from 72-95% of C in full runs to 75-125% (the same runs'
 * noise), and 128 KiB frames arrived 30-50% faster. Below 64 KiB copies were as fast or faster (32 KiB:
 * 22 k/s copied against 19 k/s lent), so smaller frames are copied.
 *
 * @module
 */
import type { Pointer } from "../ffi/backend.ts";
import { MSG_T_SIZE, SHARED } from "../ffi/constants.ts";
import { backend, type Libzmq, zmq } from "./native.ts";
import type { NativeState } from "./socket_io.ts";

/** Frames of this many bytes or more are lent where lending is possible. */
export const LEND_FROM = 65536;
// Lent bytes not yet given back (collected or not), at most: beyond it,
// frames are copied. The collector counts lent bytes as external memory and
// collects as they grow (a 64 KiB stream held 80-95 MB at most), so this
// bounds what a program that keeps its frames, or never lets finalizers run,
// can make libzmq hold.
const LENT_MOST = 256 * 1024 * 1024;
// Lent bytes per turn of the event loop, at most: finalizers run only
// between turns, so a loop that never yields (receiveSync in a while loop)
// would hold everything it ever received. Beyond it, frames are copied,
// which such a loop measured as fast as lending (a 64 KiB stream: 10.2 k/s
// copied against 4.4 k/s lent without this limit).
const LENT_PER_TURN = 16 * 1024 * 1024;
// Closing collected frames' messages waits this long after the last lend.
const CLOSE_IDLE_MS = 50;

let lending = backend.lend !== undefined;
let lentBytes = 0;
let lentFrames = 0;
let everLent = 0;
let lentThisTurn = 0;
let turnEndScheduled = false;
let lentSinceTick = false;
let closeTimer: ReturnType<typeof setTimeout> | undefined;
const endTurn = () => {
  turnEndScheduled = false;
  lentThisTurn = 0;
};

// Each lent frame's zmq_msg_t is a holder in a slab of them, addressed by
// number: no typed array per frame (on Node, each one taken the address of
// costs a buffer moved off the heap and a weak map entry, which showed as
// garbage-collection time). Slabs are kept for good; at most
// LENT_MOST / LEND_FROM holders are ever in use.
const SLAB_HOLDERS = 256;
const slabs: Uint8Array[] = [];
const holderAddress: Pointer[] = [];
const holderSize: number[] = [];
const freeHolders: number[] = [];

// Holders are always initialized zmq_msg_t: empty while free. Giving one
// back moves `empty` into it, which closes the frame's message and leaves
// the holder empty again, one call instead of close and init.
let empty: Pointer | undefined;

function takeHolder(lib: Libzmq): number {
  if (freeHolders.length === 0) {
    const slab = new Uint8Array(new ArrayBuffer(SLAB_HOLDERS * MSG_T_SIZE));
    slabs.push(slab);
    const base = backend.pointerToBigInt(backend.pointerOf(slab));
    const first = holderAddress.length;
    for (let index = 0; index < SLAB_HOLDERS; index++) {
      const at = backend.pointerFromBigInt(
        base + BigInt(index * MSG_T_SIZE),
      )!;
      lib.zmq_msg_init_at(at);
      holderAddress.push(at);
      holderSize.push(0);
      freeHolders.push(first + SLAB_HOLDERS - 1 - index);
    }
    // The first slab's last holder stays empty for good: `empty`.
    if (empty === undefined) empty = holderAddress[freeHolders.shift()!];
  }
  return freeHolders.pop()!;
}

// Collected frames' messages are closed two at a time as new frames are
// lent, not all at once: a collection gives back hundreds together, and
// freeing them together let the allocator return the memory to the system,
// which libzmq's next messages then faulted in again page by page (a 64 KiB
// stream ran about 12% slower). Freed a few at a time, each is reused by
// the next message. A timer closes the rest once frames stop coming.
const collected: number[] = [];
const registry = new FinalizationRegistry<number>((holder) => {
  collected.push(holder);
  if (closeTimer === undefined) scheduleClose();
});

function scheduleClose(): void {
  lentSinceTick = false;
  closeTimer = setTimeout(closeWhenIdle, CLOSE_IDLE_MS);
  // Deno's timers have no unref(); nothing is lent there.
  (closeTimer as { unref?(): void }).unref?.();
}

function closeWhenIdle(): void {
  if (lentSinceTick) return scheduleClose();
  closeTimer = undefined;
  closeCollected(collected.length);
}

function closeCollected(most: number): void {
  const lib = zmq();
  for (let index = 0; index < most && collected.length > 0; index++) {
    const holder = collected.pop()!;
    lentBytes -= holderSize[holder]!;
    lentFrames--;
    lib.zmq_msg_move_at(holderAddress[holder]!, empty!);
    freeHolders.push(holder);
  }
}

/**
 * The frame of `size` bytes just received into the socket's zmq_msg_t as a
 * lent view (the zmq_msg_t is left empty), or null when it must be copied:
 * smaller than {@link LEND_FROM}, over the limits, shared with another
 * message, or not lendable on this thread or runtime.
 */
export function lendFrame(
  lib: Libzmq,
  native: NativeState,
  size: number,
): Uint8Array | null {
  if (
    !lending || size < LEND_FROM || lentBytes + size > LENT_MOST ||
    lentThisTurn + size > LENT_PER_TURN ||
    lib.zmq_msg_get(native.msg, SHARED) !== 0
  ) {
    return null;
  }
  const data = lib.zmq_msg_data_at(native.msgAt);
  const buffer = data === null ? null : backend.lend!(data, size);
  if (buffer === null) {
    lending = false; // this thread or runtime cannot, now or later
    return null;
  }
  const holder = takeHolder(lib);
  if (lib.zmq_msg_move_at(holderAddress[holder]!, native.msgAt) !== 0) {
    freeHolders.push(holder);
    return null; // the view is dropped unused; the frame is copied
  }
  holderSize[holder] = size;
  registry.register(buffer, holder);
  lentBytes += size;
  lentFrames++;
  everLent++;
  lentThisTurn += size;
  lentSinceTick = true;
  if (!turnEndScheduled) {
    turnEndScheduled = true;
    setImmediate(endTurn);
  }
  closeCollected(2);
  return new Uint8Array(buffer);
}

/** What this thread has lent: frames (and bytes) not yet given back, and frames ever lent. */
export interface LentFrameStats {
  frames: number;
  bytes: number;
  everLent: number;
}

/** Counters of lent frames in this thread, for tests. @internal */
export function lentFrameStats(): LentFrameStats {
  return { frames: lentFrames, bytes: lentBytes, everLent };
}
