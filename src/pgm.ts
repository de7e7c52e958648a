/**
 * What the pgm:// transport needs from the system, checked before libzmq is
 * asked: libzmq 4.3 opens the raw PGM socket later, on its I/O thread, and
 * asserts that this worked, so without permission a `connect` succeeds and
 * then the whole process aborts (SIGABRT) instead of an error being thrown.
 * epgm:// (PGM inside UDP) needs no privilege.
 *
 * @module
 */
import { backend, loadLibc, loadLibzmq } from "../ffi/load.ts";
import { type ErrorCode, errorCode } from "./errors.ts";

// The same on Linux, macOS and the BSDs.
const AF_INET = 2;
const SOCK_RAW = 3;
const IPPROTO_PGM = 113;

/**
 * Whether this process may open the raw socket pgm:// needs (root, or
 * CAP_NET_RAW on Linux): null when it may, otherwise the error code that
 * refusing a pgm:// endpoint carries ("EPERM" without the permission). Asks
 * the kernel each time (one socket(2) and close(2)), because permissions
 * change when a process drops privileges. null where it cannot be told
 * (no C library reachable): libzmq is then left to try.
 *
 * @example
 * ```ts
 * import { rawSocketProblem } from "./pgm.ts";
 * const endpoint = rawSocketProblem() === null
 *   ? "pgm://192.168.1.10;239.192.1.1:5555"
 *   : "epgm://192.168.1.10;239.192.1.1:5555";
 * ```
 */
export function rawSocketProblem(): ErrorCode | null {
  if (backend.os === "windows") return null;
  let socket:
    | ((domain: number, type: number, protocol: number) => number)
    | undefined;
  let close: (fd: number) => number;
  try {
    const libc = loadLibc();
    socket = libc.socket;
    close = libc.close;
  } catch {
    return null;
  }
  if (socket === undefined) return null;
  const fd = socket(AF_INET, SOCK_RAW, IPPROTO_PGM);
  if (fd >= 0) {
    close(fd);
    return null;
  }
  // zmq_errno() is errno of this thread, read right after the failed call.
  const code = errorCode(loadLibzmq().zmq_errno());
  return code === "EACCES" || code === "EUNKNOWN" ? "EPERM" : code;
}

/**
 * Why libzmq must not be given the multicast `endpoint`, as an error code,
 * or null (always null for other transports). "EINVAL" when no port from 1
 * to 65535 ends it: libzmq 4.3 reads the port with atoi, so "x" or "0" fail
 * with a misleading EAGAIN and 70000 quietly means 4464 (norm:// takes any
 * of them). "EPERM" for pgm:// without raw-socket permission (see
 * {@link rawSocketProblem}).
 *
 * @example
 * ```ts
 * import { multicastProblem } from "./pgm.ts";
 * multicastProblem("epgm://127.0.0.1;239.192.1.1:5555"); // null: UDP needs no privilege
 * multicastProblem("epgm://127.0.0.1;239.192.1.1:70000"); // "EINVAL"
 * ```
 */
export function multicastProblem(endpoint: string): ErrorCode | null {
  const match = /^(pgm|epgm|norm):\/\/(.*)$/.exec(endpoint);
  if (match === null) return null;
  const address = match[2]!;
  const port = address.slice(address.lastIndexOf(":") + 1);
  if (
    !address.includes(":") || !/^[0-9]{1,5}$/.test(port) ||
    Number(port) < 1 || Number(port) > 65535
  ) {
    return "EINVAL";
  }
  return match[1] === "pgm" ? rawSocketProblem() : null;
}
