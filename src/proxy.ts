/**
 * Proxy: libzmq's built-in device (zmq_proxy_steerable) between two sockets,
 * run on its own thread and steered from this one.
 *
 * @module
 */
import process from "node:process";
import { Worker } from "node:worker_threads";
import { backend, loadLibzmq } from "../ffi/load.ts";
import { type Context, contextInternals } from "./context.ts";
import { errorCode, ZmqError, zmqError } from "./errors.ts";
import {
  CANCELLED,
  type ProxyJob,
  type ProxyResult,
  RUNNING,
  STARTING,
  THREAD_MARKER,
} from "./proxy_worker.ts";
import { Socket, type SocketInternals, socketInternals } from "./socket.ts";
import { Pair } from "./sockets.ts";
import { workerModule } from "./worker_url.ts";

/** Options of a {@link Proxy}. */
export interface ProxyOptions {
  /**
   * A socket that receives a copy of every message the proxy forwards, in
   * both directions (a Push, Publisher, Dealer or Pair, bound or connected).
   * libzmq 4.3 also copies the proxy's control commands to it ("PAUSE",
   * "RESUME", "STATISTICS", "TERMINATE"); later versions do not.
   */
  capture?: Socket;
}

const OWNER = "a running Proxy";
// How long closing a socket waits for the proxy thread to let go of it.
const STOP_TIMEOUT = 5000;
let controlCounter = 0;

type StopReason = "context" | "socket";

// Node never ends a thread that is inside a C call, so a process (or worker)
// would not exit while a proxy runs: on exit, every running proxy of this
// thread is stopped first, within a bounded wait.
const stopAtExit = new Set<() => void>();
if (backend.runtime === "node") {
  process.once("exit", () => {
    for (const stop of stopAtExit) stop();
  });
}
const EXIT_STOP_TIMEOUT = 1000;

// Proxy threads are reused: starting one costs 100 ms or more (seconds under
// `deno test`, which type-checks each worker). Idle ones are unref'd.
const MAX_IDLE_THREADS = 2;
const idleThreads: Worker[] = [];

function takeThread(): Worker {
  let thread = idleThreads.pop();
  if (thread === undefined) {
    const worker = new Worker(
      workerModule(new URL("./proxy_worker.ts", import.meta.url)),
      { workerData: THREAD_MARKER },
    );
    worker.on("exit", () => {
      const index = idleThreads.indexOf(worker);
      if (index >= 0) idleThreads.splice(index, 1);
    });
    thread = worker;
  }
  thread.ref();
  return thread;
}

function releaseThread(thread: Worker): void {
  thread.unref();
  if (idleThreads.length < MAX_IDLE_THREADS) idleThreads.push(thread);
  else thread.terminate();
}

// "front-end" or "back-end" when that socket is open but was never bound or
// connected (its ZMQ_LAST_ENDPOINT is still empty); null otherwise. Closed
// sockets, and sockets in use by another proxy, are left to the lend in
// run(), which rejects with EBADF, ETERM or EBUSY.
function unattachedSocket(frontEnd: Socket, backEnd: Socket): string | null {
  let unattached: string | null = null;
  const ends = [["front-end", frontEnd], ["back-end", backEnd]] as const;
  for (const [name, socket] of ends) {
    if (socket.closed) return null;
    let endpoint: unknown;
    try {
      endpoint = socket.getOption("lastEndpoint");
    } catch {
      return null;
    }
    if (endpoint === "") unattached ??= name;
  }
  return unattached;
}

/** What one run() holds until the proxy thread has let go of the sockets. */
interface Running {
  /** This thread's end of the inproc control pair. */
  control: Pair;
  /** The proxy thread's end, lent to it. */
  controlPeer: Pair;
  /** STARTING, RUNNING, CANCELLED or DONE (see proxy_worker.ts). */
  state: Int32Array;
  /** Why the proxy was stopped from a close(), if it was. */
  stopped: StopReason | null;
}

