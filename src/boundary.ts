/**
 * The boundary: where JavaScript values become bytes that libzmq reads.
 *
 * Every frame, option value, subscription, routing id, key, password, group
 * and endpoint passes through here before any pointer or length reaches C.
 * The rules, in one place:
 * - A view's buffer, offset and length are read through the intrinsic
 *   `%TypedArray%.prototype` and `DataView.prototype` getters, captured when
 *   this module loads, never through the object's own properties or its
 *   prototype chain: a subclass or an own `byteLength` cannot lie to C.
 * - Detached and out-of-bounds views, and objects that only look like views
 *   (a Proxy, `Object.create(Uint8Array.prototype)`), are refused with
 *   `TypeError`.
 * - What C reads after the call returns (a queued send) is a copy the library
 *   owns, so a buffer the program detaches, shrinks or shares with another
 *   thread cannot change or vanish under it.
 * - Strings are refused with `RangeError` when they hold a lone surrogate
 *   (UTF-8 would silently turn it into U+FFFD, so two different passwords
 *   would become the same bytes), and where libzmq reads a C string, when
 *   they hold a NUL (libzmq would stop reading there).
 * - A message is converted whole before its first frame is sent, so a
 *   refused frame sends nothing.
 *
 * @module
 */

/** One frame as accepted by send: strings are sent as UTF-8, null as an empty frame. */
export type MessageLike =
  | string
  | Uint8Array
  | ArrayBuffer
  | SharedArrayBuffer
  | ArrayBufferView
  | number
  | null;

/** A message as accepted by send: one frame, or an array of frames (multipart). */
export type Message = MessageLike | readonly MessageLike[];

type Getter = (this: unknown) => unknown;

function intrinsicGetter(prototype: object, name: PropertyKey): Getter {
  const get = Object.getOwnPropertyDescriptor(prototype, name)?.get;
  if (get === undefined) {
    throw new Error(`zmq-ffi: no intrinsic ${String(name)}`);
  }
  return get as Getter;
}

// The intrinsic getters are called as getter.call(object): the fastest form
// on both engines (Reflect.apply costs ~25 ns a call on JavaScriptCore).
const typedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype);
const uint8ArrayPrototype = Uint8Array.prototype;
const typedBuffer = intrinsicGetter(typedArrayPrototype, "buffer");
const typedOffset = intrinsicGetter(typedArrayPrototype, "byteOffset");
const typedLength = intrinsicGetter(typedArrayPrototype, "byteLength");
// %TypedArray%.prototype.at validates its receiver: it throws TypeError for a
// detached or out-of-bounds view, which otherwise reads as 0 bytes long.
const typedAt = typedArrayPrototype.at as (
  this: unknown,
  index: number,
) => unknown;
const typedSet = typedArrayPrototype.set as (
  this: Uint8Array,
  source: ArrayLike<number>,
) => void;
const viewBuffer = intrinsicGetter(DataView.prototype, "buffer");
const viewOffset = intrinsicGetter(DataView.prototype, "byteOffset");
const viewLength = intrinsicGetter(DataView.prototype, "byteLength");
const bufferLength = intrinsicGetter(ArrayBuffer.prototype, "byteLength");
const bufferDetached = Object.getOwnPropertyDescriptor(
  ArrayBuffer.prototype,
  "detached",
)?.get as Getter | undefined;
const sharedLength = typeof SharedArrayBuffer === "function"
  ? intrinsicGetter(SharedArrayBuffer.prototype, "byteLength")
  : undefined;
const isView = ArrayBuffer.isView;
const getPrototypeOf = Object.getPrototypeOf;
const isWellFormed = String.prototype.isWellFormed as
  | ((this: string) => boolean)
  | undefined;
const isArray = Array.isArray;
const encoder = new TextEncoder();
const encodeInto = encoder.encodeInto.bind(encoder);
const encode = encoder.encode.bind(encoder);
const empty = new Uint8Array(0);

/**
 * The true length in bytes of a Uint8Array that came out of this module (or
 * that the library made itself): read through the intrinsic getter, so an
 * own `byteLength` property or a subclass getter is never consulted.
 */
export function byteLengthOf(frame: Uint8Array): number {
  return typedLength.call(frame) as number;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value !== "object") return typeof value;
  try {
    const name = (value as { constructor?: { name?: unknown } }).constructor
      ?.name;
    return typeof name === "string" ? name : "object";
  } catch {
    return "object";
  }
}

function refused(what: string, problem: string): TypeError {
  return new TypeError(`${what} ${problem}`);
}

// A copy the library owns: a fresh Uint8Array over a fresh ArrayBuffer.
function copyOf(view: Uint8Array, length: number): Uint8Array {
  const copy = new Uint8Array(length);
  if (length > 0) typedSet.call(copy, view);
  return copy;
}

/**
 * The bytes of a binary value (any ArrayBufferView, ArrayBuffer or
 * SharedArrayBuffer), or null when `value` is none of those. The result is a
 * Uint8Array whose length must still be read with {@link byteLengthOf}: it
 * is the caller's own object when that is a plain Uint8Array (the common
 * case, no copy), otherwise a view the library made. Views of shared or
 * resizable buffers are not copied here: a send copies the bytes while
 * nothing else runs on this thread, and a queued send copies them first
 * ({@link ownedCopy}). Throws TypeError for detached, out-of-bounds and
 * exotic views.
 */
