/**
 * The declarative table of libzmq 4.3 socket options. Each entry gives the
 * zeromq.js-style name, the ZMQ_ option id, the value type, the access
 * (read/write), and the socket types it applies to. Socket classes get a typed
 * property per applicable option from this table.
 *
 * @module
 */

/** The socket type names the option table refers to. */
export type SocketTypeName =
  | "pair"
  | "pub"
  | "sub"
  | "req"
  | "rep"
  | "dealer"
  | "router"
  | "pull"
  | "push"
  | "xpub"
  | "xsub"
  | "stream"
  | "server"
  | "client"
  | "radio"
  | "dish"
  | "gather"
  | "scatter"
  | "dgram"
  | "peer"
  | "channel";

/**
 * How an option's value is carried: `number` (C int), `int64`, `bigint`
 * (uint64), `boolean` (int 0/1), `string` (char*), `binary` (bytes),
 * `key` (a CURVE key: z85 string or 32 bytes), `mechanism` (ZMQ_MECHANISM).
 */
export type OptionType =
  | "number"
  | "int64"
  | "bigint"
  | "boolean"
  | "string"
  | "binary"
  | "key"
  | "mechanism";

/** One row of the option table. */
export interface OptionSpec {
  /** The ZMQ_ option number. */
  readonly id: number;
  /** How the value is carried. */
  readonly type: OptionType;
  /** `r` read-only, `w` write-only (reads give the last value written), `rw` both. */
  readonly access: "r" | "w" | "rw";
  /** The socket types it applies to. */
  readonly on: "all" | readonly SocketTypeName[];
  /** Smallest accepted number. */
  readonly min?: number;
  /** Largest accepted number. */
  readonly max?: number;
  /** Only in a draft-enabled libzmq. */
  readonly draft?: boolean;
  /** Needs CURVE support in libzmq. */
  readonly curve?: boolean;
  /** libzmq's default, for write-only options read before being written. */
  readonly default?: boolean;
}

