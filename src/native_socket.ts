/**
 * Closing one native socket: its linger rules, what its context must learn
 * from the close, and the count of open sockets in this thread. The context
 * (src/context.ts) owns the sockets; this is how each one is let go.
 *
 * @module
 */
import type { Pointer } from "../ffi/backend.ts";
import { SocketOption } from "../ffi/constants.ts";
import { loadLibzmq } from "../ffi/load.ts";

/** The native side of a socket, tracked by its context (never the Socket object itself). */
export interface NativeSocket {
  /** The libzmq socket, null once closed. */
  handle: Pointer | null;
  /** Called when the socket is closed from outside (context close, finalizer). */
  onClose?: (reason: "context") => void;
  /** Set while another thread borrows the socket: makes it let go (context closing). */
  reclaim?: () => void;
  /** Releases what refers to the socket (watcher slot, zmq poller) before zmq_close. */
  beforeClose?: () => void;
}

/** What a closing socket tells its context. */
export interface SocketOwner {
  /** A socket was closed with unsent messages it may still deliver (linger != 0). */
  lingering: boolean;
  /** A socket was closed with linger -1: zmq_ctx_term could wait forever. */
  lingeringForever: boolean;
  /** On a worker thread: what closes the context's sockets when the thread ends (src/thread_exit.ts). */
  exit: {
    release(socket: object): void;
    lingered(): void;
  } | null;
}

/**
 * The longest {@link Context.close} waits for a socket with `linger: -1`
 * (libzmq would wait forever for messages no peer takes): such sockets get
 * this linger, in milliseconds, when their context closes them.
 */
export const CLOSE_LINGER_CAP = 1000;

// The linger Context.close() gives sockets left at linger 0 (see below).
const CLOSE_DEFAULT_LINGER = 20;

// The context of each native socket, to note lingering closes.
const owners = new WeakMap<NativeSocket, SocketOwner>();
const lingerValue = new Int32Array(1);
const lingerLength = new BigUint64Array(1);
const zeroLinger = new Int32Array(1);
let openSockets = 0;

/** How many native sockets are open in this thread, in every context (for leak checks). */
export function openSocketCount(): number {
  return openSockets;
}

/** Counts a new native socket of a context in. */
export function ownSocket(socket: NativeSocket, owner: SocketOwner): void {
  openSockets++;
  owners.set(socket, owner);
}

/** A socket's ZMQ_LINGER in milliseconds, or null when libzmq cannot say. */
export function lingerOf(handle: Pointer): number | null {
  lingerLength[0] = 4n;
  return loadLibzmq().zmq_getsockopt(
      handle,
      SocketOption.LINGER,
      lingerValue,
      lingerLength,
    ) === 0
    ? lingerValue[0]!
    : null;
}

function setLinger(handle: Pointer, linger: number): void {
  lingerValue[0] = linger;
  loadLibzmq().zmq_setsockopt(handle, SocketOption.LINGER, lingerValue, 4n);
}

/** Closes a native socket once; safe to call twice. */
export function closeNativeSocket(socket: NativeSocket): void {
  if (socket.handle === null) return;
  openSockets--;
  socket.beforeClose?.();
  const owner = owners.get(socket);
  if (owner !== undefined && !owner.lingeringForever) {
    const linger = lingerOf(socket.handle);
    owner.lingering ||= linger !== 0;
    owner.lingeringForever ||= linger === null || linger < 0;
  }
  // Before zmq_close: a thread-exit destructor must never close it again.
  owner?.exit?.release(socket);
  if (owner?.lingering) owner.exit?.lingered();
  loadLibzmq().zmq_close(socket.handle);
  socket.handle = null;
}

/**
 * Closes a native socket dropping whatever it still had to send (linger 0):
 * for finalizers, which must never leave zmq_ctx_term waiting for a peer.
 */
export function discardNativeSocket(socket: NativeSocket): void {
  if (socket.handle === null) return;
  loadLibzmq().zmq_setsockopt(
    socket.handle,
    SocketOption.LINGER,
    zeroLinger,
    4n,
  );
  closeNativeSocket(socket);
}

/**
 * Before its context closes it: linger -1 would make zmq_ctx_term wait
 * forever for an absent peer, so the wait is bounded (finite lingers are
 * honoured).
 */
export function capInfiniteLinger(socket: NativeSocket): void {
  if (socket.handle === null) return;
  const linger = lingerOf(socket.handle);
  if (linger !== null && linger < 0) {
    setLinger(socket.handle, CLOSE_LINGER_CAP);
  } else if (linger === 0) {
    // libzmq 4.3 asserts (session_base.cpp:260, zeromq/libzmq#3442) when a
    // pipe closed with linger 0 still holds the rest of a multipart message
    // as its peer disconnects, which is what closing both ends of a
    // connection in one context does. A short linger lets the session read
    // that message out first (1 ms was not always enough here; 20 ms was).
    setLinger(socket.handle, CLOSE_DEFAULT_LINGER);
  }
}