export function binaryBytes(value: unknown, what: string): Uint8Array | null {
  if (typeof value !== "object" || value === null) return null;
  if (isView(value)) {
    let length: number;
    try {
      length = typedLength.call(value) as number;
    } catch {
      return dataViewBytes(value as DataView, what);
    }
    if (length === 0) {
      try {
        typedAt.call(value, 0);
      } catch {
        throw refused(
          what,
          "is a view of a detached or out-of-bounds ArrayBuffer: it has no bytes to send",
        );
      }
    }
    if (getPrototypeOf(value) === uint8ArrayPrototype) {
      return value as Uint8Array;
    }
    return new Uint8Array(
      typedBuffer.call(value) as ArrayBuffer,
      typedOffset.call(value) as number,
      length,
    );
  }
  let length: number | undefined;
  try {
    length = bufferLength.call(value) as number;
  } catch {
    length = undefined;
  }
  if (length !== undefined) {
    if (length === 0 && bufferDetached?.call(value)) {
      throw refused(what, "is a detached ArrayBuffer: it has no bytes to send");
    }
    return new Uint8Array(value as ArrayBuffer, 0, length);
  }
  try {
    length = sharedLength?.call(value) as number | undefined;
  } catch {
    length = undefined;
  }
  if (length !== undefined) {
    return new Uint8Array(value as SharedArrayBuffer, 0, length);
  }
  if (value instanceof Uint8Array || value instanceof DataView) {
    throw refused(
      what,
      `is not a real ${
        describe(value)
      }: only typed arrays, DataViews and ArrayBuffers carry bytes (a Proxy or an object made from a typed array's prototype does not)`,
    );
  }
  return null;
}

function dataViewBytes(view: DataView, what: string): Uint8Array {
  try {
    return new Uint8Array(
      viewBuffer.call(view) as ArrayBuffer,
      viewOffset.call(view) as number,
      viewLength.call(view) as number,
    );
  } catch {
    throw refused(
      what,
      "is a DataView of a detached or out-of-bounds ArrayBuffer: it has no bytes to send",
    );
  }
}

/**
 * Refuses a string UTF-8 cannot carry as it is: a lone surrogate would become
 * U+FFFD, so that two different strings would become the same bytes.
 */
export function checkWellFormed(value: string, what: string): void {
  if (isWellFormed !== undefined && !isWellFormed.call(value)) {
    throw new RangeError(
      `${what} contains a lone surrogate (half of a UTF-16 pair), which UTF-8 cannot carry: fix the string, or send bytes`,
    );
  }
}

/** A string as UTF-8 bytes, refusing lone surrogates. */
export function utf8(value: string, what: string): Uint8Array {
  checkWellFormed(value, what);
  return encode(value);
}

/**
 * Encodes a string into `target` (a buffer of the library's own, at least
 * three bytes per UTF-16 unit), refusing lone surrogates; returns the length.
 */
export function utf8Into(
  value: string,
  target: Uint8Array,
  what: string,
): number {
  checkWellFormed(value, what);
  return encodeInto(value, target).written;
}

/**
 * A string for a libzmq C string argument, NUL-terminated: refuses lone
 * surrogates and embedded NULs (libzmq would stop reading there) with
 * RangeError.
 */
export function cString(value: string, what: string): Uint8Array {
  checkWellFormed(value, what);
  if (value.includes("\0")) {
    throw new RangeError(
      `${what} contains a NUL character, where libzmq reads a C string that would end there`,
    );
  }
  return encode(value + "\0");
}

/**
 * One frame as bytes: strings as UTF-8, null as empty, finite numbers as
 * their decimal text, binary values as above. Throws TypeError for anything
 * else and RangeError for strings with lone surrogates.
 */
export function frameBytes(value: unknown, index = 0): Uint8Array {
  if (typeof value === "string") return utf8(value, `Frame ${index}`);
  if (value === null) return empty;
  if (typeof value === "number" && Number.isFinite(value)) {
    return encode(String(value));
  }
  const bytes = binaryBytes(value, `Frame ${index}`);
  if (bytes !== null) return bytes;
  throw new TypeError(
    `Frame ${index} has unsupported type ${
      value === undefined ? "undefined" : describe(value)
    }: send strings, Uint8Array, ArrayBuffer, ArrayBufferView, numbers or null`,
  );
}

/**
 * A whole message (one frame or an array of them) as byte frames, every
 * element read once and checked before anything is sent.
 */
export function messageFrames(message: unknown): Uint8Array[] {
  if (isArray(message)) {
    const count = (message as unknown[]).length;
    if (count === 0) throw new TypeError("A message needs at least one frame");
    // A loop, not map(): map skips the holes of a sparse array.
    const frames: Uint8Array[] = new Array(count);
    for (let index = 0; index < count; index++) {
      frames[index] = frameBytes((message as unknown[])[index], index);
    }
    return frames;
  }
  return [frameBytes(message)];
}

/**
 * A copy of a checked frame that the library keeps after the call returns
 * (queued sends), so the caller may reuse or detach its buffer.
 */
export function ownedCopy(frame: Uint8Array): Uint8Array {
  return copyOf(frame, byteLengthOf(frame));
}

/**
 * Bytes for a byte-valued argument that is not a frame (a subscription
 * prefix, a routing id, a key): a string (UTF-8) or binary value; TypeError
 * for anything else.
 */
export function bytesArgument(value: unknown, what: string): Uint8Array {
  if (typeof value === "string") return utf8(value, what);
  // Checked as bytes below: a Proxy or a lying subclass passes instanceof.
  const bytes = value instanceof Uint8Array ? binaryBytes(value, what) : null;
  if (bytes !== null) return bytes;
  throw new TypeError(
    `${what} must be a string or a Uint8Array, got ${describe(value)}`,
  );
}