/** Every socket option of libzmq 4.3, by its zeromq.js-style name. */
export const socketOptions = {
  /** ZMQ_AFFINITY: I/O thread affinity bitmask for new connections. */
  affinity: { id: 4, type: "bigint", access: "rw", on: "all" },
  /** ZMQ_ROUTING_ID: the identity of this socket as seen by ROUTER peers (1-255 bytes, string or Uint8Array; reads as Uint8Array). */
  routingId: { id: 5, type: "binary", access: "rw", on: "all" },
  /** ZMQ_RATE: multicast data rate in kilobits per second. */
  rate: { id: 8, type: "number", access: "rw", on: "all", min: 1 },
  /** ZMQ_RECOVERY_IVL: multicast recovery interval in milliseconds. */
  recoveryInterval: { id: 9, type: "number", access: "rw", on: "all", min: 0 },
  /** ZMQ_SNDBUF: kernel transmit buffer size in bytes (-1 for the OS default). */
  sendBufferSize: { id: 11, type: "number", access: "rw", on: "all", min: -1 },
  /** ZMQ_RCVBUF: kernel receive buffer size in bytes (-1 for the OS default). */
  receiveBufferSize: {
    id: 12,
    type: "number",
    access: "rw",
    on: "all",
    min: -1,
  },
  /** ZMQ_TYPE: the libzmq socket type number. */
  type: { id: 16, type: "number", access: "r", on: "all" },
  /** ZMQ_LINGER: milliseconds that unsent messages are kept after close while the context terminates (-1 forever). zmq-ffi defaults it to 0 so a program never hangs at exit. */
  linger: { id: 17, type: "number", access: "rw", on: "all", min: -1 },
  /** ZMQ_RECONNECT_IVL: milliseconds before reconnecting a dropped connection (-1 disables reconnection). */
  reconnectInterval: {
    id: 18,
    type: "number",
    access: "rw",
    on: "all",
    min: -1,
  },
  /** ZMQ_BACKLOG: maximum length of the queue of pending connections. */
  backlog: { id: 19, type: "number", access: "rw", on: "all", min: 0 },
  /** ZMQ_RECONNECT_IVL_MAX: upper bound in milliseconds of the exponential reconnect back-off (0: no back-off). */
  reconnectMaxInterval: {
    id: 21,
    type: "number",
    access: "rw",
    on: "all",
    min: 0,
  },
  /** ZMQ_MAXMSGSIZE: peers sending a larger message (in bytes) are disconnected (-1: no limit). */
  maxMessageSize: { id: 22, type: "int64", access: "rw", on: "all", min: -1 },
  /** ZMQ_SNDHWM: high-water mark of outbound messages per peer (0: no limit). */
  sendHighWaterMark: {
    id: 23,
    type: "number",
    access: "rw",
    on: "all",
    min: 0,
  },
  /** ZMQ_RCVHWM: high-water mark of inbound messages per peer (0: no limit). */
  receiveHighWaterMark: {
    id: 24,
    type: "number",
    access: "rw",
    on: "all",
    min: 0,
  },
  /** ZMQ_MULTICAST_HOPS: time-to-live of multicast packets. */
  multicastHops: { id: 25, type: "number", access: "rw", on: "all", min: 1 },
  /** ZMQ_RCVTIMEO: milliseconds a receive waits before failing with EAGAIN (-1: forever). */
  receiveTimeout: { id: 27, type: "number", access: "rw", on: "all", min: -1 },
  /** ZMQ_SNDTIMEO: milliseconds a send waits before failing with EAGAIN (-1: forever). */
  sendTimeout: { id: 28, type: "number", access: "rw", on: "all", min: -1 },
  /** ZMQ_LAST_ENDPOINT: the endpoint last bound or connected, with the port a wildcard resolved to. */
  lastEndpoint: { id: 32, type: "string", access: "r", on: "all" },
  /** ZMQ_ROUTER_MANDATORY: fail with EHOSTUNREACH instead of dropping a message to an unknown routing id. */
  mandatory: { id: 33, type: "boolean", access: "w", on: ["router"] },
  /** ZMQ_TCP_KEEPALIVE: SO_KEEPALIVE (-1: OS default, 0: off, 1: on). */
  tcpKeepalive: {
    id: 34,
    type: "number",
    access: "rw",
    on: "all",
    min: -1,
    max: 1,
  },
  /** ZMQ_TCP_KEEPALIVE_CNT: TCP_KEEPCNT (-1: OS default). */
  tcpKeepaliveCount: {
    id: 35,
    type: "number",
    access: "rw",
    on: "all",
    min: -1,
  },
  /** ZMQ_TCP_KEEPALIVE_IDLE: TCP_KEEPIDLE in seconds (-1: OS default). */
  tcpKeepaliveIdle: {
    id: 36,
    type: "number",
    access: "rw",
    on: "all",
    min: -1,
  },
  /** ZMQ_TCP_KEEPALIVE_INTVL: TCP_KEEPINTVL in seconds (-1: OS default). */
  tcpKeepaliveInterval: {
    id: 37,
    type: "number",
    access: "rw",
    on: "all",
    min: -1,
  },
  /** ZMQ_IMMEDIATE: queue messages only to completed connections. */
  immediate: { id: 39, type: "boolean", access: "rw", on: "all" },
  /** ZMQ_XPUB_VERBOSE: pass every subscription message upstream, not only new ones. */
  verbose: { id: 40, type: "boolean", access: "w", on: ["xpub"] },
  /** ZMQ_IPV6: enable IPv6 on this socket. */
  ipv6: { id: 42, type: "boolean", access: "rw", on: "all" },
  /** ZMQ_MECHANISM: the security mechanism in use: null, "plain", "curve" or "gssapi". */
  securityMechanism: { id: 43, type: "mechanism", access: "r", on: "all" },
  /** ZMQ_PLAIN_SERVER: act as a PLAIN server. */
  plainServer: { id: 44, type: "boolean", access: "rw", on: "all" },
  /** ZMQ_PLAIN_USERNAME: the PLAIN user name (setting it makes this socket a PLAIN client). */
  plainUsername: { id: 45, type: "string", access: "rw", on: "all" },
  /** ZMQ_PLAIN_PASSWORD: the PLAIN password. */
  plainPassword: { id: 46, type: "string", access: "rw", on: "all" },
  /** ZMQ_CURVE_SERVER: act as a CURVE server. */
  curveServer: {
    id: 47,
    type: "boolean",
    access: "rw",
    on: "all",
    curve: true,
  },
  /** ZMQ_CURVE_PUBLICKEY: this socket's long-term public key (z85 string or 32 bytes; reads as z85). */
  curvePublicKey: { id: 48, type: "key", access: "rw", on: "all", curve: true },
  /** ZMQ_CURVE_SECRETKEY: this socket's long-term secret key (z85 string or 32 bytes; reads as z85). */
  curveSecretKey: { id: 49, type: "key", access: "rw", on: "all", curve: true },
  /** ZMQ_CURVE_SERVERKEY: the server's public key, set on a CURVE client (z85 string or 32 bytes; reads as z85). */
  curveServerKey: { id: 50, type: "key", access: "rw", on: "all", curve: true },
  /** ZMQ_PROBE_ROUTER: send an empty message to a ROUTER peer on connect. */
  probeRouter: {
    id: 51,
    type: "boolean",
    access: "w",
    on: ["router", "dealer", "req"],
  },
  /** ZMQ_REQ_CORRELATE: match replies to requests with a request id. */
  correlate: { id: 52, type: "boolean", access: "w", on: ["req"] },
  /** ZMQ_REQ_RELAXED: allow a new request before the previous reply arrived (use with correlate). */
  relaxed: { id: 53, type: "boolean", access: "w", on: ["req"] },
  /** ZMQ_CONFLATE: keep only the last message in the queues (single-frame messages only). */
  conflate: {
    id: 54,
    type: "boolean",
    access: "w",
    on: ["pull", "push", "sub", "pub", "dealer"],
  },
  /** ZMQ_ZAP_DOMAIN: the authentication domain sent to the ZAP handler. */
  zapDomain: { id: 55, type: "string", access: "rw", on: "all" },
  /** ZMQ_ROUTER_HANDOVER: a new connection with a known routing id takes it over. */
  handover: { id: 56, type: "boolean", access: "w", on: ["router"] },
  /** ZMQ_TOS: IP type-of-service value of outgoing packets. */
  typeOfService: {
    id: 57,
    type: "number",
    access: "rw",
    on: "all",
    min: 0,
    max: 255,
  },
  /** ZMQ_GSSAPI_SERVER: act as a GSSAPI server. */
  gssapiServer: { id: 62, type: "boolean", access: "rw", on: "all" },
  /** ZMQ_GSSAPI_PRINCIPAL: the GSSAPI principal of this socket. */
  gssapiPrincipal: { id: 63, type: "string", access: "rw", on: "all" },
  /** ZMQ_GSSAPI_SERVICE_PRINCIPAL: the GSSAPI principal of the server to talk to. */
  gssapiServicePrincipal: { id: 64, type: "string", access: "rw", on: "all" },
  /** ZMQ_GSSAPI_PLAINTEXT: GSSAPI authentication without encryption. */
  gssapiPlainText: { id: 65, type: "boolean", access: "rw", on: "all" },
  /** ZMQ_HANDSHAKE_IVL: milliseconds a ZMTP handshake may take (0: no limit). */
  handshakeInterval: {
    id: 66,
    type: "number",
    access: "rw",
    on: "all",
    min: 0,
  },
  /** ZMQ_SOCKS_PROXY: host:port of a SOCKS5 proxy for tcp connections ("" for none). */
  socksProxy: { id: 68, type: "string", access: "rw", on: "all" },
  /** ZMQ_XPUB_NODROP: fail with EAGAIN at the high-water mark instead of dropping. */
  noDrop: { id: 69, type: "boolean", access: "w", on: ["xpub", "pub"] },
  /** ZMQ_XPUB_MANUAL: subscriptions are applied by the application (subscribe/unsubscribe on the XPUB). */
  manual: { id: 71, type: "boolean", access: "w", on: ["xpub"] },
  /** ZMQ_XPUB_WELCOME_MSG: a message sent to each new subscriber. */
  welcomeMessage: { id: 72, type: "string", access: "w", on: ["xpub"] },
  /** ZMQ_STREAM_NOTIFY: deliver connect and disconnect notifications (empty frames). */
  notify: {
    id: 73,
    type: "boolean",
    access: "w",
    on: ["stream"],
    default: true,
  },
  /** ZMQ_INVERT_MATCHING: deliver messages that do not match the subscriptions. */
  invertMatching: {
    id: 74,
    type: "boolean",
    access: "rw",
    on: ["pub", "sub", "xpub", "xsub"],
  },
  /** ZMQ_HEARTBEAT_IVL: milliseconds between ZMTP heartbeats (0: none). */
  heartbeatInterval: {
    id: 75,
    type: "number",
    access: "rw",
    on: "all",
    min: 0,
  },
  /** ZMQ_HEARTBEAT_TTL: milliseconds the peer should wait for a heartbeat before closing (0-6553599, rounded to 100 ms). */
  heartbeatTimeToLive: {
    id: 76,
    type: "number",
    access: "rw",
    on: "all",
    min: 0,
    max: 6553599,
  },
  /** ZMQ_HEARTBEAT_TIMEOUT: milliseconds to wait for a heartbeat reply before closing. */
  heartbeatTimeout: {
    id: 77,
    type: "number",
    access: "rw",
    on: "all",
    min: -1,
  },
  /** ZMQ_XPUB_VERBOSER: pass every subscription and unsubscription message upstream. */
  verboser: { id: 78, type: "boolean", access: "w", on: ["xpub"] },
  /** ZMQ_CONNECT_TIMEOUT: milliseconds a tcp connect may take (0: the OS default). */
  connectTimeout: { id: 79, type: "number", access: "rw", on: "all", min: 0 },
  /** ZMQ_TCP_MAXRT: TCP_USER_TIMEOUT in milliseconds (0: the OS default). */
  tcpMaxRetransmitTimeout: {
    id: 80,
    type: "number",
    access: "rw",
    on: "all",
    min: 0,
  },
  /** ZMQ_THREAD_SAFE: whether the socket type is thread-safe (draft types). */
  threadSafe: { id: 81, type: "boolean", access: "r", on: "all" },
  /** ZMQ_MULTICAST_MAXTPDU: maximum transport data unit of multicast packets in bytes. */
  multicastMaxTransportDataUnitSize: {
    id: 84,
    type: "number",
    access: "rw",
    on: "all",
    min: 0,
  },
  /** ZMQ_GSSAPI_PRINCIPAL_NAMETYPE: name type of gssapiPrincipal (0 host based, 1 user name, 2 krb5 principal). */
  gssapiPrincipalNameType: {
    id: 90,
    type: "number",
    access: "rw",
    on: "all",
    min: 0,
    max: 2,
  },
  /** ZMQ_GSSAPI_SERVICE_PRINCIPAL_NAMETYPE: name type of gssapiServicePrincipal. */
  gssapiServicePrincipalNameType: {
    id: 91,
    type: "number",
    access: "rw",
    on: "all",
    min: 0,
    max: 2,
  },
  /** ZMQ_BINDTODEVICE: bind the socket's network traffic to an interface (SO_BINDTODEVICE; needs privileges). */
  bindToDevice: { id: 92, type: "string", access: "rw", on: "all" },
  /** ZMQ_ZAP_ENFORCE_DOMAIN (draft): require a ZAP domain for every mechanism. */
  zapEnforceDomain: {
    id: 93,
    type: "boolean",
    access: "rw",
    on: "all",
    draft: true,
  },
  /** ZMQ_LOOPBACK_FASTPATH (draft, Windows): the SIO_LOOPBACK_FASTPATH tcp option. */
  loopbackFastPath: {
    id: 94,
    type: "boolean",
    access: "rw",
    on: "all",
    draft: true,
  },
  /** ZMQ_MULTICAST_LOOP (draft): receive one's own multicast (udp) packets. */
  multicastLoop: {
    id: 96,
    type: "boolean",
    access: "rw",
    on: "all",
    draft: true,
  },
  /** ZMQ_ROUTER_NOTIFY (draft): deliver an empty message on peer connect (1) and/or disconnect (2). */
  routerNotify: {
    id: 97,
    type: "number",
    access: "rw",
    on: ["router"],
    min: 0,
    max: 3,
    draft: true,
  },
  /** ZMQ_XPUB_MANUAL_LAST_VALUE (draft): manual mode that sends the last value to new subscribers. */
  manualLastValue: {
    id: 98,
    type: "boolean",
    access: "w",
    on: ["xpub"],
    draft: true,
  },
  /** ZMQ_SOCKS_USERNAME (draft): user name for the SOCKS5 proxy. */
  socksUsername: {
    id: 99,
    type: "string",
    access: "rw",
    on: "all",
    draft: true,
  },
  /** ZMQ_SOCKS_PASSWORD (draft): password for the SOCKS5 proxy. */
  socksPassword: {
    id: 100,
    type: "string",
    access: "rw",
    on: "all",
    draft: true,
  },
  /** ZMQ_IN_BATCH_SIZE (draft): bytes read from the kernel at once. */
  inBatchSize: {
    id: 101,
    type: "number",
    access: "rw",
    on: "all",
    min: 1,
    draft: true,
  },
  /** ZMQ_OUT_BATCH_SIZE (draft): bytes written to the kernel at once. */
  outBatchSize: {
    id: 102,
    type: "number",
    access: "rw",
    on: "all",
    min: 1,
    draft: true,
  },
  /** ZMQ_ONLY_FIRST_SUBSCRIBE (draft): treat only the first frame of a multipart message as a subscription. */
  onlyFirstSubscribe: {
    id: 108,
    type: "boolean",
    access: "w",
    on: ["xpub", "xsub"],
    draft: true,
  },
  /** ZMQ_RECONNECT_STOP (draft): stop reconnecting on conn-refused (1), handshake failure (2) or after disconnect (3); bits may be combined. */
  reconnectStop: {
    id: 109,
    type: "number",
    access: "rw",
    on: "all",
    min: 0,
    draft: true,
  },
  /** ZMQ_HELLO_MSG (draft): a message sent to each new peer. */
  helloMessage: {
    id: 110,
    type: "binary",
    access: "w",
    on: "all",
    draft: true,
  },
  /** ZMQ_DISCONNECT_MSG (draft): a message delivered to this socket when a peer disconnects. */
  disconnectMessage: {
    id: 111,
    type: "binary",
    access: "w",
    on: "all",
    draft: true,
  },
  /** ZMQ_PRIORITY (draft): SO_PRIORITY of the socket's connections. */
  priority: {
    id: 112,
    type: "number",
    access: "rw",
    on: "all",
    min: 0,
    draft: true,
  },
} as const satisfies Record<string, OptionSpec>;

