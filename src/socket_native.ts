/**
 * A socket's native resources: creating the libzmq socket and its zmq_msg_t,
 * closing them, and the finalizer that closes a socket the program dropped
 * without close().
 *
 * @module
 */
import type { Pointer } from "../ffi/backend.ts";
import { ContextOption, MSG_T_SIZE } from "../ffi/constants.ts";
import {
  type Context,
  context as defaultContext,
  contextInternals,
} from "./context.ts";
import { closeNativeSocket, discardNativeSocket } from "./native_socket.ts";
import { errorCode } from "./errno.ts";
import { lastError } from "./errors.ts";
import { backend, zmq } from "./native.ts";
import type { NativeState } from "./socket_io.ts";
import { releaseWaits } from "./socket_wait.ts";

// A socket dropped without close() is closed here; close() unregisters it,
// so nothing is freed twice. On the default context, which is never
// terminated, the socket's linger is honoured: libzmq keeps delivering what
// was queued in the background. Elsewhere what it still had to send is
// dropped, so that the context, if it is dropped too, can terminate.
const finalizer = new FinalizationRegistry<
  { native: NativeState; context: Context }
>(({ native, context }) => {
  const monitor = native.monitor;
  // libzmq stops a socket's monitor when it destroys the socket, on its
  // reaper thread, by sending a last event to the monitor's PAIR: if our end
  // of that PAIR is gone by then, the send never completes and the reaper
  // thread frees no socket ever again. So stop the monitor while our end is
  // still open, then close both.
  if (monitor?.handle != null && native.handle !== null) {
    zmq().zmq_socket_monitor(native.handle, null as unknown as Uint8Array, 0);
  }
  for (const each of monitor === undefined ? [native] : [native, monitor]) {
    contextInternals(context).release(each);
    if (context === defaultContext) closeNativeSocket(each);
    else discardNativeSocket(each);
    zmq().zmq_msg_close(each.msg);
  }
});

const pause = new Int32Array(new SharedArrayBuffer(4));
// The longest a new socket waits for libzmq to free closed ones.
const REAPER_WAIT_MS = 1000;

// zmq_close only asks libzmq's reaper thread to free a socket, and a
// context's slot (its `maxSockets`) comes back when that is done: a program
// that opens and closes sockets faster than the reaper runs (a few thousand
// in a tight loop on Bun) would get EMFILE with far fewer sockets open. When
// fewer than `maxSockets` are open, the missing slots are the reaper's, so
// wait for it, in steps of a millisecond, for at most REAPER_WAIT_MS.
function afterReaper(
  contextHandle: Pointer,
  type: number,
  open: number,
): Pointer | null {
  const lib = zmq();
  if (open >= lib.zmq_ctx_get(contextHandle, ContextOption.MAX_SOCKETS)) {
    return null;
  }
  const deadline = performance.now() + REAPER_WAIT_MS;
  while (performance.now() < deadline) {
    Atomics.wait(pause, 0, 0, 1);
    const handle = lib.zmq_socket(contextHandle, type);
    if (handle !== null || errorCode(lib.zmq_errno()) !== "EMFILE") {
      return handle;
    }
  }
  return null;
}

/**
 * Creates a libzmq socket of `type` in `context`, adopted by the context and
 * closed by a finalizer if `owner` is dropped without close().
 */
export function openNative(
  owner: object,
  context: Context,
  type: number,
  socketType: string,
): NativeState {
  const lib = zmq();
  const internals = contextInternals(context);
  const contextHandle = internals.handle();
  let handle = lib.zmq_socket(contextHandle, type);
  if (handle === null && errorCode(lib.zmq_errno()) === "EMFILE") {
    handle = afterReaper(contextHandle, type, internals.openSockets());
  }
  if (handle === null) throw lastError("create socket", { socketType });
  const msg = new BigUint64Array(new ArrayBuffer(MSG_T_SIZE));
  lib.zmq_msg_init(msg);
  const native: NativeState = {
    handle,
    msg,
    msgAt: backend.pointerOf(msg),
    slot: -1,
    poller: null,
    fd: -1,
  };
  native.beforeClose = () => releaseWaits(native);
  contextInternals(context).adopt(native);
  finalizer.register(owner, { native, context }, owner);
  return native;
}

/**
 * Closes a socket's native resources now (close(), or its context closed
 * it: `byContext`); the finalizer forgets it.
 */
export function closeNative(
  owner: object,
  native: NativeState,
  context: Context,
  byContext = false,
): void {
  finalizer.unregister(owner);
  if (!byContext) {
    contextInternals(context).release(native);
    closeNativeSocket(native);
  }
  zmq().zmq_msg_close(native.msg);
}

/**
 * Makes `reader` (a PAIR reading `owner`'s monitor, in the same context) part
 * of `owner`'s native lifetime: the finalizer closes both, `owner` first.
 */
export function adoptMonitorReader(
  native: NativeState,
  reader: object,
  readerNative: NativeState,
): void {
  finalizer.unregister(reader);
  native.monitor = readerNative;
}
