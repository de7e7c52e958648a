/**
 * The zeromq.js-shaped socket classes, one per socket type, each a main-API
 * socket inside (see ./socket.ts).
 *
 * @module
 */
import type { Buffer } from "node:buffer";
import { SocketType } from "../../ffi/constants.ts";
import type {
  Router as MainRouter,
  Stream as MainStream,
  Subscriber as MainSubscriber,
  XPublisher as MainXPublisher,
  XPublisherVerbosity,
} from "../sockets.ts";
import type { Context } from "./context.ts";
import { compatError } from "./errors.ts";
import {
  type CompatOptionsInit,
  type CompatOptionsOf,
  defineCompatOptions,
} from "./options.ts";
import {
  defineMethods,
  innerSocket,
  type Message,
  type MessageLike,
  type Readable,
  Socket,
  type Writable,
} from "./socket.ts";

/** What every compat socket constructor accepts besides its options. */
export interface ContextOption {
  /** The context to make the socket in (default: the shared `context`). */
  context?: Context;
}

/** Options of {@link Router.connect} and {@link Stream.connect}. */
export interface ConnectOptions {
  /** The routing id to give the peer of this connection (1 to 255 bytes). */
  routingId?: string;
}

/**
 * ZMQ_PAIR: an exclusive connection to one peer.
 *
 * @example
 * ```ts
 * import { Pair } from "@zmq-ffi/zmq/compat";
 * const pair = new Pair();
 * await pair.bind("inproc://example");
 * pair.close();
 * ```
 */
export class Pair extends Socket {
  /** Creates a Pair socket with the given options. */
  constructor(options: CompatOptionsInit<"pair"> & ContextOption = {}) {
    super(SocketType.PAIR, options);
  }
}
/** The methods and options of a {@link Pair} socket. */
export interface Pair extends Readable, Writable, CompatOptionsOf<"pair"> {}
defineMethods(Pair, { send: true, receive: true });
defineCompatOptions(Pair, "pair", innerSocket);

/**
 * ZMQ_PUB: sends each message to every subscriber whose subscription matches.
 *
 * @example
 * ```ts
 * import { Publisher } from "@zmq-ffi/zmq/compat";
 * const pub = new Publisher();
 * await pub.bind("tcp://127.0.0.1:*");
 * await pub.send(["weather", "10001 25"]);
 * pub.close();
 * ```
 */
export class Publisher extends Socket {
  /** Creates a Publisher socket with the given options. */
  constructor(options: CompatOptionsInit<"pub"> & ContextOption = {}) {
    super(SocketType.PUB, options);
  }
}
/** The methods and options of a {@link Publisher} socket. */
export interface Publisher extends Writable, CompatOptionsOf<"pub"> {}
defineMethods(Publisher, { send: true, receive: false });
defineCompatOptions(Publisher, "pub", innerSocket);

/**
 * ZMQ_SUB: receives what publishers send that matches its subscriptions.
 *
 * @example
 * ```ts
 * import { Subscriber } from "@zmq-ffi/zmq/compat";
 * const sub = new Subscriber();
 * sub.connect("tcp://127.0.0.1:5556");
 * sub.subscribe("10001");
 * sub.close();
 * ```
 */
export class Subscriber extends Socket {
  /** Creates a Subscriber socket with the given options. */
  constructor(options: CompatOptionsInit<"sub"> & ContextOption = {}) {
    super(SocketType.SUB, options);
  }

  /** Subscribes to messages starting with each prefix; none: everything. */
  subscribe(...prefixes: Array<Buffer | string>): void {
    (innerSocket(this) as MainSubscriber).subscribe(...prefixes);
  }

  /** Removes subscriptions made with the same prefixes. */
  unsubscribe(...prefixes: Array<Buffer | string>): void {
    (innerSocket(this) as MainSubscriber).unsubscribe(...prefixes);
  }
}
/** The methods and options of a {@link Subscriber} socket. */
export interface Subscriber extends Readable, CompatOptionsOf<"sub"> {}
defineMethods(Subscriber, { send: false, receive: true });
defineCompatOptions(Subscriber, "sub", innerSocket);