/** The type of the option table. */
export type SocketOptionTable = typeof socketOptions;

/** The name of a socket option. */
export type OptionName = keyof SocketOptionTable;

/** The JavaScript type of each option type when read. */
export interface OptionReadTypes {
  /** A C int. */
  number: number;
  /** A C int64_t, as a number. */
  int64: number;
  /** A C uint64_t bit mask. */
  bigint: bigint;
  /** A C int used as 0/1. */
  boolean: boolean;
  /** A UTF-8 string. */
  string: string;
  /** Bytes. */
  binary: Uint8Array;
  /** A CURVE key in z85. */
  key: string;
  /** The security mechanism. */
  mechanism: null | "plain" | "curve" | "gssapi";
}

/** The JavaScript types accepted when writing each option type. */
export interface OptionWriteTypes {
  /** An integer within the option's range. */
  number: number;
  /** An integer. */
  int64: number | bigint;
  /** A non-negative integer bit mask. */
  bigint: bigint | number;
  /** true or false. */
  boolean: boolean;
  /** A string (UTF-8). */
  string: string;
  /** A string (UTF-8) or bytes. */
  binary: string | Uint8Array;
  /** A 40-character z85 key or 32 bytes. */
  key: string | Uint8Array;
  /** Read-only. */
  mechanism: never;
}

