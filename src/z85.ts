/**
 * Z85, the ZeroMQ base-85 encoding (rfc.zeromq.org/spec/32) used for CURVE
 * keys. Written in TypeScript: it needs no libzmq and checks its input
 * strictly (libzmq's own decoder accepts some malformed strings).
 *
 * @module
 */
import { binaryBytes, byteLengthOf } from "./boundary.ts";

const ALPHABET =
  "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

// Character code -> digit value, -1 for characters outside the alphabet.
const DIGITS = new Int8Array(128).fill(-1);
for (let index = 0; index < ALPHABET.length; index++) {
  DIGITS[ALPHABET.charCodeAt(index)] = index;
}

function encode(input: Uint8Array): string {
  if (!(input instanceof Uint8Array)) {
    throw new TypeError(
      `z85.encode takes a Uint8Array, got ${
        input === null ? "null" : typeof input
      }`,
    );
  }
  // The true bytes, whatever the object says its length is.
  const data = binaryBytes(input, "z85.encode's argument")!;
  const length = byteLengthOf(data);
  if (length % 4 !== 0) {
    throw new RangeError(
      `z85.encode needs a length that is a multiple of 4 bytes, got ${length} bytes (pad the data or use another encoding)`,
    );
  }
  let text = "";
  for (let offset = 0; offset < length; offset += 4) {
    let value = ((data[offset]! << 24) | (data[offset + 1]! << 16) |
      (data[offset + 2]! << 8) | data[offset + 3]!) >>> 0;
    let group = "";
    for (let digit = 0; digit < 5; digit++) {
      group = ALPHABET[value % 85] + group;
      value = Math.floor(value / 85);
    }
    text += group;
  }
  return text;
}

function decode(text: string): Uint8Array {
  if (typeof text !== "string") {
    throw new TypeError(`z85.decode takes a string, got ${typeof text}`);
  }
  if (text.length % 5 !== 0) {
    throw new RangeError(
      `z85.decode needs a length that is a multiple of 5 characters, got ${text.length} characters`,
    );
  }
  const data = new Uint8Array((text.length / 5) * 4);
  for (let offset = 0, out = 0; offset < text.length; offset += 5, out += 4) {
    let value = 0;
    for (let index = offset; index < offset + 5; index++) {
      const code = text.charCodeAt(index);
      const digit = code < 128 ? DIGITS[code]! : -1;
      if (digit < 0) {
        throw new RangeError(
          `z85.decode: ${
            JSON.stringify(text[index])
          } at position ${index} is not a Z85 character`,
        );
      }
      value = value * 85 + digit;
    }
    if (value > 0xffffffff) {
      throw new RangeError(
        `z85.decode: the group at position ${offset} (${
          text.slice(offset, offset + 5)
        }) is larger than 32 bits, so the string is not valid Z85`,
      );
    }
    data[out] = value >>> 24;
    data[out + 1] = (value >>> 16) & 0xff;
    data[out + 2] = (value >>> 8) & 0xff;
    data[out + 3] = value & 0xff;
  }
  return data;
}

/** The Z85 encoder and decoder (see {@link z85}). */
export interface Z85 {
  /**
   * Encodes bytes as Z85 text: 5 characters per 4 bytes. Throws RangeError
   * when the length is not a multiple of 4.
   */
  encode(data: Uint8Array): string;
  /**
   * Decodes Z85 text to bytes: 4 bytes per 5 characters. Throws RangeError
   * when the length is not a multiple of 5, a character is not in the Z85
   * alphabet, or a group exceeds 32 bits.
   */
  decode(text: string): Uint8Array;
}

/**
 * Z85 encoding and decoding (rfc.zeromq.org/spec/32), the text form of CURVE
 * keys: a 32-byte key is 40 characters.
 *
 * @example
 * ```ts
 * import { z85 } from "@zmq-ffi/zmq";
 * const text = z85.encode(
 *   new Uint8Array([0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b]),
 * );
 * console.log(text); // "HelloWorld"
 * console.log(z85.decode(text).length); // 8
 * ```
 */
export const z85: Z85 = Object.freeze({ encode, decode });
