/**
 * Socket events through zmq_socket_monitor. (Placeholder: being built.)
 *
 * @module
 */
import { registerObserverFactory, type Socket } from "./socket.ts";

/**
 * Observes the events of one socket.
 *
 * @example
 * ```ts
 * import { Push } from "@zmq-ffi/zmq";
 * const push = new Push();
 * const events = push.events;
 * push.close();
 * ```
 */
export class Observer {
  /** The socket observed. */
  readonly socket: Socket;
  /** Creates the observer of a socket; use `socket.events` instead. */
  constructor(socket: Socket) {
    this.socket = socket;
  }
  /** Called by the socket when it closes. @internal */
  socketClosed(): void {}
}

registerObserverFactory((socket) => new Observer(socket));
