/**
 * Socket events as zeromq.js v6 names them: their types, and the decoding of
 * libzmq's monitor messages into them (src/observer.ts reads the messages).
 *
 * @module
 */
import { Event as MonitorEvent } from "../ffi/constants.ts";
import { backend, loadLibzmq } from "../ffi/load.ts";
import { errorCode, ZmqError } from "./errors.ts";

/** The name of a socket event, as in zeromq.js v6. */
export type EventType =
  | "accept"
  | "accept:error"
  | "bind"
  | "bind:error"
  | "connect"
  | "connect:delay"
  | "connect:retry"
  | "close"
  | "close:error"
  | "disconnect"
  | "end"
  | "handshake"
  | "handshake:error:protocol"
  | "handshake:error:auth"
  | "handshake:error:other"
  | "unknown";

/** The endpoint an event is about, e.g. `"tcp://127.0.0.1:5555"`. */
export interface EventAddress {
  /** The endpoint as libzmq reports it (the bound or connected address). */
  readonly address: string;
}

/** The error an `:error` event carries. */
export interface EventError<E extends ZmqError = ZmqError> {
  /** What went wrong. */
  readonly error: E;
}

/** The reconnect interval of a `connect:retry` event. */
export interface EventInterval {
  /** Milliseconds until the next connection attempt. */
  readonly interval: number;
}

/** One event type with its data. */
export type EventFor<T extends EventType, D = unknown> =
  & { readonly type: T }
  & D;

/**
 * A socket event: `type` says which, and the other fields depend on it.
 *
 * | type | meaning | fields |
 * |---|---|---|
 * | `bind` | now listening | address |
 * | `bind:error` | could not listen | address (libzmq 4.3 leaves out `tcp://` or `ipc://`), error |
 * | `accept` | accepted a connection | address |
 * | `accept:error` | could not accept (or a tcp accept filter refused) | address, error |
 * | `connect` | connected | address |
 * | `connect:delay` | a connection attempt is in progress | address |
 * | `connect:retry` | will retry connecting | address, interval |
 * | `close` | closed a listener or a connection attempt | address |
 * | `close:error` | could not close | address, error |
 * | `disconnect` | a connection was lost | address |
 * | `handshake` | the ZMTP handshake (and security) succeeded | address |
 * | `handshake:error:protocol` | the peer broke the protocol or the mechanisms differ | address, error (a {@link HandshakeError} with `reason`) |
 * | `handshake:error:auth` | authentication was refused | address, error (a {@link HandshakeError} with `status`) |
 * | `handshake:error:other` | the handshake failed otherwise (connection lost, timeout) | address, error |
 * | `end` | monitoring stopped: the socket was closed | |
 * | `unknown` | an event this version does not know | |
 *
 * @example
 * ```ts
 * import { type Event, Pull } from "@zmq-ffi/zmq";
 * function describe(event: Event): string {
 *   switch (event.type) {
 *     case "connect:retry":
 *       return `retrying ${event.address} in ${event.interval} ms`;
 *     case "handshake:error:auth":
 *       return `refused by ${event.address}: ${event.error.status}`;
 *     default:
 *       return event.type;
 *   }
 * }
 * const pull = new Pull();
 * pull.close();
 * ```
 */
export type Event =
  | EventFor<"accept", EventAddress>
  | EventFor<"accept:error", EventAddress & EventError>
  | EventFor<"bind", EventAddress>
  | EventFor<"bind:error", EventAddress & EventError>
  | EventFor<"connect", EventAddress>
  | EventFor<"connect:delay", EventAddress>
  | EventFor<"connect:retry", EventAddress & EventInterval>
  | EventFor<"close", EventAddress>
  | EventFor<"close:error", EventAddress & EventError>
  | EventFor<"disconnect", EventAddress>
  | EventFor<"end">
  | EventFor<"handshake", EventAddress>
  | EventFor<
    "handshake:error:protocol",
    EventAddress & EventError<HandshakeError>
  >
  | EventFor<"handshake:error:auth", EventAddress & EventError<HandshakeError>>
  | EventFor<"handshake:error:other", EventAddress & EventError>
  | EventFor<"unknown">;

/** The event of one type, e.g. `EventOfType<"connect:retry">`. */
export type EventOfType<E extends EventType> = Extract<Event, { type: E }>;

