/**
 * One whole message in from libzmq: its frames copied out of the socket's
 * zmq_msg_t, each into an ArrayBuffer of its own (large ones lent where
 * src/lent_frames.ts can), under the errno policy of src/socket_io.ts.
 *
 * @module
 */
import { DONTWAIT, SocketOption } from "../ffi/constants.ts";
import { zmqError } from "./errors.ts";
import { lendFrame } from "./lent_frames.ts";
import { backend, libc, type Libzmq, zmq } from "./native.ts";
import {
  afterFailure,
  Deadline,
  type Io,
  type MessageMetadata,
  type MetadataReader,
  type NativeState,
  sizeOf,
} from "./socket_io.ts";

const INT_MAX = 0x7fffffff;
// Received frames above this size are released from libzmq right away.
const LARGE_FRAME = 65536;
const { messageByAddress, copyOutFrames } = backend.tuning;

// The frame libzmq just received into msg, in an ArrayBuffer of its own: the
// program may keep, transfer or detach it without touching any other frame
// or any later receive. (Views into a shared slab cost less to make, ~20 ns
// against 10-500 ns, but transferring one frame's buffer emptied every
// other frame of its slab; a WebAssembly.Memory pool, which no program can
// detach, measured slower than fresh arrays on Deno.)
function copyFrame(lib: Libzmq, native: NativeState, size: number): Uint8Array {
  if (size === 0) return new Uint8Array(0);
  const data = messageByAddress
    ? lib.zmq_msg_data_at(native.msgAt)
    : lib.zmq_msg_data(native.msg);
  if (copyOutFrames) return backend.copyOut(data, size);
  const frame = new Uint8Array(size);
  libc().memcpy(frame, data, sizeOf(size));
  return frame;
}

function receiveFrame(lib: Libzmq, native: NativeState, flags: number): number {
  const size = messageByAddress
    ? lib.zmq_msg_recv_at(native.msgAt, native.handle!, flags)
    : lib.zmq_msg_recv(native.msg, native.handle!, flags);
  return size === INT_MAX ? Number(lib.zmq_msg_size(native.msg)) : size;
}

// The frame just received, lent or copied; a large copied one's memory goes
// back to libzmq at once.
function takeFrame(lib: Libzmq, native: NativeState, size: number) {
  const lent = lendFrame(lib, native, size);
  if (lent !== null) return lent;
  const frame = copyFrame(lib, native, size);
  if (size > LARGE_FRAME) {
    lib.zmq_msg_close(native.msg);
    lib.zmq_msg_init(native.msg);
  }
  return frame;
}

/**
 * Receives one whole message; null when a non-blocking receive finds none.
 * `timeout` is the socket's receiveTimeout for a blocking one.
 */
export function receiveFrames(
  io: Io,
  flags: number,
  timeout = -1,
): Uint8Array[] | null {
  const lib = zmq();
  const native = io.native;
  const frames: Uint8Array[] = [];
  let deadline: Deadline | null = null;
  try {
    for (;;) {
      const size = receiveFrame(lib, native, flags);
      if (size < 0) {
        if (afterFailure(io, "receive", flags, frames.length > 0) === "later") {
          return null;
        }
        if ((flags & DONTWAIT) === 0 && timeout >= 0) {
          deadline ??= new Deadline(io, SocketOption.RCVTIMEO, timeout);
          if (!deadline.beforeRetry()) {
            throw zmqError("EAGAIN", "receive", { socketType: io.socketType });
          }
        }
        continue;
      }
      // Lending moves the frame out of msg: read its flag first.
      const more = messageByAddress
        ? lib.zmq_msg_more_at(native.msgAt)
        : lib.zmq_msg_more(native.msg);
      frames.push(takeFrame(lib, native, size));
      if (!more) return frames;
      flags &= ~DONTWAIT; // the rest of a multipart message is already here
    }
  } finally {
    deadline?.restore();
  }
}

/**
 * Receives one single-frame draft message with its metadata; null when a
 * non-blocking receive finds none.
 */
export function receiveWithMetadata(
  io: Io,
  read: MetadataReader,
  flags: number,
): [Uint8Array, MessageMetadata] | null {
  const lib = zmq();
  const native = io.native;
  for (;;) {
    const size = receiveFrame(lib, native, flags);
    if (size < 0) {
      if (afterFailure(io, "receive", flags, false) === "later") return null;
      continue;
    }
    const metadata = read(native.msg);
    return [takeFrame(lib, native, size), metadata];
  }
}

/**
 * Receives one whole message as the socket's kind gives it: frames, or a
 * draft message with its metadata. `timeout` bounds a blocking receive.
 */
export function receiveMessage(
  io: Io,
  flags: number,
  timeout = -1,
): Uint8Array[] | [Uint8Array, MessageMetadata] | null {
  return io.readMetadata === undefined
    ? receiveFrames(io, flags, timeout)
    : receiveWithMetadata(io, io.readMetadata, flags);
}
