/**
 * One whole message in or out through libzmq, and the one errno policy for
 * sends and receives: retry (EINTR), "would block" (EAGAIN before anything
 * was done, in a non-blocking call) or throw.
 *
 * Frames arrive here already checked by src/boundary.ts, so every length
 * handed to C is the true one; received frames each get an ArrayBuffer of
 * their own, so a program may transfer or detach one without touching any
 * other frame or any later receive.
 *
 * @module
 */
import type { Pointer } from "../ffi/backend.ts";
import {
  DONTWAIT,
  MSG_T_SIZE,
  POLLOUT,
  SNDMORE,
  SocketOption,
} from "../ffi/constants.ts";
import { libc, zmq } from "./native.ts";
import {
  byteLengthOf,
  cString,
  frameBytes,
  messageFrames,
  ownedCopy,
  utf8Into,
} from "./boundary.ts";
import { errorCode, retryOnSignal, zmqError } from "./errors.ts";
import type { NativeSocket } from "./native_socket.ts";

/**
 * Per-message routing data of the draft socket types.
 *
 * @example
 * ```ts
 * import type { MessageMetadata } from "@zmq-ffi/zmq";
 * const to: MessageMetadata = { routingId: 7 };
 * ```
 */
export interface MessageMetadata {
  /** The peer to send to (Server, Peer) or that sent it. */
  routingId?: number;
  /** The group to send to (Radio) or that it was sent to (Dish). */
  group?: string;
}

/** Reads a draft message's metadata from its zmq_msg_t. */
export type MetadataReader = (msg: BigUint64Array) => MessageMetadata;

/** A socket's native resources (what the context closes, plus its I/O state). */
export interface NativeState extends NativeSocket {
  /** The socket's own zmq_msg_t for receiving. */
  msg: BigUint64Array;
  /** msg's address (its ArrayBuffer never moves), for the *_at functions. */
  msgAt: Pointer;
  /** The watcher slot of the socket's own waits, or -1. */
  slot: number;
  /** A zmq_poller (as void** for zmq_poller_destroy) for sockets without ZMQ_FD. */
  poller: BigUint64Array | null;
  /** The descriptor the watcher polls (ZMQ_FD or the zmq_poller's), once known. */
  fd: number;
  /** The PAIR reading this socket's monitor (socket.events), if any. */
  monitor?: NativeState;
}

/** What a send or receive needs to know about its socket. */
export interface Io {
  readonly native: NativeState;
  /** The socket class name, for error messages. */
  readonly socketType: string;
  /** XSubscriber: messages starting with 0 or 1 are (un)subscriptions. */
  subscriptions?: boolean;
  /** Draft single-frame sockets whose messages carry metadata read it with this. */
  readMetadata?: MetadataReader;
}

/**
 * The longest subscription prefix, in bytes. libzmq 4.3's Subscriber and
 * XSubscriber keep their own subscriptions in a trie that they change
 * recursively, one level per byte, on the thread that subscribes: a
 * 70,000-byte prefix overflowed the stack (SIGABRT). Subscriber.subscribe
 * refuses longer prefixes and an XSubscriber longer subscription messages.
 * (A Publisher's trie of its peers' subscriptions took 1,000,000-byte ones
 * from a raw ZMTP peer without harm.)
 */
export const SUBSCRIPTION_MAX = 8192;

/** Refuses a subscription prefix libzmq could not remove without crashing. */
export function checkSubscription(length: number, what: string): void {
  if (length > SUBSCRIPTION_MAX) {
    throw new RangeError(
      `${what} is ${length} bytes; subscriptions may have ${SUBSCRIPTION_MAX} at most (libzmq handles longer ones recursively and can overflow the stack)`,
    );
  }
}

// Frames up to this size are copied through `scratch` (see sendFrame).
const SMALL_FRAME = 256;
const COPY_FRAME = 1024;
const scratch = new Uint8Array(65536);
const MAX_SCRATCH_STRING = Math.floor(scratch.length / 3);
const smallSizes = Array.from({ length: COPY_FRAME + 1 }, (_, n) => BigInt(n));
const metadataMsg = new BigUint64Array(MSG_T_SIZE / 8);
const intValue = new Int32Array(1);
const optionLength = new BigUint64Array(1);

/** A length as the bigint a size_t parameter takes (small ones cached). */
export function sizeOf(length: number): bigint {
  return length <= COPY_FRAME ? smallSizes[length] as bigint : BigInt(length);
}

/**
 * The errno policy after a failed send or receive: "retry" for EINTR (a
 * signal interrupted libzmq, blocking or not), "later" for EAGAIN in a
 * non-blocking call before anything of the message was done; throws the
 * ZmqError otherwise.
 */
