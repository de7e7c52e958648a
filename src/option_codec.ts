/**
 * Socket option values in and out: which option a name means for a socket
 * type, how a JavaScript value is checked and encoded for zmq_setsockopt, the
 * rules libzmq needs around it, and how zmq_getsockopt's bytes are decoded.
 * The table itself is src/options.ts.
 *
 * @module
 */
import type { Pointer } from "../ffi/backend.ts";
import { SocketOption } from "../ffi/constants.ts";
import { byteLengthOf, bytesArgument, checkWellFormed } from "./boundary.ts";
import { capability } from "./capability.ts";
import { lastError, ZmqError } from "./errors.ts";
import { zmq } from "./native.ts";
import {
  appliesTo,
  type ContextOptionSpec,
  type OptionSpec,
  socketOptions,
  type SocketTypeName,
} from "./options.ts";
import { z85 } from "./z85.ts";

const INT_MAX = 0x7fffffff;
const decoder = new TextDecoder();
const intValue = new Int32Array(1);
const longValue = new BigInt64Array(1);
const optionLength = new BigUint64Array(1);
// zmq_getsockopt says only EINVAL when a string does not fit: read into
// larger buffers up to this size (a long inproc lastEndpoint, socksProxy).
const LARGEST_STRING = 1 << 24;

/** An encoded option value: an int, an int64, bytes, or null (NULL resets a string). */
export type EncodedOption = Int32Array | BigInt64Array | Uint8Array | null;

/** The table row of an option name, or undefined when there is none. */
export function optionSpec(name: unknown): OptionSpec | undefined {
  return typeof name === "string" && Object.hasOwn(socketOptions, name)
    ? (socketOptions as Record<string, OptionSpec>)[name]
    : undefined;
}

/**
 * The row of an option of a socket type, checked: TypeError for an unknown
 * option, ENOTSUP when this libzmq lacks what it needs.
 */
export function socketOption(
  name: unknown,
  kind: SocketTypeName,
  socketType: string,
): OptionSpec {
  const spec = optionSpec(name);
  if (spec === undefined || !appliesTo(spec, kind)) {
    throw new TypeError(
      `Unknown option '${String(name)}' for ${socketType} sockets`,
    );
  }
  if (spec.draft && !capability.draft) {
    throw new ZmqError(
      "ENOTSUP",
      `Option '${
        String(name)
      }' needs a libzmq built with the draft API (capability.draft is false)`,
      { operation: `option ${String(name)}` },
    );
  }
  if (spec.curve && !capability.curve) {
    throw new ZmqError(
      "ENOTSUP",
      `Option '${
        String(name)
      }' needs a libzmq built with CURVE support (capability.curve is false)`,
      { operation: `option ${String(name)}` },
    );
  }
  return spec;
}

/** Checks that a name is a writable option of a socket type (constructor options). */
export function checkWritable(
  name: string,
  kind: SocketTypeName,
  socketType: string,
): void {
  const spec = optionSpec(name);
  if (spec === undefined || !appliesTo(spec, kind) || spec.access === "r") {
    throw new TypeError(
      `Unknown or read-only option '${name}' for ${socketType} sockets`,
    );
  }
}

/** A routing id's bytes: 1 to 255 of them, by their true length. */
export function routingIdBytes(value: unknown, what: string): Uint8Array {
  const bytes = bytesArgument(value, what);
  const length = byteLengthOf(bytes);
  if (length < 1 || length > 255) {
    throw new RangeError(`${what} must be 1 to 255 bytes, got ${length}`);
  }
  return bytes;
}

function keyBytes(name: string, value: unknown): Uint8Array {
  if (typeof value === "string") {
    if (value.length !== 40) {
      throw new RangeError(
        `Option '${name}' must be a 40-character z85 key or 32 bytes, got ${value.length} characters`,
      );
    }
    // Decoded here, strictly: libzmq's decoder stops at a NUL and keeps the
    // rest of the old key, and accepts characters outside the alphabet.
    try {
      return z85.decode(value);
    } catch (error) {
      throw new RangeError(
        `Option '${name}' is not a valid z85 key: ${(error as Error).message}`,
      );
    }
  }
  const bytes = value instanceof Uint8Array
    ? bytesArgument(value, `Option '${name}'`)
    : null;
  if (bytes === null) {
    throw new TypeError(
      `Option '${name}' must be a z85 string or a Uint8Array`,
    );
  }
  const length = byteLengthOf(bytes);
  if (length !== 32) {
    throw new RangeError(`Option '${name}' must be 32 bytes, got ${length}`);
  }
  return bytes;
}

