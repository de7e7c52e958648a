/**
 * What the socket classes are made of: the sending and receiving sides
 * (WritableSocket, ReadableSocket, DuplexSocket) and the typed option
 * properties each class gets from the option table.
 *
 * @module
 */
import type { Message } from "./boundary.ts";
import {
  type OptionName,
  optionsFor,
  type SocketOptionsInit,
  type SocketTypeName,
} from "./options.ts";
import { asyncIterator, type OperationOptions } from "./pending.ts";
import { Socket, type SocketConstructorOptions } from "./socket.ts";

/** Constructor options of a socket of type S: its writable options plus `context`. */
export type SocketOptions<S extends SocketTypeName> =
  & SocketOptionsInit<S>
  & SocketConstructorOptions;

/** The sending side of a socket. */
export interface Writable {
  /**
   * Sends a message (one frame or an array of frames), resolving once libzmq
   * has queued it. While the high-water mark is reached it waits without
   * blocking the event loop, up to `sendTimeout` (then rejects with EAGAIN).
   * Concurrent sends complete in call order.
   */
  send(message: Message, options?: OperationOptions): Promise<void>;
  /** Sends a message if it can be queued now; false (nothing sent) if it would wait. */
  trySend(message: Message): boolean;
  /**
   * Sends a message, blocking the calling thread (and so the event loop) up to
   * `sendTimeout`. Meant for scripts and worker threads.
   */
  sendSync(message: Message): void;
}

/** The receiving side of a socket. */
export interface Readable {
  /**
   * Receives the next message as an array of frames, waiting without blocking
   * the event loop, up to `receiveTimeout` (then rejects with EAGAIN).
   *
   * Each frame is a copy that JavaScript owns. Small frames are views into a
   * shared pool buffer (as Node's Buffer pool does): use the frame itself, or
   * `frame.slice()`, rather than `frame.buffer`.
   */
  receive(options?: OperationOptions): Promise<Uint8Array[]>;
  /** Receives a message if one is queued now; null otherwise. */
  tryReceive(): Uint8Array[] | null;
  /**
   * Receives a message, blocking the calling thread (and so the event loop)
   * up to `receiveTimeout`. Meant for scripts and worker threads.
   */
  receiveSync(): Uint8Array[];
  /** Iterates over incoming messages until the socket is closed. */
  [Symbol.asyncIterator](): AsyncIterableIterator<Uint8Array[]>;
}

/**
 * Base of the socket types that only send (Push, Publisher).
 *
 * @example
 * ```ts
 * import { Push } from "@zmq-ffi/zmq";
 * const push = new Push();
 * push.connect("tcp://127.0.0.1:5557");
 * await push.send("work");
 * push.close();
 * ```
 */
export abstract class WritableSocket extends Socket implements Writable {
  /** Sends a message, waiting while the high-water mark is reached: see {@link Writable.send}. */
  send(message: Message, options?: OperationOptions): Promise<void> {
    return this.sendMessage(message, options);
  }
  /** Sends a message if it can be queued now: see {@link Writable.trySend}. */
  trySend(message: Message): boolean {
    return this.trySendMessage(message);
  }
  /** Sends a message, blocking the thread: see {@link Writable.sendSync}. */
  sendSync(message: Message): void {
    this.sendMessageSync(message);
  }
}

/**
 * Base of the socket types that receive (Pull, Subscriber, and the duplex ones).
 *
 * @example
 * ```ts
 * import { Pull } from "@zmq-ffi/zmq";
 * const pull = new Pull();
 * await pull.bind("tcp://127.0.0.1:*");
 * const message = pull.tryReceive(); // null: nothing sent yet
 * pull.close();
 * ```
 */
export abstract class ReadableSocket extends Socket implements Readable {
  /** Receives the next message, waiting without blocking the event loop: see {@link Readable.receive}. */
  receive(options?: OperationOptions): Promise<Uint8Array[]> {
    return this.receiveMessage(options) as Promise<Uint8Array[]>;
  }
  /** Receives a message if one is queued now: see {@link Readable.tryReceive}. */
  tryReceive(): Uint8Array[] | null {
    return this.tryReceiveMessage() as Uint8Array[] | null;
  }
  /** Receives a message, blocking the thread: see {@link Readable.receiveSync}. */
  receiveSync(): Uint8Array[] {
    return this.receiveMessageSync() as Uint8Array[];
  }
  /** Iterates over incoming messages; ends quietly when the socket is closed. */
  [Symbol.asyncIterator](): AsyncIterableIterator<Uint8Array[]> {
    return asyncIterator(
      () =>
        this.nextMessage() as Promise<IteratorResult<Uint8Array[], undefined>>,
    );
  }
}

/**
 * Base of the socket types that both send and receive.
 *
 * @example
 * ```ts
 * import { Pair } from "@zmq-ffi/zmq";
 * const a = new Pair();
 * const b = new Pair();
 * a.bindSync("inproc://pair-example");
 * b.connect("inproc://pair-example");
 * a.sendSync("ping");
 * console.log(new TextDecoder().decode(b.receiveSync()[0])); // "ping"
 * a.close();
 * b.close();
 * ```
 */
export abstract class DuplexSocket extends ReadableSocket {}
/** The sending methods of a duplex socket (shared with WritableSocket). */
export interface DuplexSocket extends Writable {}
for (const name of ["send", "trySend", "sendSync"] as const) {
  Object.defineProperty(
    DuplexSocket.prototype,
    name,
    Object.getOwnPropertyDescriptor(WritableSocket.prototype, name)!,
  );
}

/** Installs the typed option properties of a socket type on its class. */
export function defineOptions(
  // deno-lint-ignore no-explicit-any
  socketClass: abstract new (...args: any[]) => Socket,
  kind: SocketTypeName,
): void {
  for (const name of optionsFor(kind)) {
    Object.defineProperty(socketClass.prototype, name, {
      get(this: Socket) {
        return this.getOption(name as OptionName);
      },
      set(this: Socket, value: unknown) {
        this.setOption(name as OptionName, value);
      },
      enumerable: false,
      configurable: true,
    });
  }
}
