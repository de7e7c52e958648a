/**
 * ZmqError, and messages that say what happened and what to do.
 *
 * @module
 */
import { backend, loadLibzmq } from "../ffi/load.ts";

export { errnoOf, type ErrorCode, errorCode } from "./errno.ts";
import { errnoOf, type ErrorCode, errorCode } from "./errno.ts";

/** Details attached to a {@link ZmqError}. */
export interface ZmqErrorDetails {
  /** The errno value, as libzmq reported it on this platform (0 when not from libzmq). */
  errno?: number;
  /** What was being done, e.g. `"bind"`, `"send"`, `"setsockopt linger"`. */
  operation?: string;
  /** The endpoint involved, when there is one. */
  endpoint?: string;
}

/**
 * An error from libzmq or from the state of a socket, with a stable `code`.
 *
 * @example
 * ```ts
 * import { Push, ZmqError } from "@zmq-ffi/zmq";
 * const sock = new Push();
 * try {
 *   sock.bindSync("foo://nowhere");
 * } catch (error) {
 *   if (error instanceof ZmqError) console.log(error.code); // "EPROTONOSUPPORT"
 * } finally {
 *   sock.close();
 * }
 * ```
 */
export class ZmqError extends Error {
  /** The stable error code, the same on every OS (`"EAGAIN"`, `"EFSM"`, ...). */
  readonly code: ErrorCode;
  /** The platform's errno value (0 when the error did not come from libzmq). */
  readonly errno: number;
  /** The operation that failed. */
  readonly operation: string;
  /** The endpoint involved, when there is one. */
  readonly endpoint?: string;

  /** Creates an error; most code receives these rather than creating them. */
  constructor(code: ErrorCode, message: string, details: ZmqErrorDetails = {}) {
    super(message);
    this.name = "ZmqError";
    this.code = code;
    this.errno = details.errno ?? errnoOf(code) ?? 0;
    this.operation = details.operation ?? "";
    if (details.endpoint !== undefined) this.endpoint = details.endpoint;
  }
}

/** What the socket was, to make a message precise. */
export interface ErrorContext {
  /** The socket class name, e.g. "Request". */
  socketType?: string;
  /** The endpoint, for bind/connect and friends. */
  endpoint?: string;
  /**
   * True when libzmq itself refused (the error was read from zmq_errno()),
   * so the arguments had passed zmq-ffi's own checks: an EINVAL endpoint
   * then has the right form and libzmq could not use it.
   */
  fromLibzmq?: boolean;
}

// The transport of an endpoint ("tcp", "epgm", ...), "" without one.
function transportOf(endpoint: string | undefined): string {
  return /^([a-z0-9+.-]+):\/\//i.exec(endpoint ?? "")?.[1]?.toLowerCase() ?? "";
}

const multicast = new Set(["pgm", "epgm", "norm"]);

// Why libzmq refused an endpoint whose form is right, and what to try.
function refusedEndpoint(endpoint: string): string {
  const transport = transportOf(endpoint);
  if (transport === "pgm" || transport === "epgm") {
    return `libzmq refused the multicast endpoint '${endpoint}' (its form is right): ` +
      "the interface before ';' must exist and, when named by name, carry multicast " +
      "(lo does not: give an interface's IP address instead, e.g. " +
      `"${transport}://192.168.1.10;239.192.1.1:5555", or 127.0.0.1 on one machine), ` +
      "and the address after ';' must be a multicast group (224.0.0.0 to 239.255.255.255)";
  }
  const kind = transport === "" ? "its transport" : `${transport}://`;
  return `libzmq refused the endpoint '${endpoint}' (its form is right, but ` +
    `libzmq cannot use that address for ${kind}): check the host, interface and port`;
}

