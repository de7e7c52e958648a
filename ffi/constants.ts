/**
 * Numeric constants from zmq.h (libzmq 4.3).
 *
 * @module
 */

/** Socket types (`zmq_socket`). Draft types need a draft-enabled libzmq. */
export const SocketType = {
  PAIR: 0,
  PUB: 1,
  SUB: 2,
  REQ: 3,
  REP: 4,
  DEALER: 5,
  ROUTER: 6,
  PULL: 7,
  PUSH: 8,
  XPUB: 9,
  XSUB: 10,
  STREAM: 11,
  SERVER: 12,
  CLIENT: 13,
  RADIO: 14,
  DISH: 15,
  GATHER: 16,
  SCATTER: 17,
  DGRAM: 18,
  PEER: 19,
  CHANNEL: 20,
} as const;

/** Context options (`zmq_ctx_set` / `zmq_ctx_get`). */
export const ContextOption = {
  IO_THREADS: 1,
  MAX_SOCKETS: 2,
  SOCKET_LIMIT: 3,
  THREAD_PRIORITY: 3,
  THREAD_SCHED_POLICY: 4,
  MAX_MSGSZ: 5,
  MSG_T_SIZE: 6,
  THREAD_AFFINITY_CPU_ADD: 7,
  THREAD_AFFINITY_CPU_REMOVE: 8,
  THREAD_NAME_PREFIX: 9,
  IPV6: 42,
  BLOCKY: 70,
  ZERO_COPY_RECV: 10,
} as const;

/** The socket options the binding reads itself (the full table is src/options.ts). */
export const SocketOption = {
  ROUTING_ID: 5,
  SUBSCRIBE: 6,
  UNSUBSCRIBE: 7,
  RCVMORE: 13,
  FD: 14,
  EVENTS: 15,
  TYPE: 16,
  LINGER: 17,
  SNDHWM: 23,
  RCVHWM: 24,
  RCVTIMEO: 27,
  SNDTIMEO: 28,
  LAST_ENDPOINT: 32,
  CONNECT_ROUTING_ID: 61,
} as const;

/** Send and receive flags. */
export const DONTWAIT = 1;
/** More frames follow this one. */
export const SNDMORE = 2;
/** `zmq_msg_get` property: more frames follow. */
export const MORE = 1;
/** `zmq_msg_get` property: the message's bytes may be another message's too. */
export const SHARED = 3;

/** `zmq_poll` and `ZMQ_EVENTS` bits. */
export const POLLIN = 1;
/** Ready to send. */
export const POLLOUT = 2;
/** An error on a raw file descriptor. */
export const POLLERR = 4;

/** libzmq's base for the error numbers it defines itself. */
export const HAUSNUMERO = 156384712;

/** The size of zmq_msg_t in bytes (64 on every platform). */
export const MSG_T_SIZE = 64;

/** Monitor event bits (`zmq_socket_monitor`). */
export const Event = {
  CONNECTED: 0x0001,
  CONNECT_DELAYED: 0x0002,
  CONNECT_RETRIED: 0x0004,
  LISTENING: 0x0008,
  BIND_FAILED: 0x0010,
  ACCEPTED: 0x0020,
  ACCEPT_FAILED: 0x0040,
  CLOSED: 0x0080,
  CLOSE_FAILED: 0x0100,
  DISCONNECTED: 0x0200,
  MONITOR_STOPPED: 0x0400,
  HANDSHAKE_FAILED_NO_DETAIL: 0x0800,
  HANDSHAKE_SUCCEEDED: 0x1000,
  HANDSHAKE_FAILED_PROTOCOL: 0x2000,
  HANDSHAKE_FAILED_AUTH: 0x4000,
  ALL: 0xffff,
} as const;