/** Checks a value for an option and encodes it for zmq_setsockopt. */
export function encodeOption(
  name: string,
  spec: OptionSpec,
  value: unknown,
): EncodedOption {
  switch (spec.type) {
    case "boolean":
      if (typeof value !== "boolean") {
        throw new TypeError(
          `Option '${name}' must be a boolean, got ${typeof value}`,
        );
      }
      return Int32Array.of(value ? 1 : 0);
    case "number": {
      if (typeof value !== "number") {
        throw new TypeError(
          `Option '${name}' must be a number, got ${typeof value}`,
        );
      }
      const min = spec.min ?? -0x80000000;
      const max = spec.max ?? INT_MAX;
      if (!Number.isInteger(value) || value < min || value > max) {
        throw new RangeError(
          `Option '${name}' must be an integer from ${min} to ${max}, got ${value}`,
        );
      }
      return Int32Array.of(value);
    }
    case "int64":
    case "bigint": {
      if (typeof value !== "number" && typeof value !== "bigint") {
        throw new TypeError(
          `Option '${name}' must be a number or bigint, got ${typeof value}`,
        );
      }
      if (typeof value === "number" && !Number.isSafeInteger(value)) {
        throw new RangeError(
          `Option '${name}' must be an integer, got ${value}`,
        );
      }
      const big = BigInt(value);
      // int64 options read back as numbers: only exact ones are accepted.
      const [min, max] = spec.type === "bigint"
        ? [0n, (1n << 64n) - 1n]
        : [BigInt(spec.min ?? -(2 ** 53 - 1)), BigInt(2 ** 53 - 1)];
      if (big < min || big > max) {
        throw new RangeError(
          `Option '${name}' must be from ${min} to ${max}, got ${value}`,
        );
      }
      return BigInt64Array.of(BigInt.asIntN(64, big));
    }
    case "string": {
      if (typeof value !== "string") {
        throw new TypeError(
          `Option '${name}' must be a string, got ${typeof value}`,
        );
      }
      checkWellFormed(value, `Option '${name}'`);
      if (value.includes("\0")) {
        throw new RangeError(
          `Option '${name}' contains a NUL character, where libzmq keeps a C string that would end there`,
        );
      }
      // libzmq resets a string option (zapDomain, socksProxy, ...) only when
      // given a NULL pointer: an empty buffer is EINVAL.
      return value.length === 0 ? null : new TextEncoder().encode(value);
    }
    case "binary":
      if (name === "routingId") {
        return routingIdBytes(value, "Option 'routingId'");
      }
      if (
        typeof value !== "string" && !(value instanceof Uint8Array)
      ) {
        throw new TypeError(`Option '${name}' must be a string or Uint8Array`);
      }
      return bytesArgument(value, `Option '${name}'`);
    case "key":
      return keyBytes(name, value);
    default:
      throw new TypeError(`Option '${name}' cannot be set`);
  }
}

/**
 * Sets an encoded option. `attached` says whether the socket was bound or
 * connected (high-water marks must be set before).
 */
export function writeOption(
  handle: Pointer,
  name: string,
  spec: OptionSpec,
  encoded: EncodedOption,
  attached: boolean,
  socketType: string,
): void {
  if (
    attached &&
    (spec.id === SocketOption.SNDHWM || spec.id === SocketOption.RCVHWM)
  ) {
    // libzmq up to 4.3.5 sends the new marks to each peer pipe, and one a
    // disconnect just freed crashes its I/O thread (zeromq/libzmq#4524).
    throw new ZmqError(
      "EFSM",
      `Set ${name} before bind() or connect(): libzmq cannot change it safely on a connected socket`,
      { operation: `set option ${name}` },
    );
  }
  const length = encoded === null ? 0n : BigInt(
    encoded instanceof Uint8Array ? byteLengthOf(encoded) : encoded.byteLength,
  );
  if (
    zmq().zmq_setsockopt(
      handle,
      spec.id,
      encoded as Uint8Array,
      length,
    ) !== 0
  ) {
    throw lastError(`set option ${name}`, { socketType });
  }
}

/** Reads an option with zmq_getsockopt and decodes it. */
export function readOption(
  handle: Pointer,
  name: string,
  spec: OptionSpec,
  socketType: string,
): unknown {
  const lib = zmq();
  let buffer: Int32Array | BigInt64Array | Uint8Array;
  switch (spec.type) {
    case "number":
    case "boolean":
    case "mechanism":
      buffer = intValue;
      break;
    case "int64":
    case "bigint":
      buffer = longValue;
      break;
    case "key":
      buffer = new Uint8Array(41);
      break;
    default:
      buffer = new Uint8Array(1024);
  }
  for (;;) {
    optionLength[0] = BigInt(buffer.byteLength);
    if (lib.zmq_getsockopt(handle, spec.id, buffer, optionLength) === 0) break;
    // A string longer than the buffer is EINVAL: try a larger one.
    if (
      !(buffer instanceof Uint8Array) || spec.type === "key" ||
      buffer.byteLength >= LARGEST_STRING
    ) {
      throw lastError(`read option ${name}`, { socketType });
    }
    buffer = new Uint8Array(buffer.byteLength * 8);
  }
  const length = Number(optionLength[0]);
  switch (spec.type) {
    case "number":
      return intValue[0];
    case "boolean":
      return intValue[0] !== 0;
    case "mechanism":
      return [null, "plain", "curve", "gssapi"][intValue[0]!] ?? null;
    case "int64":
      return Number(longValue[0]);
    case "bigint":
      return BigInt.asUintN(64, longValue[0]!);
    case "binary":
      return (buffer as Uint8Array).slice(0, length);
    default: // string and key: NUL-terminated
      return decoder.decode(
        (buffer as Uint8Array).subarray(0, Math.max(0, length - 1)),
      );
  }
}

/**
 * Checks a value for a context option: a boolean, or an integer from the
 * option's minimum (-1 at construction for the options libzmq cannot read
 * back, meaning "leave the OS default") to 2^31 - 1.
 */
export function encodeContextOption(
  name: string,
  spec: ContextOptionSpec,
  value: unknown,
  creating: boolean,
): number {
  if (spec.type === "boolean") {
    if (typeof value !== "boolean") {
      throw new TypeError(`Context option '${name}' must be a boolean`);
    }
    return value ? 1 : 0;
  }
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new TypeError(`Context option '${name}' must be an integer`);
  }
  const min = creating && spec.remembered ? -1 : spec.min ?? -1;
  if (value < min || value > INT_MAX) {
    throw new RangeError(
      `Context option '${name}' must be from ${min} to ${INT_MAX}, got ${value}`,
    );
  }
  return value;
}