/** The ZMTP and ZAP protocol errors of a `handshake:error:protocol` event, named as in zeromq.js. */
export type ProtocolErrorName =
  | "ERR_ZMTP_UNSPECIFIED"
  | "ERR_ZMTP_UNEXPECTED_COMMAND"
  | "ERR_ZMTP_INVALID_SEQUENCE"
  | "ERR_ZMTP_KEY_EXCHANGE"
  | "ERR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED"
  | "ERR_ZMTP_MALFORMED_COMMAND_MESSAGE"
  | "ERR_ZMTP_MALFORMED_COMMAND_HELLO"
  | "ERR_ZMTP_MALFORMED_COMMAND_INITIATE"
  | "ERR_ZMTP_MALFORMED_COMMAND_ERROR"
  | "ERR_ZMTP_MALFORMED_COMMAND_READY"
  | "ERR_ZMTP_MALFORMED_COMMAND_WELCOME"
  | "ERR_ZMTP_INVALID_METADATA"
  | "ERR_ZMTP_CRYPTOGRAPHIC"
  | "ERR_ZMTP_MECHANISM_MISMATCH"
  | "ERR_ZAP_UNSPECIFIED"
  | "ERR_ZAP_MALFORMED_REPLY"
  | "ERR_ZAP_BAD_REQUEST_ID"
  | "ERR_ZAP_BAD_VERSION"
  | "ERR_ZAP_INVALID_STATUS_CODE"
  | "ERR_ZAP_INVALID_METADATA"
  | "ERR_UNKNOWN";

// ZMQ_PROTOCOL_ERROR_* values from zmq.h (4.3).
const protocolErrors: Record<number, [ProtocolErrorName, string]> = {
  0x10000000: ["ERR_ZMTP_UNSPECIFIED", "unspecified ZMTP error"],
  0x10000001: ["ERR_ZMTP_UNEXPECTED_COMMAND", "unexpected command"],
  0x10000002: ["ERR_ZMTP_INVALID_SEQUENCE", "invalid sequence"],
  0x10000003: ["ERR_ZMTP_KEY_EXCHANGE", "key exchange failed"],
  0x10000011: [
    "ERR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED",
    "malformed command",
  ],
  0x10000012: ["ERR_ZMTP_MALFORMED_COMMAND_MESSAGE", "malformed MESSAGE"],
  0x10000013: ["ERR_ZMTP_MALFORMED_COMMAND_HELLO", "malformed HELLO"],
  0x10000014: ["ERR_ZMTP_MALFORMED_COMMAND_INITIATE", "malformed INITIATE"],
  0x10000015: ["ERR_ZMTP_MALFORMED_COMMAND_ERROR", "malformed ERROR"],
  0x10000016: ["ERR_ZMTP_MALFORMED_COMMAND_READY", "malformed READY"],
  0x10000017: ["ERR_ZMTP_MALFORMED_COMMAND_WELCOME", "malformed WELCOME"],
  0x10000018: ["ERR_ZMTP_INVALID_METADATA", "invalid metadata"],
  0x11000001: [
    "ERR_ZMTP_CRYPTOGRAPHIC",
    "cryptographic error (for CURVE: wrong keys)",
  ],
  0x11000002: [
    "ERR_ZMTP_MECHANISM_MISMATCH",
    "the peers use different security mechanisms",
  ],
  0x20000000: ["ERR_ZAP_UNSPECIFIED", "unspecified ZAP error"],
  0x20000001: ["ERR_ZAP_MALFORMED_REPLY", "malformed ZAP reply"],
  0x20000002: ["ERR_ZAP_BAD_REQUEST_ID", "ZAP reply with a wrong request id"],
  0x20000003: ["ERR_ZAP_BAD_VERSION", "ZAP reply with a wrong version"],
  0x20000004: [
    "ERR_ZAP_INVALID_STATUS_CODE",
    "ZAP reply with an invalid status code",
  ],
  0x20000005: ["ERR_ZAP_INVALID_METADATA", "ZAP reply with invalid metadata"],
};

const authStatus: Record<number, string> = {
  300: "temporary error",
  400: "authentication failure",
  500: "internal error of the authenticator",
};

/**
 * The error of a `handshake:error:protocol` event (`reason` names the
 * protocol error, code ECONNABORTED) or of a `handshake:error:auth` event
 * (`status` is the ZAP status code, code EACCES).
 *
 * @example
 * ```ts
 * import { Reply } from "@zmq-ffi/zmq";
 * const rep = new Reply({ plainServer: true });
 * rep.events.on("handshake:error:auth", ({ address, error }) => {
 *   console.log(`${address}: refused with ZAP status ${error.status}`);
 * });
 * rep.events.on("handshake:error:protocol", ({ error }) => {
 *   console.log(error.reason); // e.g. "ERR_ZMTP_MECHANISM_MISMATCH"
 * });
 * rep.close();
 * ```
 */
