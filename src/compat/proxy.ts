/**
 * The zeromq.js-shaped Proxy: the main API's Proxy over the sockets inside
 * compat sockets, with zeromq.js's ending (the sockets are closed once the
 * proxy terminated) and errors.
 *
 * @module
 */
import { ZmqError } from "../errors.ts";
import { Proxy as MainProxy } from "../proxy.ts";
import { compatError, rethrow } from "./errors.ts";
import { innerSocket, type Socket } from "./socket.ts";

/**
 * Forwards messages between a front-end and a back-end socket on a thread of
 * its own until {@link Proxy.terminate}, as zeromq.js's Proxy: bind or
 * connect both sockets first; once it terminated, both are closed.
 *
 * @example
 * ```ts
 * import { Dealer, Proxy, Router } from "@zmq-ffi/zmq/compat";
 * const proxy = new Proxy(new Router(), new Dealer());
 * await proxy.frontEnd.bind("tcp://127.0.0.1:*");
 * await proxy.backEnd.bind("tcp://127.0.0.1:*");
 * const done = proxy.run();
 * proxy.terminate();
 * await done; // both sockets are closed now
 * ```
 */
export class Proxy<F extends Socket = Socket, B extends Socket = Socket> {
  /** The front-end socket given to the constructor. */
  readonly frontEnd: F;
  /** The back-end socket given to the constructor. */
  readonly backEnd: B;
  #inner: MainProxy;

  /** Creates a proxy between two compat sockets; nothing starts until run(). */
  constructor(frontEnd: F, backEnd: B) {
    let front, back;
    try {
      front = innerSocket(frontEnd);
    } catch {
      throw new TypeError("Front-end must be a socket object");
    }
    try {
      back = innerSocket(backEnd);
    } catch {
      throw new TypeError("Back-end must be a socket object");
    }
    this.frontEnd = frontEnd;
    this.backEnd = backEnd;
    this.#inner = new MainProxy(front, back);
    Object.preventExtensions(this);
  }

  /**
   * Runs the proxy on its own thread; resolves once it was terminated (and
   * its sockets closed). Rejects with EINVAL if a socket is closed or was
   * never bound or connected, as zeromq.js does.
   */
  run(): Promise<void> {
    for (
      const [name, socket] of [["Front-end", this.frontEnd], [
        "Back-end",
        this.backEnd,
      ]] as const
    ) {
      if (socket.closed) {
        return Promise.reject(
          compatError(
            new ZmqError(
              "EINVAL",
              `${name} socket must be bound or connected (it is closed)`,
              { operation: "run proxy" },
            ),
          ),
        );
      }
    }
    return this.#inner.run().then(() => {
      this.frontEnd.close();
      this.backEnd.close();
    }, rethrow());
  }

  /** Suspends forwarding until {@link Proxy.resume}. */
  pause(): void {
    try {
      void this.#inner.pause();
    } catch (error) {
      throw compatError(error);
    }
  }

  /** Resumes forwarding after {@link Proxy.pause}. */
  resume(): void {
    try {
      void this.#inner.resume();
    } catch (error) {
      throw compatError(error);
    }
  }

  /** Stops the proxy; {@link Proxy.run} resolves once its sockets are closed. */
  terminate(): void {
    try {
      this.#inner.terminate();
    } catch (error) {
      throw compatError(error);
    }
  }
}
