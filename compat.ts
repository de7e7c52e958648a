/**
 * zmq-ffi's zeromq.js v6-shaped entry: a zeromq.js v6 program runs on Deno
 * and Bun by changing only its import to `@zmq-ffi/zmq/compat`.
 *
 * It is a thin layer over the main API (`@zmq-ffi/zmq`) with zeromq.js's
 * surface as it is: received frames are Node `Buffer`s (so `msg.toString()`
 * is the text), `routingId` and unset string options read as `string | null`,
 * errors carry `address`, `code` and `errno`, events and their errors have
 * zeromq.js's shapes and codes, option properties have zeromq.js's names,
 * and sockets and contexts refuse unknown properties with a TypeError. The
 * main API's deliberate differences remain (see the README): no EBUSY for
 * concurrent sends or receives (they queue), linger 0 by default, no inproc
 * or shared context across threads.
 *
 * @example
 * ```ts
 * import * as zmq from "@zmq-ffi/zmq/compat";
 *
 * const pull = new zmq.Pull();
 * await pull.bind("tcp://127.0.0.1:*");
 * const push = new zmq.Push();
 * push.connect(pull.lastEndpoint!);
 *
 * await push.send("hello");
 * const [message] = await pull.receive();
 * console.log(message.toString()); // "hello"
 *
 * push.close();
 * pull.close();
 * ```
 *
 * @module
 */
export { type Capabilities, capability, version } from "./src/capability.ts";
export { type ErrorCode, ZmqError } from "./src/errors.ts";
// The main API's option table, which the compat option types derive from.
export {
  type OptionKeysFor,
  type OptionName,
  type OptionProperties,
  type OptionReadTypes,
  type OptionWriteTypes,
  socketOptions,
  type SocketOptionTable,
  type SocketTypeName,
} from "./src/options.ts";
export type { XPublisherVerbosity } from "./src/sockets.ts";
export { type CurveKeyPair, curveKeyPair } from "./src/keys.ts";
export { Context, context } from "./src/compat/context.ts";
export { type CompatError } from "./src/compat/errors.ts";
export {
  type AuthError,
  type ErrnoError,
  type Event,
  type EventAddress,
  type EventError,
  type EventFor,
  type EventInterval,
  type EventOfType,
  type EventType,
  Observer,
  type ProtocolErrorName,
  type ProtoError,
} from "./src/compat/observer.ts";
export {
  type CompatOptionsInit,
  type CompatOptionsOf,
  type CompatReadOnlyKeys,
  type CompatValue,
  type CompatWritableKeys,
  type GssapiNameType,
  type GssapiNameTypeOption,
  type RenamedOptionName,
  type RenamedOptions,
  type StringOptionName,
} from "./src/compat/options.ts";
export { Proxy } from "./src/compat/proxy.ts";
export {
  type Message,
  type MessageLike,
  type Readable,
  Socket,
  type Writable,
} from "./src/compat/socket.ts";
export {
  type ConnectOptions,
  type ContextOption,
  Dealer,
  Pair,
  Publisher,
  Pull,
  Push,
  Reply,
  Request,
  Router,
  Stream,
  Subscriber,
  XPublisher,
  XSubscriber,
} from "./src/compat/sockets.ts";