/**
 * Forwards messages between a front-end and a back-end socket on a thread of
 * its own (libzmq's `zmq_proxy_steerable`), until {@link Proxy.terminate}.
 * The classic devices are a queue (Router front-end, Dealer back-end), a
 * forwarder (XSubscriber, XPublisher) and a streamer (Pull, Push).
 *
 * While it runs, the proxy owns its sockets: every method on them throws a
 * ZmqError with code EBUSY, except `close()`, which stops the proxy first
 * (then `run()` rejects with EBADF). When it ends the sockets are handed back,
 * open and usable, and the proxy may be run again. As in zeromq.js, `run()`
 * rejects with code ETERM if the sockets' context is closed while it runs.
 *
 * @example
 * ```ts
 * import { Dealer, Proxy, Reply, Request, Router } from "@zmq-ffi/zmq";
 *
 * const proxy = new Proxy(new Router(), new Dealer());
 * await proxy.frontEnd.bind("tcp://127.0.0.1:*");
 * await proxy.backEnd.bind("tcp://127.0.0.1:*");
 * const clientAddress = proxy.frontEnd.lastEndpoint;
 * const workerAddress = proxy.backEnd.lastEndpoint;
 * const done = proxy.run();
 *
 * const worker = new Reply();
 * worker.connect(workerAddress);
 * const client = new Request();
 * client.connect(clientAddress);
 * await client.send("Hello");
 * const [request] = await worker.receive();
 * await worker.send("World");
 * const [reply] = await client.receive();
 *
 * proxy.terminate();
 * await done;
 * for (const sock of [client, worker, proxy.frontEnd, proxy.backEnd]) sock.close();
 * ```
 */
export class Proxy<F extends Socket = Socket, B extends Socket = Socket> {
  /** The front-end socket given to the constructor. */
  readonly frontEnd: F;
  /** The back-end socket given to the constructor. */
  readonly backEnd: B;
  /** The capture socket, if one was given. */
  readonly capture: Socket | undefined;
  #running: Running | null = null;
  #ran = false;

  /**
   * Creates a proxy between two sockets; nothing starts until
   * {@link Proxy.run}. Bind or connect the sockets before running it.
   */
  constructor(frontEnd: F, backEnd: B, options: ProxyOptions = {}) {
    if (!(frontEnd instanceof Socket)) {
      throw new TypeError("Front-end must be a socket object");
    }
    if (!(backEnd instanceof Socket)) {
      throw new TypeError("Back-end must be a socket object");
    }
    if (typeof options !== "object" || options === null) {
      throw new TypeError("Proxy options must be an object");
    }
    const { capture } = options;
    if (capture !== undefined) {
      if (!(capture instanceof Socket)) {
        throw new TypeError("capture must be a socket object");
      }
      if (capture === frontEnd || capture === backEnd) {
        throw new TypeError(
          "capture must be another socket than the front-end and back-end",
        );
      }
    }
    this.frontEnd = frontEnd;
    this.backEnd = backEnd;
    this.capture = capture;
    // A misspelt property (proxy.captur = ...) throws instead of doing
    // nothing; subclasses with fields of their own stay extensible.
    if (new.target === Proxy) Object.preventExtensions(this);
  }

  /** True from {@link Proxy.run} until the promise it returned settles. */
  get running(): boolean {
    return this.#running !== null;
  }

