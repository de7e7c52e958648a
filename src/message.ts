/**
 * Message frames: what send accepts and how it becomes bytes.
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

const encoder = new TextEncoder();
const empty = new Uint8Array(0);

/** Converts one frame to bytes without copying binary data; throws TypeError otherwise. */
export function toFrame(frame: unknown, index = 0): Uint8Array {
  if (frame instanceof Uint8Array) return frame;
  if (typeof frame === "string") return encoder.encode(frame);
  if (frame === null) return empty;
  if (ArrayBuffer.isView(frame)) {
    return new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength);
  }
  if (
    frame instanceof ArrayBuffer ||
    (typeof SharedArrayBuffer !== "undefined" &&
      frame instanceof SharedArrayBuffer)
  ) {
    return new Uint8Array(frame);
  }
  if (typeof frame === "number" && Number.isFinite(frame)) {
    return encoder.encode(String(frame));
  }
  const kind = frame === undefined
    ? "undefined"
    : typeof frame === "object"
    ? (frame.constructor?.name ?? "object")
    : typeof frame;
  throw new TypeError(
    `Frame ${index} has unsupported type ${kind}: send strings, Uint8Array, ArrayBuffer, ArrayBufferView, numbers or null`,
  );
}

/** Converts a message (one frame or an array) to an array of byte frames. */
export function toFrames(message: unknown): Uint8Array[] {
  if (Array.isArray(message)) {
    if (message.length === 0) {
      throw new TypeError("A message needs at least one frame");
    }
    // A loop, not map(): map skips the holes of a sparse array.
    const frames: Uint8Array[] = [];
    for (let index = 0; index < message.length; index++) {
      frames.push(toFrame(message[index], index));
    }
    return frames;
  }
  return [toFrame(message)];
}