function explain(
  code: ErrorCode,
  operation: string,
  context: ErrorContext,
): string {
  const kind = context.socketType ?? "this";
  switch (code) {
    case "EAGAIN":
      if (operation.startsWith("send")) {
        return "Cannot send right now: no peer can take the message (not connected, or the high-water mark is reached) and the send timed out or was non-blocking";
      }
      if (operation.startsWith("receive")) {
        return "No message arrived before the receive timed out or while receiving without waiting";
      }
      return "Resource temporarily unavailable; try again";
    case "EFSM":
      if (kind === "Request") {
        return operation.startsWith("send")
          ? "Cannot send on a Request socket before the previous reply was received: send and receive must alternate"
          : "Cannot receive on a Request socket before a request was sent: send and receive must alternate";
      }
      if (kind === "Reply") {
        return operation.startsWith("send")
          ? "Cannot send on a Reply socket before a request was received: receive and send must alternate"
          : "Cannot receive on a Reply socket before the reply to the previous request was sent: receive and send must alternate";
      }
      return `Operation '${operation}' cannot be done in the current state of ${kind} socket`;
    case "ETERM":
      return "The context of this socket was closed (terminated)";
    case "EADDRINUSE":
      return `Address already in use: ${
        context.endpoint ?? "(unknown endpoint)"
      }. Another socket or process is bound to it; choose another port, or bind "tcp://127.0.0.1:*" and read lastEndpoint`;
    case "EADDRNOTAVAIL":
      return `Address not available on this machine: ${
        context.endpoint ?? "(unknown endpoint)"
      }`;
    case "EPROTONOSUPPORT":
      return `Unsupported transport in endpoint '${
        context.endpoint ?? ""
      }': use tcp://, ipc://, inproc://, pgm://, epgm:// or what capability reports`;
    case "ENOCOMPATPROTO": {
      const transport = transportOf(context.endpoint);
      if (multicast.has(transport)) {
        return `${transport}:// is multicast and carries pub-sub only: use it on a Publisher, XPublisher, Subscriber or XSubscriber, not on ${kind} sockets ('${context.endpoint}'); for ${kind} use tcp://, ipc:// or inproc://`;
      }
      if (transport === "udp") {
        return `udp:// carries only the draft sockets, a Radio connecting to it and a Dish or Datagram binding it: a ${kind} socket cannot ${operation} '${context.endpoint}'`;
      }
      return `Transport of '${
        context.endpoint ?? ""
      }' is not compatible with ${kind} sockets`;
    }
    case "EINVAL":
      if (context.endpoint !== undefined && context.fromLibzmq === true) {
        return refusedEndpoint(context.endpoint);
      }
      if (
        context.endpoint !== undefined &&
        multicast.has(transportOf(context.endpoint))
      ) {
        return `Invalid multicast endpoint '${context.endpoint}': expected interface;group:port with a port from 1 to 65535, e.g. "epgm://192.168.1.10;239.192.1.1:5555"`;
      }
      if (context.endpoint !== undefined) {
        return `Invalid endpoint '${context.endpoint}': expected transport://address, e.g. "tcp://127.0.0.1:5555", "inproc://name" or "epgm://192.168.1.10;239.192.1.1:5555"`;
      }
      return `Invalid argument for '${operation}'`;
    case "EPERM":
      if (transportOf(context.endpoint) === "pgm") {
        return `pgm:// needs raw sockets, which this process may not open ('${context.endpoint}'): use epgm:// (the same PGM inside UDP, no privilege needed), or run as root or give the runtime CAP_NET_RAW (e.g. sudo setcap cap_net_raw+ep "$(command -v deno)")`;
      }
      return "Operation not permitted";
    case "EAFNOSUPPORT":
      if (transportOf(context.endpoint) === "tipc") {
        return `The kernel has no TIPC for '${context.endpoint}': on Linux load its module (sudo modprobe tipc); capability.tipc only says that libzmq was built with TIPC`;
      }
      return `Address family not supported by this system${
        context.endpoint !== undefined ? ` for '${context.endpoint}'` : ""
      }`;
    case "ENODEV":
      if (/^[a-z]+:\/\/\[/i.test(context.endpoint ?? "")) {
        return `'${context.endpoint}' is an IPv6 address, and sockets use IPv4 only unless asked: create the socket with { ipv6: true }`;
      }
      return `The network interface in '${
        context.endpoint ?? ""
      }' does not exist: give an interface name (e.g. eth0), its IP address, or * for all`;
    case "ENOENT":
      if (operation === "bind" || operation === "connect") {
        return `No such file or directory for endpoint '${
          context.endpoint ?? ""
        }': for ipc:// the directory of the path must exist`;
      }
      return context.endpoint !== undefined
        ? `Endpoint '${context.endpoint}' is not bound or connected on this socket`
        : "No such file or endpoint";
    case "ECONNRESET":
    case "EPIPE":
      return "The connection was reset by the peer";
    case "ECONNREFUSED":
      return `Connection refused by '${context.endpoint ?? "the peer"}'`;
    case "EACCES":
      return `Permission denied${
        context.endpoint !== undefined ? ` for '${context.endpoint}'` : ""
      }: a privileged port, or an ipc path you may not write`;
    case "ENAMETOOLONG":
      return `Endpoint '${
        context.endpoint ?? ""
      }' is too long: an ipc:// path may have about 100 characters at most`;
    case "EHOSTUNREACH":
      return "The message cannot be routed: no connected peer has that routing id";
    case "EMTHREAD":
      return "No I/O thread is available: give the context ioThreads > 0";
    case "ENOTSUP":
      return `Operation '${operation}' is not supported by ${kind} sockets`;
    case "EMFILE":
      return "Too many open sockets or files: close some, or raise the context's maxSockets / the process file limit";
    case "EMSGSIZE":
      return "The message is larger than the socket or transport allows";
    case "ENOTSOCK":
      return "The socket is not valid (already closed?)";
    case "EINTR":
      return "The operation was interrupted by a signal";
    default:
      return "libzmq reported an error";
  }
}

/** Builds a ZmqError for a code and operation with a message that says what to do. */
export function zmqError(
  code: ErrorCode,
  operation: string,
  context: ErrorContext = {},
  errno?: number,
): ZmqError {
  const detail = errno !== undefined && code === "EUNKNOWN"
    ? ` (errno ${errno}: ${
      backend.readCString(loadLibzmq().zmq_strerror(errno))
    })`
    : "";
  return new ZmqError(
    code,
    `${explain(code, operation, context)}${detail} [${code}, ${operation}]`,
    { errno, operation, endpoint: context.endpoint },
  );
}

/** Reads zmq_errno() now (on this thread) and builds the matching ZmqError. */
/**
 * Calls `call` again while it fails with EINTR. libzmq processes a socket's
 * pending commands at the start of bind, connect, send, receive and a
 * ZMQ_EVENTS read, so a signal landing there (a profiler's SIGPROF, a
 * handled SIGUSR2, ...) fails even a call that never waits, before it did
 * anything. `failed` tells a failed result.
 */
export function retryOnSignal<T>(
  call: () => T,
  failed: (result: T) => boolean,
): T {
  const zmq = loadLibzmq();
  for (;;) {
    const result = call();
    if (!failed(result) || errorCode(zmq.zmq_errno()) !== "EINTR") {
      return result;
    }
  }
}

export function lastError(
  operation: string,
  context: ErrorContext = {},
): ZmqError {
  const errno = loadLibzmq().zmq_errno();
  return zmqError(errorCode(errno), operation, {
    fromLibzmq: true,
    ...context,
  }, errno);
}