/** Every option as a property with its JavaScript type. */
export type OptionProperties = {
  [K in OptionName]: SocketOptionTable[K]["access"] extends "r"
    ? OptionReadTypes[SocketOptionTable[K]["type"]]
    :
      | OptionReadTypes[SocketOptionTable[K]["type"]]
      | OptionWriteTypes[SocketOptionTable[K]["type"]];
};

/** Every option with the types accepted when writing it. */
export type OptionInputs = {
  [K in OptionName]: OptionWriteTypes[SocketOptionTable[K]["type"]];
};

/** The option names of socket type S whose access is one of Access. */
export type OptionKeysFor<S extends SocketTypeName, Access extends string> = {
  [K in OptionName]: SocketOptionTable[K]["access"] extends Access
    ? SocketOptionTable[K]["on"] extends "all" ? K
    : S extends SocketOptionTable[K]["on"][number] ? K
    : never
    : never;
}[OptionName];

/** The option properties of a socket of type S (read-only ones are `readonly`). */
export type SocketOptionsOf<S extends SocketTypeName> =
  & Readonly<Pick<OptionProperties, OptionKeysFor<S, "r">>>
  & Pick<OptionProperties, OptionKeysFor<S, "rw" | "w">>;

/** The options a socket of type S accepts at construction. */
export type SocketOptionsInit<S extends SocketTypeName> = Partial<
  Pick<OptionInputs, OptionKeysFor<S, "rw" | "w">>