/**
 * ZMQ_REQ: sends a request, then receives its reply.
 *
 * @example
 * ```ts
 * import { Request } from "@zmq-ffi/zmq/compat";
 * const req = new Request();
 * req.connect("tcp://127.0.0.1:5555");
 * req.close();
 * ```
 */
export class Request extends Socket {
  /** Creates a Request socket with the given options. */
  constructor(options: CompatOptionsInit<"req"> & ContextOption = {}) {
    super(SocketType.REQ, options);
  }
}
/** The methods and options of a {@link Request} socket. */
export interface Request extends Readable, Writable, CompatOptionsOf<"req"> {}
defineMethods(Request, { send: true, receive: true });
defineCompatOptions(Request, "req", innerSocket);

/**
 * ZMQ_REP: receives a request, then sends its reply.
 *
 * @example
 * ```ts
 * import { Reply } from "@zmq-ffi/zmq/compat";
 * const rep = new Reply();
 * await rep.bind("tcp://127.0.0.1:*");
 * rep.close();
 * ```
 */
export class Reply extends Socket {
  /** Creates a Reply socket with the given options. */
  constructor(options: CompatOptionsInit<"rep"> & ContextOption = {}) {
    super(SocketType.REP, options);
  }
}
/** The methods and options of a {@link Reply} socket. */
export interface Reply extends Readable, Writable, CompatOptionsOf<"rep"> {}
defineMethods(Reply, { send: true, receive: true });
defineCompatOptions(Reply, "rep", innerSocket);

/**
 * ZMQ_DEALER: round-robins what it sends and fair-queues what it receives.
 *
 * @example
 * ```ts
 * import { Dealer } from "@zmq-ffi/zmq/compat";
 * const dealer = new Dealer({ routingId: "worker-1" });
 * dealer.connect("tcp://127.0.0.1:5555");
 * dealer.close();
 * ```
 */
export class Dealer extends Socket {
  /** Creates a Dealer socket with the given options. */
  constructor(options: CompatOptionsInit<"dealer"> & ContextOption = {}) {
    super(SocketType.DEALER, options);
  }
}
/** The methods and options of a {@link Dealer} socket. */
export interface Dealer extends Readable, Writable, CompatOptionsOf<"dealer"> {}
defineMethods(Dealer, { send: true, receive: true });
defineCompatOptions(Dealer, "dealer", innerSocket);

/**
 * ZMQ_ROUTER: receives each message after its sender's routing id, and sends to the peer the first frame names.
 *
 * @example
 * ```ts
 * import { Router } from "@zmq-ffi/zmq/compat";
 * const router = new Router({ mandatory: true });
 * await router.bind("tcp://127.0.0.1:*");
 * // const [id, ...frames] = await router.receive(); await router.send([id, "ok"]);
 * router.close();
 * ```
 */
export class Router extends Socket {
  /** Creates a Router socket with the given options. */
  constructor(options: CompatOptionsInit<"router"> & ContextOption = {}) {
    super(SocketType.ROUTER, options);
  }

  /** Connects to an address, optionally naming the peer with a routing id. */
  override connect(address: string, options: ConnectOptions = {}): void {
    try {
      (innerSocket(this) as MainRouter).connect(
        address,
        options.routingId ? { routingId: options.routingId } : {},
      );
    } catch (error) {
      throw compatError(error, address);
    }
  }
}
/** The methods and options of a {@link Router} socket. */
export interface Router extends Readable, Writable, CompatOptionsOf<"router"> {}
defineMethods(Router, { send: true, receive: true });
defineCompatOptions(Router, "router", innerSocket);

/**
 * ZMQ_PULL: receives messages fairly from its Push peers.
 *
 * @example
 * ```ts
 * import { Pull } from "@zmq-ffi/zmq/compat";
 * const pull = new Pull();
 * await pull.bind("tcp://127.0.0.1:*");
 * pull.close();
 * ```
 */
export class Pull extends Socket {
  /** Creates a Pull socket with the given options. */
  constructor(options: CompatOptionsInit<"pull"> & ContextOption = {}) {
    super(SocketType.PULL, options);
  }
}
/** The methods and options of a {@link Pull} socket. */
export interface Pull extends Readable, CompatOptionsOf<"pull"> {}
defineMethods(Pull, { send: false, receive: true });
defineCompatOptions(Pull, "pull", innerSocket);