export function afterFailure(
  io: Io,
  operation: string,
  flags: number,
  started: boolean,
): "retry" | "later" {
  const errno = zmq().zmq_errno();
  const code = errorCode(errno);
  if (code === "EINTR") return "retry";
  if (code === "EAGAIN" && !started && (flags & DONTWAIT) !== 0) return "later";
  throw zmqError(code, operation, { socketType: io.socketType }, errno);
}

/**
 * A blocking call's timeout as a deadline: after an EINTR the call is
 * repeated with what is left of it (libzmq would start the full timeout
 * again), and a deadline that passed is EAGAIN.
 */
export class Deadline {
  #start = -1;
  #changed = false;
  // Fields, not parameter properties: Node strips types only.
  readonly io: Io;
  readonly option: number;
  readonly timeout: number;
  constructor(io: Io, option: number, timeout: number) {
    this.io = io;
    this.option = option;
    this.timeout = timeout;
  }

  // Before repeating the call: false when the deadline has passed.
  beforeRetry(): boolean {
    if (this.timeout < 0) return true;
    const now = performance.now();
    if (this.#start < 0) this.#start = now;
    const left = Math.ceil(this.timeout - (now - this.#start));
    if (left <= 0) return false;
    intValue[0] = left;
    zmq().zmq_setsockopt(this.io.native.handle!, this.option, intValue, 4n);
    this.#changed = true;
    return true;
  }

  restore(): void {
    if (!this.#changed) return;
    intValue[0] = this.timeout;
    zmq().zmq_setsockopt(this.io.native.handle!, this.option, intValue, 4n);
  }
}

// V8 keeps typed arrays of up to 64 bytes on its heap, and handing one of
// those to an FFI call leaves Deno's fast path (~10x slower): small frames go
// through the scratch buffer, which lives off-heap.
function sendFrame(handle: Pointer, frame: Uint8Array, flags: number): number {
  const length = byteLengthOf(frame);
  if (length <= SMALL_FRAME) {
    scratch.set(frame);
    return zmq().zmq_send(handle, scratch, smallSizes[length]!, flags);
  }
  return zmq().zmq_send(handle, frame, BigInt(length), flags);
}

/**
 * Sends checked frames as one message. Returns false, having sent nothing,
 * when a non-blocking send would block; `timeout` is the socket's
 * sendTimeout for a blocking one.
 */
export function sendFrames(
  io: Io,
  frames: readonly Uint8Array[],
  flags: number,
  timeout = -1,
): boolean {
  const handle = io.native.handle!;
  const last = frames.length - 1;
  const deadline = (flags & DONTWAIT) === 0 && timeout >= 0
    ? new Deadline(io, SocketOption.SNDTIMEO, timeout)
    : null;
  let refreshed = false;
  try {
    for (let index = 0; index <= last; index++) {
      const more = index < last ? SNDMORE : 0;
      if (sendFrame(handle, frames[index]!, flags | more) >= 0) continue;
      if (afterFailure(io, "send", flags, index > 0) === "later") {
        if (refreshed || !writableNow(handle)) return false;
        refreshed = true;
      } else if (deadline !== null && !deadline.beforeRetry()) {
        throw zmqError("EAGAIN", "send", { socketType: io.socketType });
      }
      index--; // the same frame again
    }
    return true;
  } finally {
    deadline?.restore();
  }
}

/**
 * Sends a one-frame string message, encoded into the scratch buffer so the
 * common case allocates nothing; false when a non-blocking send would block.
 * Longer strings return null: send them as frames.
 */
export function sendString(
  io: Io,
  text: string,
  flags: number,
  timeout = -1,
): boolean | null {
  if (text.length > MAX_SCRATCH_STRING) return null;
  const written = utf8Into(text, scratch, "Frame 0");
  const handle = io.native.handle!;
  const deadline = (flags & DONTWAIT) === 0 && timeout >= 0
    ? new Deadline(io, SocketOption.SNDTIMEO, timeout)
    : null;
  let refreshed = false;
  try {
    for (;;) {
      if (zmq().zmq_send(handle, scratch, sizeOf(written), flags) >= 0) {
        return true;
      }
      if (afterFailure(io, "send", flags, false) === "later") {
        if (refreshed || !writableNow(handle)) return false;
        refreshed = true;
      } else if (deadline !== null && !deadline.beforeRetry()) {
        throw zmqError("EAGAIN", "send", { socketType: io.socketType });
      }
    }
  } finally {
    deadline?.restore();
  }
}

/**
 * Sends one checked frame with a draft message's routing id or group, which
 * libzmq carries on the zmq_msg_t itself; `group` is a checked C string.
 */
export function sendWithMetadata(
  io: Io,
  frame: Uint8Array,
  routingId: number | undefined,
  group: Uint8Array | undefined,
  flags: number,
): boolean {
  const lib = zmq();
  const handle = io.native.handle!;
  const msg = metadataMsg;
  const size = byteLengthOf(frame);
  let refreshed = false;
  for (;;) {
    if (lib.zmq_msg_init_size(msg, BigInt(size)) !== 0) {
      throw failed(io, "send");
    }
    if (size > 0) {
      libc().memcpyToPointer(lib.zmq_msg_data(msg), frame, BigInt(size));
    }
    if (
      (routingId !== undefined &&
        lib.zmq_msg_set_routing_id!(msg, routingId) !== 0) ||
      (group !== undefined && lib.zmq_msg_set_group!(msg, group) !== 0)
    ) {
      const error = failed(io, "send");
      lib.zmq_msg_close(msg);
      throw error;
    }
    if (lib.zmq_msg_send(msg, handle, flags) >= 0) return true;
    const errno = lib.zmq_errno();
    lib.zmq_msg_close(msg);
    // zmq_msg_close may change errno: the policy reads the send's.
    const code = errorCode(errno);
    if (code === "EINTR") continue;
    if (code === "EAGAIN" && (flags & DONTWAIT) !== 0) {
      if (refreshed || !writableNow(handle)) return false;
      refreshed = true;
      continue;
    }
    throw zmqError(code, "send", { socketType: io.socketType }, errno);
  }
}

function failed(io: Io, operation: string) {
  const errno = zmq().zmq_errno();
  return zmqError(errorCode(errno), operation, {
    socketType: io.socketType,
  }, errno);
}

/**
 * ZMQ_EVENTS of a socket, or -1 when libzmq refuses (errno is set). Retries
 * when a signal interrupted libzmq's processing of its commands.
 */
export function readEvents(handle: Pointer): number {
  const rc = retryOnSignal(() => {
    optionLength[0] = 4n;
    return zmq().zmq_getsockopt(
      handle,
      SocketOption.EVENTS,
      intValue,
      optionLength,
    );
  }, (result) => result !== 0);
  return rc === 0 ? intValue[0]! : -1;
}

// A non-blocking zmq_send processes the commands that free room at the
// high-water mark (activate_write) at most about once a millisecond, so its
// EAGAIN may be stale; reading ZMQ_EVENTS processes them now. Checking before
// waiting saves a wake-up through the watcher thread, most of the time.
function writableNow(handle: Pointer): boolean {
  const events = readEvents(handle);
  return events >= 0 && (events & POLLOUT) !== 0;
}

/** A message checked whole, ready to send or to queue. */
export interface PreparedMessage {
  frames: Uint8Array[];
  routingId?: number;
  group?: Uint8Array;
}

/**
 * Checks a whole message (and a draft message's metadata) before anything
 * is sent; `copy` makes frames the library owns (queued sends: the caller
 * may reuse its buffers once send() returns).
 */
export function prepareMessage(
  io: Io,
  message: unknown,
  metadata: MessageMetadata | undefined,
  singleFrame: boolean,
  copy: boolean,
): PreparedMessage {
  const frames = messageFrames(message);
  if (io.subscriptions) {
    const first = frames[0]!;
    const kind = byteLengthOf(first) > 0 ? first[0] : undefined;
    if (kind === 0 || kind === 1) {
      checkSubscription(
        byteLengthOf(first) - 1,
        "A subscription message's prefix",
      );
    }
  }
  if (singleFrame && frames.length !== 1) {
    throw new TypeError(
      `${io.socketType} sockets send single-frame messages only, got ${frames.length} frames`,
    );
  }
  const prepared: PreparedMessage = {
    frames: copy ? frames.map(ownedCopy) : frames,
  };
  if (metadata?.routingId !== undefined) {
    prepared.routingId = metadata.routingId;
  }
  if (metadata?.group !== undefined) {
    prepared.group = cString(metadata.group, "group");
  }
  return prepared;
}

/** Sends a prepared message; false when a non-blocking send would block. */
export function sendPrepared(
  io: Io,
  message: PreparedMessage,
  flags: number,
  timeout = -1,
): boolean {
  return message.routingId === undefined && message.group === undefined
    ? sendFrames(io, message.frames, flags, timeout)
    : sendWithMetadata(
      io,
      message.frames[0]!,
      message.routingId,
      message.group,
      flags,
    );
}

/**
 * Checks and sends a message in one go (a one-frame string through the
 * scratch buffer, without allocating); false when a non-blocking send would
 * block.
 */
export function sendMessage(
  io: Io,
  message: unknown,
  flags: number,
  timeout: number,
  metadata: MessageMetadata | undefined,
  singleFrame: boolean,
): boolean {
  if (metadata === undefined && !io.subscriptions) {
    if (typeof message === "string") {
      const sent = sendString(io, message, flags, timeout);
      if (sent !== null) return sent;
    } else if (!Array.isArray(message)) {
      return sendFrames(io, [frameBytes(message)], flags, timeout);
    }
  }
  return sendPrepared(
    io,
    prepareMessage(io, message, metadata, singleFrame, false),
    flags,
    timeout,
  );
}
