/**
 * Errors as zeromq.js v6 shapes them: `code`, `errno` and, for errors about
 * an endpoint, `address` (the main API calls it `endpoint`).
 *
 * @module
 */
import { ZmqError } from "../errors.ts";

/** A ZmqError with zeromq.js's `address`. */
export type CompatError = ZmqError & { readonly address?: string };

/**
 * The error a compat method rejects or throws with: a ZmqError gains
 * `address` (the endpoint it is about); a pending operation that close()
 * cancelled says EAGAIN, as zeromq.js does (the main API says EBADF).
 */
export function compatError(error: unknown, address?: string): unknown {
  if (!(error instanceof ZmqError)) return error;
  let result: ZmqError = error;
  if (error.code === "EBADF" && error.operation === "close") {
    result = new ZmqError(
      "EAGAIN",
      "The socket was closed while the operation was waiting [EAGAIN]",
      { operation: "close" },
    );
  }
  const endpoint = result.endpoint ?? address;
  if (endpoint !== undefined && !Object.hasOwn(result, "address")) {
    Object.defineProperty(result, "address", {
      value: endpoint,
      enumerable: true,
    });
  }
  return result;
}

/** Throws `error` as {@link compatError} shapes it. */
export function rethrow(address?: string): (error: unknown) => never {
  return (error) => {
    throw compatError(error, address);
  };
}