/**
 * ZMQ_PUSH: sends messages round-robin to its Pull peers.
 *
 * @example
 * ```ts
 * import { Push } from "@zmq-ffi/zmq/compat";
 * const push = new Push();
 * push.connect("tcp://127.0.0.1:5557");
 * push.close();
 * ```
 */
export class Push extends Socket {
  /** Creates a Push socket with the given options. */
  constructor(options: CompatOptionsInit<"push"> & ContextOption = {}) {
    super(SocketType.PUSH, options);
  }
}
/** The methods and options of a {@link Push} socket. */
export interface Push extends Writable, CompatOptionsOf<"push"> {}
defineMethods(Push, { send: true, receive: false });
defineCompatOptions(Push, "push", innerSocket);

/**
 * ZMQ_XPUB: a Publisher that also receives its subscribers' subscriptions.
 *
 * @example
 * ```ts
 * import { XPublisher } from "@zmq-ffi/zmq/compat";
 * const xpub = new XPublisher({ verbosity: "allSubs" });
 * await xpub.bind("tcp://127.0.0.1:*");
 * xpub.close();
 * ```
 */
export class XPublisher extends Socket {
  /** Creates a XPublisher socket with the given options. */
  constructor(
    options: CompatOptionsInit<"xpub"> & ContextOption & {
      verbosity?: XPublisherVerbosity;
    } = {},
  ) {
    super(SocketType.XPUB, options);
  }

  /**
   * ZMQ_XPUB_VERBOSE / ZMQ_XPUB_VERBOSER: `null` (only the first subscribe
   * and last unsubscribe of a prefix), `"allSubs"` or `"allSubsUnsubs"`.
   */
  set verbosity(value: XPublisherVerbosity) {
    (innerSocket(this) as MainXPublisher).verbosity = value;
  }
}
/** The methods and options of a {@link XPublisher} socket. */
export interface XPublisher
  extends Readable, Writable, CompatOptionsOf<"xpub"> {}
defineMethods(XPublisher, { send: true, receive: true });
defineCompatOptions(XPublisher, "xpub", innerSocket);

/**
 * ZMQ_XSUB: a Subscriber that subscribes by sending subscription messages.
 *
 * @example
 * ```ts
 * import { XSubscriber } from "@zmq-ffi/zmq/compat";
 * const xsub = new XSubscriber();
 * xsub.connect("tcp://127.0.0.1:5556");
 * await xsub.send(new Uint8Array([1])); // everything
 * xsub.close();
 * ```
 */
export class XSubscriber extends Socket {
  /** Creates a XSubscriber socket with the given options. */
  constructor(options: CompatOptionsInit<"xsub"> & ContextOption = {}) {
    super(SocketType.XSUB, options);
  }
}
/** The methods and options of a {@link XSubscriber} socket. */
export interface XSubscriber
  extends Readable, Writable, CompatOptionsOf<"xsub"> {}
defineMethods(XSubscriber, { send: true, receive: true });
defineCompatOptions(XSubscriber, "xsub", innerSocket);

/**
 * ZMQ_STREAM: raw TCP; each message is [connection id, data].
 *
 * @example
 * ```ts
 * import { Stream } from "@zmq-ffi/zmq/compat";
 * const stream = new Stream();
 * await stream.bind("tcp://127.0.0.1:*");
 * stream.close();
 * ```
 */
export class Stream extends Socket {
  /** Creates a Stream socket with the given options. */
  constructor(options: CompatOptionsInit<"stream"> & ContextOption = {}) {
    super(SocketType.STREAM, options);
  }

  /** Connects to an address, optionally naming the peer with a routing id. */
  override connect(address: string, options: ConnectOptions = {}): void {
    try {
      (innerSocket(this) as MainStream).connect(
        address,
        options.routingId ? { routingId: options.routingId } : {},
      );
    } catch (error) {
      throw compatError(error, address);
    }
  }
}
/** The methods and options of a {@link Stream} socket. */
export interface Stream
  extends
    Readable<[Message, Message]>,
    Writable<[MessageLike, MessageLike]>,
    CompatOptionsOf<"stream"> {}
defineMethods(Stream, { send: true, receive: true });
defineCompatOptions(Stream, "stream", innerSocket);
