/**
 * CURVE key pairs, made by libzmq (which draws them from libsodium's secure
 * random source).
 *
 * @module
 */
import { binaryBytes, byteLengthOf } from "./boundary.ts";
import { loadLibzmq } from "../ffi/load.ts";
import { capability } from "./capability.ts";
import { lastError, ZmqError } from "./errors.ts";
import { z85 } from "./z85.ts";

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** A CURVE key pair, both keys as 40-character Z85 strings. */
export interface CurveKeyPair {
  /** The public key: give it to peers (a client's `curveServerKey`, an Authenticator's allowed keys). */
  publicKey: string;
  /** The secret key: keep it private (a socket's `curveSecretKey`). */
  secretKey: string;
}

function requireCurve(operation: string): void {
  if (!capability.curve) {
    throw new ZmqError(
      "ENOTSUP",
      `${operation} needs a libzmq built with CURVE support (capability.curve is false): install a libzmq built with libsodium`,
      { operation },
    );
  }
}

// A key buffer libzmq writes: 40 characters and a NUL.
function keyText(buffer: Uint8Array): string {
  return decoder.decode(buffer.subarray(0, 40));
}

/**
 * Normalises a CURVE key given as a 40-character Z85 string or 32 bytes to
 * its Z85 form; throws TypeError or RangeError for anything else.
 * @internal
 */
export function keyToZ85(key: unknown, name: string): string {
  if (typeof key === "string") {
    if (key.length !== 40) {
      throw new RangeError(
        `${name} must be a 40-character Z85 key or 32 bytes, got ${key.length} characters`,
      );
    }
    z85.decode(key); // checks the alphabet
    return key;
  }
  if (key instanceof Uint8Array) {
    // The true bytes, whatever the object says its length is.
    const bytes = binaryBytes(key, name)!;
    const length = byteLengthOf(bytes);
    if (length !== 32) {
      throw new RangeError(`${name} must be 32 bytes, got ${length}`);
    }
    return z85.encode(bytes);
  }
  throw new TypeError(
    `${name} must be a Z85 string or a Uint8Array, got ${
      key === null ? "null" : typeof key
    }`,
  );
}

/**
 * Creates a new CURVE key pair as Z85 strings. Throws ZmqError ENOTSUP when
 * libzmq lacks CURVE (see `capability.curve`).
 *
 * @example
 * ```ts
 * import { curveKeyPair, Reply } from "@zmq-ffi/zmq";
 * const server = curveKeyPair();
 * const rep = new Reply({
 *   curveServer: true,
 *   curveSecretKey: server.secretKey,
 * });
 * // clients set curveServerKey: server.publicKey
 * rep.close();
 * ```
 */
export function curveKeyPair(): CurveKeyPair {
  requireCurve("curveKeyPair");
  const publicKey = new Uint8Array(41);
  const secretKey = new Uint8Array(41);
  if (loadLibzmq().zmq_curve_keypair(publicKey, secretKey) !== 0) {
    throw lastError("curveKeyPair");
  }
  const pair = { publicKey: keyText(publicKey), secretKey: keyText(secretKey) };
  secretKey.fill(0);
  return pair;
}

/**
 * Derives the public key of a CURVE secret key (a 40-character Z85 string or
 * 32 bytes) and returns it in Z85. Throws ZmqError ENOTSUP without CURVE.
 *
 * @example
 * ```ts
 * import { curveKeyPair, curvePublicKey } from "@zmq-ffi/zmq";
 * const { publicKey, secretKey } = curveKeyPair();
 * console.log(curvePublicKey(secretKey) === publicKey); // true
 * ```
 */
export function curvePublicKey(secretKey: string | Uint8Array): string {
  const secret = encoder.encode(keyToZ85(secretKey, "secretKey") + "\0");
  requireCurve("curvePublicKey");
  const publicKey = new Uint8Array(41);
  const result = loadLibzmq().zmq_curve_public(publicKey, secret);
  secret.fill(0);
  if (result !== 0) throw lastError("curvePublicKey");
  return keyText(publicKey);
}
