/**
 * A proxy thread: runs zmq_proxy_steerable on sockets lent by the main
 * thread, one job at a time, and reports how each ended. Threads are reused
 * (starting one costs far more than a proxy run in tests); an idle one is
 * unref'd by the main thread, so it never keeps a program alive.
 *
 * A shared state word per job tells the main thread, without its event loop,
 * whether this thread may still touch the sockets: it is RUNNING only while
 * zmq_proxy_steerable runs.
 *
 * @module
 */
import { parentPort, workerData } from "node:worker_threads";
import { backend, loadLibzmq } from "../ffi/load.ts";
import { retryOnSignal } from "./errors.ts";

/** The shared state word: the proxy thread has not started the proxy yet. */
export const STARTING = 0;
/** The shared state word: zmq_proxy_steerable is running on the sockets. */
export const RUNNING = 1;
/** The shared state word: the main thread cancelled the proxy before it started. */
export const CANCELLED = 2;
/** The shared state word: the proxy returned; the sockets are free again. */
export const DONE = 3;

/** The workerData of a proxy thread (this module is also imported elsewhere). */
export const THREAD_MARKER = { zmqFfiProxyThread: true } as const;

/** One proxy run: pointers as bigints (0n for none) and the state word. */
export interface ProxyJob {
  frontend: bigint;
  backend: bigint;
  capture: bigint;
  control: bigint;
  /** One Int32 holding STARTING, RUNNING, CANCELLED or DONE. */
  state: SharedArrayBuffer;
}

/** What the thread reports per job: 0 when TERMINATE ended it, else errno. */
export interface ProxyResult {
  errno: number;
}

function run(job: ProxyJob): ProxyResult {
  const state = new Int32Array(job.state);
  if (Atomics.compareExchange(state, 0, STARTING, RUNNING) !== STARTING) {
    return { errno: 0 }; // cancelled: the sockets were never touched
  }
  const zmq = loadLibzmq();
  // A signal interrupts libzmq's poll and ends the proxy: carry on instead.
  const result = retryOnSignal(
    () =>
      zmq.zmq_proxy_steerable(
        backend.pointerFromBigInt(job.frontend),
        backend.pointerFromBigInt(job.backend),
        backend.pointerFromBigInt(job.capture),
        backend.pointerFromBigInt(job.control),
      ),
    (rc) => rc !== 0,
  );
  // errno is per thread: read it here, right after the call that failed.
  const errno = result === 0 ? 0 : zmq.zmq_errno();
  Atomics.store(state, 0, DONE);
  Atomics.notify(state, 0);
  return { errno };
}

const data = workerData as typeof THREAD_MARKER | null;
if (parentPort !== null && data?.zmqFfiProxyThread === true) {
  const port = parentPort;
  port.on("message", (job: ProxyJob) => port.postMessage(run(job)));
}
