/**
 * Frames as zeromq.js gives them: Node's `Buffer`, so that `msg.toString()`
 * is the text and not "104,105".
 *
 * @module
 */
import { Buffer } from "node:buffer";

/**
 * A received frame as a Buffer over the same memory (no copy): the main API
 * hands out frames the program owns, so the Buffer is the program's too.
 */
export function toBuffer(frame: Uint8Array): Buffer {
  return Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
}

/** Every frame of a received message as a Buffer. */
export function toBuffers(frames: Uint8Array[]): Buffer[] {
  return frames.map(toBuffer);
}
