/**
 * Endpoints: the one check every bind, unbind, connect and disconnect goes
 * through (Socket, Router.connect and Peer.connect alike) before libzmq sees
 * the string.
 *
 * @module
 */
import { cString } from "./boundary.ts";
import { zmqError } from "./errors.ts";
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
