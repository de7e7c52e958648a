/**
 * zmq-ffi: ZeroMQ for Deno and Bun through FFI to the system's libzmq.
 *
 * The API follows zeromq.js v6: one class per socket type, awaitable
 * `send`/`receive`, `for await` over incoming messages, options as typed
 * properties. It adds non-waiting (`trySend`, `tryReceive`) and blocking
 * (`sendSync`, `receiveSync`) forms and `using` support.
 *
 * @example
 * ```ts
 * import { Pull, Push } from "@zmq-ffi/zmq";
 *
 * const pull = new Pull();
 * await pull.bind("tcp://127.0.0.1:*");
 * const push = new Push();
 * push.connect(pull.lastEndpoint);
 *
 * await push.send("hello");
 * const [message] = await pull.receive();
 * console.log(new TextDecoder().decode(message)); // "hello"
 *
 * push.close();
 * pull.close();
 * ```
 *
 * @module
 */
export {
  CLOSE_LINGER_CAP,
  Context,
  context,
  type ContextOptionProperties,
  type ContextOptions,
} from "./src/context.ts";
export {
  type Capabilities,
  capability,
  libzmqVersion,
  runtimeInfo,
  version,
} from "./src/capability.ts";
export {
  type ErrorCode,
  ZmqError,
  type ZmqErrorDetails,
} from "./src/errors.ts";
export { LibraryLoadError } from "./ffi/load.ts";
export {
  type Event,
  type EventAddress,
  type EventError,
  type EventFor,
  type EventInterval,
  type EventOfType,
  type EventType,
  HandshakeError,
  type ProtocolErrorName,
} from "./src/observer_events.ts";
export { Observer, type ObserverReceiveOptions } from "./src/observer.ts";
export type { ObservedSocket } from "./src/socket_internals.ts";
export {
  type AuthenticationLog,
  Authenticator,
  type AuthenticatorOptions,
} from "./src/auth.ts";
export { type CurveKeyPair, curveKeyPair, curvePublicKey } from "./src/keys.ts";
export { type Z85, z85 } from "./src/z85.ts";
export { Proxy, type ProxyOptions } from "./src/proxy.ts";
export {
  Poller,
  type PollEvents,
  type PollOptions,
  type PollResult,
  type PollTarget,
} from "./src/poller.ts";
export type { Message, MessageLike } from "./src/boundary.ts";
export type { OperationOptions } from "./src/pending.ts";
export { setBriefWait } from "./src/brief_wait.ts";
export { Socket, type SocketConstructorOptions } from "./src/socket.ts";
export type { Received } from "./src/socket_wait.ts";
export type { MessageMetadata } from "./src/socket_io.ts";
export {
  type ContextOptionName,
  contextOptions,
  type ContextOptionSpec,
  type OptionInputs,
  type OptionKeysFor,
  type OptionName,
  type OptionProperties,
  type OptionReadTypes,
  type OptionSpec,
  type OptionType,
  type OptionWriteTypes,
  socketOptions,
  type SocketOptionsInit,
  type SocketOptionsOf,
  type SocketOptionTable,
  type SocketTypeName,
} from "./src/options.ts";
export {
  Dealer,
  DuplexSocket,
  Pair,
  Publisher,
  Pull,
  Push,
  type Readable,
  ReadableSocket,
  Reply,
  Request,
  Router,
  type RouterConnectOptions,
  type SocketOptions,
  Stream,
  type StreamConnectOptions,
  Subscriber,
  type Writable,
  WritableSocket,
  XPublisher,
  type XPublisherVerbosity,
  XSubscriber,
} from "./src/sockets.ts";
