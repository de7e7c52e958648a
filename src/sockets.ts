/**
 * One class per socket type, with zeromq.js v6 names: Pair, Publisher,
 * Subscriber, Request, Reply, Dealer, Router, Pull, Push, XPublisher,
 * XSubscriber and Stream.
 *
 * @module
 */
import { clearTimeout, setTimeout } from "node:timers";
import { SocketOption, SocketType } from "../ffi/constants.ts";
import { byteLengthOf, bytesArgument } from "./boundary.ts";
import { checkSubscription } from "./socket_io.ts";
import type { SocketOptionsOf } from "./options.ts";
import type { OperationOptions } from "./pending.ts";
import { type Received, sealed, socketInternals } from "./socket.ts";
import { provideMonitorReader } from "./socket_internals.ts";
import {
  defineOptions,
  DuplexSocket,
  ReadableSocket,
  type SocketOptions,
  WritableSocket,
} from "./socket_bases.ts";

export {
  defineOptions,
  DuplexSocket,
  type Readable,
  ReadableSocket,
  type SocketOptions,
  type Writable,
  WritableSocket,
} from "./socket_bases.ts";
export {
  Router,
  type RouterConnectOptions,
  Stream,
  type StreamConnectOptions,
} from "./routing_sockets.ts";

/**
 * ZMQ_PAIR: an exclusive connection to one peer.
 *
 * @example
 * ```ts
 * import { Pair } from "@zmq-ffi/zmq";
 * const pair = new Pair({ linger: 0 });
 * pair.bindSync("inproc://step");
 * pair.close();
 * ```
 */
export class Pair extends DuplexSocket {
  /** Creates a Pair socket with the given options. */
  constructor(options: SocketOptions<"pair"> = {}) {
    super("pair", SocketType.PAIR, options);
    sealed(this, new.target, Pair);
  }
}
/** The options of a {@link Pair} socket as typed properties. */
export interface Pair extends SocketOptionsOf<"pair"> {}
defineOptions(Pair, "pair");
// The Observer reads libzmq's monitor events with a PAIR (see observer.ts).
provideMonitorReader((context) => new Pair({ context, linger: 0 }));

/**
 * ZMQ_PUB: sends each message to every subscriber whose subscription matches.
 *
 * @example
 * ```ts
 * import { Publisher } from "@zmq-ffi/zmq";
 * const pub = new Publisher();
 * await pub.bind("tcp://127.0.0.1:*");
 * await pub.send(["weather", "10001 25 60"]);
 * pub.close();
 * ```
 */
export class Publisher extends WritableSocket {
  /** Creates a Publisher socket with the given options. */
  constructor(options: SocketOptions<"pub"> = {}) {
    super("pub", SocketType.PUB, options);
    sealed(this, new.target, Publisher);
  }
}
/** The options of a {@link Publisher} socket as typed properties. */
export interface Publisher extends SocketOptionsOf<"pub"> {}
defineOptions(Publisher, "pub");

// Every prefix is checked before the first one is set.
function subscriptionFrames(prefixes: (string | Uint8Array)[]): Uint8Array[] {
  if (prefixes.length === 0) return [new Uint8Array(0)];
  return prefixes.map((prefix, index) => {
    const bytes = bytesArgument(prefix, `Subscription ${index}`);
    checkSubscription(byteLengthOf(bytes), `Subscription ${index}`);
    return bytes;
  });
}

/**
 * How long an awaited receive on a Subscriber that never subscribed waits
 * before a console.warn says it needs subscribe() (once per socket).
 */
const UNSUBSCRIBED_WARNING_DELAY = 2000;

/**
 * ZMQ_SUB: receives the messages of publishers that match its subscriptions.
 * A new Subscriber receives nothing until you call {@link Subscriber.subscribe}:
 * if an awaited receive waits 2 s on one that never subscribed, a
 * console.warn says so (once per socket).
 *
 * @example
 * ```ts
 * import { Subscriber } from "@zmq-ffi/zmq";
 * const sub = new Subscriber();
 * sub.connect("tcp://127.0.0.1:5556");
 * sub.subscribe("10001");
 * sub.close();
 * ```
 */
export class Subscriber extends ReadableSocket {
  #subscribed = false;
  #warned = false;

  /** Creates a Subscriber socket with the given options. */
  constructor(options: SocketOptions<"sub"> = {}) {
    super("sub", SocketType.SUB, options);
    sealed(this, new.target, Subscriber);
  }