  /**
   * Starts proxying on a worker thread and resolves once the proxy was
   * terminated and its sockets are back on this thread. Rejects at once with
   * EBUSY if it is already running or a socket has awaited operations pending
   * or is in use by another proxy, with EINVAL if the front-end or back-end
   * was never bound or connected, and with EBADF/ETERM if a socket is closed.
   */
  run(): Promise<void> {
    if (this.#running !== null) {
      return Promise.reject(
        new ZmqError(
          "EBUSY",
          "Cannot run: this proxy is already running; terminate() it first",
          { operation: "run proxy" },
        ),
      );
    }
    const sockets: Socket[] = [...new Set([this.frontEnd, this.backEnd])];
    if (this.capture !== undefined) sockets.push(this.capture);
    // zmq_proxy on a socket that never bound or connected forwards nothing
    // and would only end when a socket closes: refuse it, as zeromq.js does.
    const unattached = unattachedSocket(this.frontEnd, this.backEnd);
    if (unattached !== null) {
      return Promise.reject(
        new ZmqError(
          "EINVAL",
          `Cannot run: the ${unattached} socket is neither bound nor connected; bind() or connect() it first`,
          { operation: "run proxy" },
        ),
      );
    }
    const lent: SocketInternals[] = [];
    const pointers: bigint[] = [];
    let controlPeer: Pair | undefined;
    let control: Pair | undefined;
    let controlPointer: bigint;
    // libzmq must not close a socket on this thread while the proxy thread
    // is inside zmq_proxy_steerable with it (that crashes the process): a
    // close() of a lent socket, or of its context, first stops the proxy
    // thread and waits for it.
    const current: { running?: Running } = {};
    const reclaim = (reason: StopReason, context: Context) => {
      const running = current.running;
      if (running !== undefined) {
        this.#stopNow(
          running,
          reason,
          reason === "context" ? context : undefined,
        );
      }
    };
    try {
      for (const socket of sockets) {
        const internals = socketInternals(socket);
        const context = internals.context;
        pointers.push(
          backend.pointerToBigInt(
            internals.lend(OWNER, (reason) => reclaim(reason, context)),
          ),
        );
        lent.push(internals);
      }
      // A PAIR in the sockets' context: commands sent before the thread
      // starts wait in its queue, so terminate() right after run() works.
      const context = socketInternals(this.frontEnd).context;
      const address = `inproc://zmq-ffi-proxy-control-${++controlCounter}`;
      controlPeer = new Pair({ context, linger: 0 });
      controlPeer.bindSync(address);
      control = new Pair({ context, linger: 0 });
      control.connect(address);
      const internals = socketInternals(controlPeer);
      controlPointer = backend.pointerToBigInt(
        internals.lend(OWNER, (reason) => reclaim(reason, context)),
      );
      lent.push(internals);
    } catch (error) {
      for (const internals of lent) internals.giveBack();
      controlPeer?.close();
      control?.close();
      return Promise.reject(error);
    }
    const stateBuffer = new SharedArrayBuffer(4);
    const job: ProxyJob = {
      frontend: pointers[0]!,
      backend: pointers[sockets.indexOf(this.backEnd)]!,
      capture: this.capture === undefined ? 0n : pointers[sockets.length - 1]!,
      control: controlPointer,
      state: stateBuffer,
    };
    const started: Running = {
      control,
      controlPeer,
      state: new Int32Array(stateBuffer),
      stopped: null,
    };
    current.running = started;
    this.#running = started;
    const running = started;
    const context = socketInternals(this.frontEnd).context;
    const stopForExit = () => {
      const state = running.state;
      if (
        Atomics.compareExchange(state, 0, STARTING, CANCELLED) === STARTING ||
        Atomics.load(state, 0) !== RUNNING
      ) return;
      running.control.trySend("TERMINATE");
      if (
        Atomics.wait(state, 0, RUNNING, EXIT_STOP_TIMEOUT) === "timed-out"
      ) {
        // Blocked sending: only shutting the context down unblocks it.
        loadLibzmq().zmq_ctx_shutdown(contextInternals(context).handle());
        Atomics.wait(state, 0, RUNNING, EXIT_STOP_TIMEOUT);
      }
    };
    stopAtExit.add(stopForExit);
    this.#ran = true;
    return new Promise<void>((resolve, reject) => {
      // Called once the thread no longer uses the sockets: they are this
      // thread's again.
      const finish = (result: ProxyResult | undefined, failure?: unknown) => {
        stopAtExit.delete(stopForExit);
        for (const internals of lent) internals.giveBack();
        running.controlPeer.close();
        running.control.close();
        this.#running = null;
        if (failure !== undefined) reject(failure);
        else if (running.stopped === "context") {
          reject(zmqError("ETERM", "run proxy", { socketType: "Proxy" }));
        } else if (running.stopped === "socket") {
          reject(
            new ZmqError(
              "EBADF",
              "The proxy stopped because one of its sockets was closed while it ran",
              { operation: "run proxy" },
            ),
          );
        } else if (result === undefined) {
          reject(new Error("zmq-ffi: the proxy thread ended without a result"));
        } else if (result.errno === 0) resolve();
        else {
          const code = errorCode(result.errno);
          reject(
            zmqError(code, "run proxy", { socketType: "Proxy" }, result.errno),
          );
        }
      };
      let thread: Worker;
      try {
        thread = takeThread();
      } catch (error) {
        finish(undefined, error);
        return;
      }
      let failure: unknown;
      const detach = () => {
        thread.off("message", onResult);
        thread.off("error", onError);
        thread.off("exit", onExit);
      };
      const onResult = (result: ProxyResult) => {
        detach();
        releaseThread(thread);
        finish(result);
      };
      const onError = (error: unknown) => {
        failure = error;
      };
      const onExit = () => {
        detach();
        finish(
          undefined,
          failure ?? new Error("zmq-ffi: the proxy thread exited"),
        );
      };
      thread.on("message", onResult);
      thread.on("error", onError);
      thread.on("exit", onExit);
      thread.postMessage(job);
    });
  }

  // Makes the proxy thread let go of the sockets before this thread closes
  // one of them (or their context), waiting for it without the event loop.
  #stopNow(running: Running, reason: StopReason, context?: Context): void {
    const state = running.state;
    if (
      Atomics.compareExchange(state, 0, STARTING, CANCELLED) === STARTING
    ) {
      running.stopped ??= reason;
      return;
    }
    if (Atomics.load(state, 0) !== RUNNING) return;
    running.stopped ??= reason;
    if (context !== undefined) {
      // Unblocks the proxy even inside a blocking send; it returns ETERM.
      loadLibzmq().zmq_ctx_shutdown(contextInternals(context).handle());
    } else {
      running.control.trySend("TERMINATE");
    }
    if (Atomics.wait(state, 0, RUNNING, STOP_TIMEOUT) === "timed-out") {
      throw new ZmqError(
        "EBUSY",
        "Cannot close: the Proxy using this socket did not stop within " +
          `${STOP_TIMEOUT} ms (is it blocked sending?); close its context instead`,
        { operation: "close" },
      );
    }
  }

  #command(command: "PAUSE" | "RESUME" | "TERMINATE", verb: string): Running {
    const running = this.#running;
    if (running === null) {
      throw new ZmqError(
        "EBADF",
        this.#ran
          ? `Cannot ${verb}: the proxy has ended; run() it again first`
          : `Cannot ${verb}: the proxy is not running; call run() first`,
        { operation: `${verb} proxy` },
      );
    }
    if (!running.control.trySend(command)) {
      throw zmqError("EAGAIN", `send ${verb} to proxy`, {
        socketType: "Proxy",
      });
    }
    return running;
  }

  // The proxy answers STATISTICS after it has handled the commands before
  // it, so the answer confirms them. If the proxy ends first, there is
  // nothing left to wait for: resolve all the same (callers may not await).
  async #applied(running: Running): Promise<void> {
    if (!running.control.trySend("STATISTICS")) return;
    try {
      await running.control.receive();
    } catch {
      // The proxy ended and its control socket was closed.
    }
  }

  /**
   * Suspends forwarding: messages wait in the sockets' queues (up to their
   * high-water marks) until {@link Proxy.resume}. The returned promise
   * resolves once the proxy thread has paused (awaiting it is optional);
   * messages that arrived before that may still be forwarded, as libzmq
   * forwards in bursts. Throws EBADF if the proxy is not running.
   */
  pause(): Promise<void> {
    return this.#applied(this.#command("PAUSE", "pause"));
  }

  /**
   * Resumes forwarding after {@link Proxy.pause}; the promise resolves once
   * the proxy thread has resumed (awaiting it is optional).
   */
  resume(): Promise<void> {
    return this.#applied(this.#command("RESUME", "resume"));
  }

  /**
   * Stops the proxy; the promise of {@link Proxy.run} resolves once its
   * thread has handed the sockets back. Throws EBADF if it is not running.
   */
  terminate(): void {
    this.#command("TERMINATE", "terminate");
  }
}