export class HandshakeError extends ZmqError {
  /** For `handshake:error:protocol`: which protocol error (`"ERR_ZMTP_CRYPTOGRAPHIC"`, ...). */
  readonly reason?: ProtocolErrorName;
  /** For `handshake:error:auth`: the ZAP status code (300 temporary, 400 refused, 500 internal error). */
  readonly status?: number;

  /** Creates the error; observers create these, applications receive them. */
  constructor(
    message: string,
    details: {
      endpoint?: string;
      reason?: ProtocolErrorName;
      status?: number;
    },
  ) {
    super(details.status !== undefined ? "EACCES" : "ECONNABORTED", message, {
      operation: "handshake",
      endpoint: details.endpoint,
    });
    this.name = "HandshakeError";
    if (details.reason !== undefined) this.reason = details.reason;
    if (details.status !== undefined) this.status = details.status;
  }
}

const eventTypes: Record<number, EventType> = {
  [MonitorEvent.CONNECTED]: "connect",
  [MonitorEvent.CONNECT_DELAYED]: "connect:delay",
  [MonitorEvent.CONNECT_RETRIED]: "connect:retry",
  [MonitorEvent.LISTENING]: "bind",
  [MonitorEvent.BIND_FAILED]: "bind:error",
  [MonitorEvent.ACCEPTED]: "accept",
  [MonitorEvent.ACCEPT_FAILED]: "accept:error",
  [MonitorEvent.CLOSED]: "close",
  [MonitorEvent.CLOSE_FAILED]: "close:error",
  [MonitorEvent.DISCONNECTED]: "disconnect",
  [MonitorEvent.MONITOR_STOPPED]: "end",
  [MonitorEvent.HANDSHAKE_FAILED_NO_DETAIL]: "handshake:error:other",
  [MonitorEvent.HANDSHAKE_SUCCEEDED]: "handshake",
  [MonitorEvent.HANDSHAKE_FAILED_PROTOCOL]: "handshake:error:protocol",
  [MonitorEvent.HANDSHAKE_FAILED_AUTH]: "handshake:error:auth",
};

/** Every event type name (for checking listeners). */
export const knownTypes = new Set<string>([
  ...Object.values(eventTypes),
  "unknown",
]);

// Events whose value is an errno: the operation, and how a message starts.
const errnoEvents: Partial<Record<EventType, [string, string]>> = {
  "bind:error": ["bind", "Binding to"],
  "accept:error": ["accept", "Accepting a connection on"],
  "close:error": ["close", "Closing"],
  "handshake:error:other": ["handshake", "The handshake with"],
};

function errnoError(type: EventType, address: string, errno: number): ZmqError {
  const [operation, what] = errnoEvents[type]!;
  const code = errorCode(errno);
  const reason = errno === 0
    ? "libzmq gave no reason"
    : backend.readCString(loadLibzmq().zmq_strerror(errno));
  return new ZmqError(
    code,
    `${what} ${address || "(no address)"} failed: ${reason} [${code}]`,
    { errno, operation, endpoint: address },
  );
}

const decoder = new TextDecoder();

/** Turns the two frames of a monitor message into an event. */
/** Decodes one monitor message (event number and value, address). */
export function decodeEvent(frames: Uint8Array[]): Event {
  const [head, addressFrame] = frames;
  if (head === undefined || head.length < 6) return { type: "unknown" };
  // Frame 1: uint16 event id, uint32 value, in the machine's byte order.
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const id = view.getUint16(0, littleEndian);
  const value = view.getUint32(2, littleEndian);
  const type = eventTypes[id] ?? "unknown";
  if (type === "end" || type === "unknown") return { type };
  const address = decoder.decode(addressFrame ?? new Uint8Array(0));
  switch (type) {
    case "connect:retry":
      return { type, address, interval: value };
    case "bind:error":
    case "accept:error":
    case "close:error":
    case "handshake:error:other":
      return { type, address, error: errnoError(type, address, value) };
    case "handshake:error:protocol": {
      const [reason, text] = protocolErrors[value] ??
        ["ERR_UNKNOWN", `unknown protocol error 0x${value.toString(16)}`];
      const error = new HandshakeError(
        `Handshake with ${address} failed: ${text} [${reason}]`,
        { endpoint: address, reason },
      );
      return { type, address, error };
    }
    case "handshake:error:auth": {
      const text = authStatus[value] ?? "unknown status";
      const error = new HandshakeError(
        `Handshake with ${address} failed: the ZAP authenticator answered ${value} (${text})`,
        { endpoint: address, status: value },
      );
      return { type, address, error };
    }
    default:
      return { type, address } as Event;
  }
}

const littleEndian = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