  /** Subscribes to messages starting with each prefix; no argument subscribes to everything. */
  subscribe(...prefixes: (string | Uint8Array)[]): void {
    for (const frame of subscriptionFrames(prefixes)) {
      this.setRawOption("subscribe", SocketOption.SUBSCRIBE, frame);
    }
    this.#subscribed = true;
  }

  /** Removes subscriptions made with the same prefixes; no argument removes the "everything" one. */
  unsubscribe(...prefixes: (string | Uint8Array)[]): void {
    for (const frame of subscriptionFrames(prefixes)) {
      this.setRawOption("unsubscribe", SocketOption.UNSUBSCRIBE, frame);
    }
  }

  // Forgetting subscribe() is the classic first mistake with pub-sub: nothing
  // arrives and nothing fails. Only sockets that never subscribed pay for this.
  /** @internal */
  protected override receiveMessage(
    options?: OperationOptions,
  ): Promise<Received> {
    const received = super.receiveMessage(options);
    if (this.#subscribed || this.#warned) return received;
    const timer = setTimeout(() => {
      if (this.#subscribed || this.#warned || this.closed) return;
      this.#warned = true;
      console.warn(
        `zmq-ffi: a Subscriber has waited ${
          UNSUBSCRIBED_WARNING_DELAY / 1000
        } s to receive without ever subscribing, and a Subscriber receives ` +
          "nothing until it does: call sub.subscribe() for every message or " +
          'sub.subscribe("prefix") for those starting with a prefix. ' +
          "(Shown once per socket.)",
      );
    }, UNSUBSCRIBED_WARNING_DELAY);
    timer.unref();
    return received.finally(() => clearTimeout(timer));
  }
}
/** The options of a {@link Subscriber} socket as typed properties. */
export interface Subscriber extends SocketOptionsOf<"sub"> {}
defineOptions(Subscriber, "sub");

/**
 * ZMQ_REQ: sends a request, then must receive its reply before the next one.
 *
 * @example
 * ```ts
 * import { Request } from "@zmq-ffi/zmq";
 * const req = new Request({ receiveTimeout: 1000 });
 * req.connect("tcp://127.0.0.1:5555");
 * await req.send("Hello");
 * // const [reply] = await req.receive();
 * req.close();
 * ```
 */
export class Request extends DuplexSocket {
  /** Creates a Request socket with the given options. */
  constructor(options: SocketOptions<"req"> = {}) {
    super("req", SocketType.REQ, options);
    sealed(this, new.target, Request);
  }
}
/** The options of a {@link Request} socket as typed properties. */
export interface Request extends SocketOptionsOf<"req"> {}
defineOptions(Request, "req");

/**
 * ZMQ_REP: receives a request, then must send its reply before the next one.
 *
 * @example
 * ```ts
 * import { Reply } from "@zmq-ffi/zmq";
 * const rep = new Reply();
 * await rep.bind("tcp://127.0.0.1:*");
 * // for await (const [request] of rep) await rep.send("World");
 * rep.close();
 * ```
 */
export class Reply extends DuplexSocket {
  /** Creates a Reply socket with the given options. */
  constructor(options: SocketOptions<"rep"> = {}) {
    super("rep", SocketType.REP, options);
    sealed(this, new.target, Reply);
  }
}
/** The options of a {@link Reply} socket as typed properties. */
export interface Reply extends SocketOptionsOf<"rep"> {}
defineOptions(Reply, "rep");

/**
 * ZMQ_DEALER: sends round-robin to its peers and receives fairly from them,
 * with no send/receive lock-step.
 *
 * @example
 * ```ts
 * import { Dealer } from "@zmq-ffi/zmq";
 * const dealer = new Dealer({ routingId: "worker-1" });
 * dealer.connect("tcp://127.0.0.1:5555");
 * dealer.close();
 * ```
 */
export class Dealer extends DuplexSocket {
  /** Creates a Dealer socket with the given options. */
  constructor(options: SocketOptions<"dealer"> = {}) {
    super("dealer", SocketType.DEALER, options);
    sealed(this, new.target, Dealer);
  }
}
/** The options of a {@link Dealer} socket as typed properties. */
export interface Dealer extends SocketOptionsOf<"dealer"> {}
defineOptions(Dealer, "dealer");

/**
 * ZMQ_PULL: receives messages fairly from its Push peers.
 *
 * @example
 * ```ts
 * import { Pull } from "@zmq-ffi/zmq";
 * const pull = new Pull();
 * await pull.bind("tcp://127.0.0.1:*");
 * // for await (const [job] of pull) console.log(new TextDecoder().decode(job));
 * pull.close();
 * ```
 */
export class Pull extends ReadableSocket {
  /** Creates a Pull socket with the given options. */
  constructor(options: SocketOptions<"pull"> = {}) {
    super("pull", SocketType.PULL, options);
    sealed(this, new.target, Pull);
  }
}
/** The options of a {@link Pull} socket as typed properties. */
export interface Pull extends SocketOptionsOf<"pull"> {}
defineOptions(Pull, "pull");

/**
 * ZMQ_PUSH: sends messages round-robin to its Pull peers.
 *
 * @example
 * ```ts
 * import { Push } from "@zmq-ffi/zmq";
 * const push = new Push({ sendHighWaterMark: 1000 });
 * push.connect("tcp://127.0.0.1:5557");
 * push.close();
 * ```
 */
export class Push extends WritableSocket {
  /** Creates a Push socket with the given options. */
  constructor(options: SocketOptions<"push"> = {}) {
    super("push", SocketType.PUSH, options);
    sealed(this, new.target, Push);
  }
}
/** The options of a {@link Push} socket as typed properties. */
export interface Push extends SocketOptionsOf<"push"> {}
defineOptions(Push, "push");

/**
 * ZMQ_XPUB: a Publisher that also receives its subscribers' subscription
 * messages (a first byte of 1 to subscribe, 0 to unsubscribe).
 *
 * @example
 * ```ts
 * import { XPublisher } from "@zmq-ffi/zmq";
 * const xpub = new XPublisher({ verbose: true });
 * await xpub.bind("tcp://127.0.0.1:*");
 * xpub.close();
 * ```
 */
export class XPublisher extends DuplexSocket {
  #verbosity: XPublisherVerbosity = null;

  /** Creates an XPublisher socket with the given options. */
  constructor(options: SocketOptions<"xpub"> = {}) {
    super("xpub", SocketType.XPUB, options);
    sealed(this, new.target, XPublisher);
  }

  /**
   * ZMQ_XPUB_VERBOSE / ZMQ_XPUB_VERBOSER as zeromq.js's one property: which
   * duplicate subscription messages reach the application. `null` (libzmq's
   * default) passes only the first subscribe and last unsubscribe of a prefix,
   * `"allSubs"` every subscribe, `"allSubsUnsubs"` every subscribe and
   * unsubscribe. Reads give the last value written.
   *
   * @example
   * ```ts
   * import { XPublisher } from "@zmq-ffi/zmq";
   * const xpub = new XPublisher();
   * xpub.verbosity = "allSubs"; // same as xpub.verbose = true
   * xpub.close();
   * ```
   */
  get verbosity(): XPublisherVerbosity {
    this.getOption("verbose"); // throws EBADF on a closed socket, as options do
    return this.#verbosity;
  }
  set verbosity(value: XPublisherVerbosity) {
    // libzmq sets both flags from either option: XPUB_VERBOSE false clears
    // the unsubscribe one too, so null needs one call.
    if (value === null) this.setOption("verbose", false);
    else if (value === "allSubs") this.setOption("verbose", true);
    else if (value === "allSubsUnsubs") this.setOption("verboser", true);
    else {
      throw new TypeError(
        `verbosity must be null, "allSubs" or "allSubsUnsubs", got ${
          typeof value === "string" ? JSON.stringify(value) : typeof value
        }`,
      );
    }
    this.#verbosity = value;
  }
}

/** The values of {@link XPublisher.verbosity}. */
export type XPublisherVerbosity = null | "allSubs" | "allSubsUnsubs";
/** The options of an {@link XPublisher} socket as typed properties. */
export interface XPublisher extends SocketOptionsOf<"xpub"> {}
defineOptions(XPublisher, "xpub");

/**
 * ZMQ_XSUB: a Subscriber that subscribes by sending subscription messages
 * (a first byte of 1 then the prefix; 0 to unsubscribe).
 *
 * @example
 * ```ts
 * import { XSubscriber } from "@zmq-ffi/zmq";
 * const xsub = new XSubscriber();
 * xsub.connect("tcp://127.0.0.1:5556");
 * await xsub.send(new Uint8Array([1])); // subscribe to everything
 * xsub.close();
 * ```
 */
export class XSubscriber extends DuplexSocket {
  /** Creates an XSubscriber socket with the given options. */
  constructor(options: SocketOptions<"xsub"> = {}) {
    super("xsub", SocketType.XSUB, options);
    socketInternals(this).limitSubscriptions();
    sealed(this, new.target, XSubscriber);
  }
}
/** The options of an {@link XSubscriber} socket as typed properties. */
export interface XSubscriber extends SocketOptionsOf<"xsub"> {}
defineOptions(XSubscriber, "xsub");