>;

/** Whether an option applies to a socket type. */
export function appliesTo(spec: OptionSpec, type: SocketTypeName): boolean {
  return spec.on === "all" || spec.on.includes(type);
}

/** The option names that apply to a socket type. */
export function optionsFor(type: SocketTypeName): OptionName[] {
  return (Object.keys(socketOptions) as OptionName[]).filter((name) =>
    appliesTo(socketOptions[name], type)
  );
}

/**
 * One row of the context option table.
 *
 * @example
 * ```ts
 * import { type ContextOptionSpec, contextOptions } from "@zmq-ffi/zmq";
 * const spec: ContextOptionSpec = contextOptions.ioThreads;
 * console.log(spec.id, spec.min); // 1 0
 * ```
 */
export interface ContextOptionSpec {
  /** The ZMQ_ context option number. */
  readonly id: number;
  /** `number` (C int) or `boolean` (int 0/1). */
  readonly type: "number" | "boolean";
  /** `r` read-only, `rw` both. */
  readonly access: "r" | "rw";
  /** Smallest value accepted when set on a live context. */
  readonly min?: number;
  /**
   * libzmq cannot read it back: reads give the last value written (-1, "the
   * OS default", when never written), and -1 at construction leaves it alone.
   */
  readonly remembered?: boolean;
}

