/**
 * Endpoints: the one check every bind, unbind, connect and disconnect goes
 * through (Socket, Router.connect and Peer.connect alike) before libzmq sees
 * the string.
 *
 * @module
 */
import { cString } from "./boundary.ts";
import type { Pointer } from "../ffi/backend.ts";
import { retryOnSignal, zmqError } from "./errors.ts";
import { zmq } from "./native.ts";
import { multicastProblem } from "./pgm.ts";

const transports = new Set([
  "tcp",
  "ipc",
  "inproc",
  "pgm",
  "epgm",
  "tipc",
  "vmci",
  "udp",
  "ws",
  "wss",
  "norm",
]);

/**
 * Checks an endpoint and encodes it as a C string; throws TypeError,
 * RangeError (a NUL or a lone surrogate) or ZmqError (EINVAL,
 * EPROTONOSUPPORT) before anything is changed.
 */
export function encodeEndpoint(
  operation: string,
  endpoint: unknown,
  socketType: string,
): Uint8Array {
  if (typeof endpoint !== "string") {
    throw new TypeError(
      `${operation}: endpoint must be a string such as "tcp://127.0.0.1:5555", got ${typeof endpoint}`,
    );
  }
  if (endpoint.length === 0) {
    throw new TypeError(`${operation}: endpoint must not be empty`);
  }
  const bytes = cString(endpoint, `${operation}: endpoint`);
  // libzmq asserts (aborting the process) on a pgm:// it cannot open later.
  const invalid = endpointProblem(endpoint) ?? multicastProblem(endpoint);
  if (invalid !== null) {
    throw zmqError(invalid, operation, { socketType, endpoint });
  }
  return bytes;
}

// What libzmq would refuse (or worse, accept wrongly) about an endpoint,
// found before any side effect such as a connect routing id being used up.
// libzmq reads a tcp port with atoi and keeps it modulo 65536, so
// "tcp://host:70000" would quietly mean port 4464: such ports are refused.
function endpointProblem(
  endpoint: string,
): "EINVAL" | "EPROTONOSUPPORT" | null {
  const match = /^([a-z0-9+.-]+):\/\/(.+)$/i.exec(endpoint);
  if (match === null) return "EINVAL";
  const transport = match[1]!.toLowerCase();
  if (!transports.has(transport)) return "EPROTONOSUPPORT";
  if (
    transport !== "tcp" && transport !== "udp" && !transport.startsWith("ws")
  ) {
    return null;
  }
  const address = match[2]!;
  const colon = address.lastIndexOf(":");
  if (colon < 0) return "EINVAL";
  const port = address.slice(colon + 1).split("/")[0]!;
  if (port === "*" || port === "!") return null;
  return /^[0-9]{1,5}$/.test(port) && Number(port) <= 65535 ? null : "EINVAL";
}

/** The libzmq call behind bind, unbind, connect and disconnect. */
type EndpointCall = (handle: Pointer, address: Uint8Array) => number;

/**
 * A socket's bind, unbind, connect and disconnect: the check, the call
 * (repeated after EINTR), and what it is bound and connected to now (for
 * inspection).
 */
export class SocketEndpoints {
  // Endpoint as given -> how, and the endpoint libzmq reports (the port
  // picked for "tcp://127.0.0.1:*").
  #endpoints = new Map<string, ["bound" | "connected", string]>();
  readonly #socketType: string;

  constructor(socketType: string) {
    this.#socketType = socketType;
  }

  /**
   * Checks `endpoint` and calls libzmq on `handle()`'s socket; `failed`
   * builds the error from zmq_errno().
   */
  call(
    operation: "bind" | "unbind" | "connect" | "disconnect",
    endpoint: string,
    handle: (operation: string) => Pointer,
    failed: (operation: string, endpoint: string) => Error,
  ): void {
    const address = encodeEndpoint(operation, endpoint, this.#socketType);
    const socket = handle(operation);
    const lib = zmq();
    const call: EndpointCall = operation === "bind"
      ? lib.zmq_bind
      : operation === "unbind"
      ? lib.zmq_unbind
      : operation === "connect"
      ? lib.zmq_connect
      : lib.zmq_disconnect;
    if (retryOnSignal(() => call(socket, address), (rc) => rc !== 0)) {
      throw failed(operation, endpoint);
    }
    if (operation === "bind" || operation === "connect") {
      const how = operation === "bind" ? "bound" : "connected";
      this.#endpoints.set(endpoint, [how, endpoint]);
    } else if (!this.#endpoints.delete(endpoint)) {
      for (const [given, [, actual]] of this.#endpoints) {
        if (actual === endpoint) this.#endpoints.delete(given);
      }
    }
  }

  /** Records the endpoint libzmq reports for a bind (lastEndpoint). */
  resolved(endpoint: string, actual: string): void {
    const entry = this.#endpoints.get(endpoint);
    if (entry !== undefined) entry[1] = actual;
  }

  /** The endpoints bound or connected now. */
  list(how: "bound" | "connected"): string[] {
    return [...this.#endpoints.values()]
      .filter(([kind]) => kind === how)
      .map(([, endpoint]) => endpoint);
  }
}
