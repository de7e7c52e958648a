/**
 * Reads a socket's messages in the background on the event loop, for the
 * Observer and the Authenticator. Unlike an awaited `receive()`, the wait
 * keeps the process alive only when asked to: an observer or a ZAP handler
 * that nobody awaits must never stop a program from exiting.
 *
 * @module
 */
import { socketInternals } from "./socket_internals.ts";
import { POLL_IN, watcher } from "./watcher.ts";

/** What the reader reads: a socket that can be asked for a message now. */
interface Readable {
  tryReceive(): Uint8Array[] | null;
}

/**
 * Calls `onMessage` for each message of a socket while started. Close it
 * before closing the socket (its watcher slot polls the socket's ZMQ_FD).
 * @internal
 */
export class BackgroundReader {
  #socket: Readable;
  #onMessage: (frames: Uint8Array[]) => void;
  #onError: (error: unknown) => void;
  #slot = -1;
  #running = false;
  #reading = false;
  #keepAlive = false;
  #closed = false;
  #onReady = () => this.#read();

  /** Reads `socket`; reports a failed receive (e.g. the socket was closed) to `onError` and stops. */
  constructor(
    socket: Readable,
    onMessage: (frames: Uint8Array[]) => void,
    onError: (error: unknown) => void,
  ) {
    this.#socket = socket;
    this.#onMessage = onMessage;
    this.#onError = onError;
  }

  /** Starts (or keeps) reading; `keepAlive` says whether waiting holds the process open. */
  start(keepAlive: boolean): void {
    if (this.#closed) return;
    const changed = this.#keepAlive !== keepAlive;
    this.#keepAlive = keepAlive;
    if (!this.#running || changed) {
      this.#running = true;
      this.#read();
    }
  }

  /** Stops reading; messages stay queued in the socket. */
  stop(): void {
    this.#running = false;
    if (this.#slot >= 0) watcher().disarm(this.#slot);
  }

  /** Stops for good and frees the watcher slot; idempotent. */
  close(): void {
    this.stop();
    this.#closed = true;
    if (this.#slot >= 0) {
      watcher().close(this.#slot);
      this.#slot = -1;
    }
  }

  // Drains the socket until it is empty, then waits for ZMQ_FD. ZMQ_FD is
  // edge-triggered: it is armed only after a receive found nothing.
  #read(): void {
    if (this.#reading) return; // called from onMessage: the loop below goes on
    this.#reading = true;
    try {
      while (this.#running) {
        let frames: Uint8Array[] | null;
        try {
          frames = this.#socket.tryReceive();
        } catch (error) {
          this.close();
          this.#onError(error);
          return;
        }
        if (frames === null) {
          this.#arm();
          return;
        }
        try {
          this.#onMessage(frames);
        } catch (error) {
          // A bug in onMessage must not stop the reading: report it apart.
          queueMicrotask(() => {
            throw error;
          });
        }
      }
    } finally {
      this.#reading = false;
    }
  }

  #arm(): void {
    const wait = watcher();
    if (this.#slot < 0) {
      this.#slot = wait.open(socketInternals(this.#socket).waits.fd());
    }
    wait.arm(this.#slot, POLL_IN, this.#onReady, this.#keepAlive);
  }
}