/**
 * Every context option of libzmq 4.3, by its zeromq.js-style name: the
 * Context's properties and constructor options come from this table.
 *
 * @example
 * ```ts
 * import { contextOptions } from "@zmq-ffi/zmq";
 * console.log(Object.keys(contextOptions)); // ["blocky", "ipv6", ...]
 * ```
 */
export const contextOptions = {
  /** ZMQ_BLOCKY: when true, new sockets default to linger -1 (wait forever at termination). */
  blocky: { id: 70, type: "boolean", access: "rw" },
  /** ZMQ_IPV6: enable IPv6 on new sockets. */
  ipv6: { id: 42, type: "boolean", access: "rw" },
  /** ZMQ_IO_THREADS: size of libzmq's I/O thread pool (set it before creating sockets). */
  ioThreads: { id: 1, type: "number", access: "rw", min: 0 },
  /** ZMQ_MAX_SOCKETS: most sockets the context may have open. */
  maxSockets: { id: 2, type: "number", access: "rw", min: 1 },
  /** ZMQ_MAX_MSGSZ: largest message size in bytes. */
  maxMessageSize: { id: 5, type: "number", access: "rw", min: 0 },
  /** ZMQ_THREAD_PRIORITY: scheduling priority of the I/O threads (OS-specific). */
  threadPriority: {
    id: 3,
    type: "number",
    access: "rw",
    min: 0,
    remembered: true,
  },
  /** ZMQ_THREAD_SCHED_POLICY: scheduling policy of the I/O threads (OS-specific). */
  threadSchedulingPolicy: {
    id: 4,
    type: "number",
    access: "rw",
    min: 0,
    remembered: true,
  },
  /** ZMQ_SOCKET_LIMIT: the largest maxSockets this libzmq supports. */
  socketLimit: { id: 3, type: "number", access: "r" },
} as const satisfies Record<string, ContextOptionSpec>;

/**
 * The name of a context option.
 *
 * @example
 * ```ts
 * import type { ContextOptionName } from "@zmq-ffi/zmq";
 * const name: ContextOptionName = "ioThreads";
 * ```
 */
export type ContextOptionName = keyof typeof contextOptions;
