import { describe, test } from "./leakcheck.ts";
import assert from "node:assert/strict";
import { z85 } from "../mod.ts";
import { loadLibzmq } from "../ffi/load.ts";

const decoder = new TextDecoder();

// libzmq's own encoder, as an independent reference.
function libzmqEncode(data: Uint8Array): string {
  const out = new Uint8Array((data.length / 4) * 5 + 1);
  assert.notEqual(
    loadLibzmq().zmq_z85_encode(out, data, BigInt(data.length)),
    null,
  );
  return decoder.decode(out.subarray(0, out.length - 1));
}

function randomBytes(length: number): Uint8Array {
  const data = new Uint8Array(length);
  crypto.getRandomValues(data);
  return data;
}

describe("z85", () => {
  test("the test vector of the Z85 specification (rfc.zeromq.org/spec/32)", () => {
    const bytes = new Uint8Array([
      0x86,
      0x4f,
      0xd2,
      0x6f,
      0xb5,
      0x59,
      0xf7,
      0x5b,
    ]);
    assert.equal(z85.encode(bytes), "HelloWorld");
    assert.deepEqual(z85.decode("HelloWorld"), bytes);
  });

  test("the extremes of a group: all zero bits and all one bits", () => {
    assert.equal(z85.encode(new Uint8Array(4)), "00000");
    assert.deepEqual(z85.decode("00000"), new Uint8Array(4));
    const ones = new Uint8Array(4).fill(0xff);
    assert.equal(z85.encode(ones), "%nSc0");
    assert.deepEqual(z85.decode("%nSc0"), ones);
    assert.equal(z85.encode(new Uint8Array(0)), "");
    assert.deepEqual(z85.decode(""), new Uint8Array(0));
  });

  test("random data round-trips and matches libzmq's encoder", () => {
    for (const length of [4, 8, 32, 64, 400]) {
      for (let round = 0; round < 20; round++) {
        const data = randomBytes(length);
        const text = z85.encode(data);
        assert.equal(text.length, (length / 4) * 5);
        assert.equal(text, libzmqEncode(data));
        assert.deepEqual(z85.decode(text), data);
      }
    }
  });

  test("a 32-byte CURVE key is 40 characters", () => {
    const key = randomBytes(32);
    const text = z85.encode(key);
    assert.equal(text.length, 40);
    assert.deepEqual(z85.decode(text), key);
  });

  test("encode rejects lengths that are not a multiple of 4", () => {
    for (const length of [1, 2, 3, 5, 31, 33]) {
      assert.throws(
        () => z85.encode(new Uint8Array(length)),
        (error: unknown) =>
          error instanceof RangeError &&
          error.message.includes("multiple of 4") &&
          error.message.includes(`${length} bytes`),
      );
    }
  });

  test("decode rejects lengths that are not a multiple of 5", () => {
    for (const text of ["H", "Hell", "HelloW", "HelloWorl"]) {
      assert.throws(
        () => z85.decode(text),
        (error: unknown) =>
          error instanceof RangeError &&
          error.message.includes("multiple of 5") &&
          error.message.includes(`${text.length} characters`),
      );
    }
  });

  test("decode rejects characters outside the alphabet and 32-bit overflow", () => {
    for (const text of ["Hello Worl", "Hell\u00e9", "hello,orld", 'ab"cd']) {
      assert.throws(
        () => z85.decode(text),
        (error: unknown) =>
          error instanceof RangeError &&
          error.message.includes("not a Z85 character"),
        text,
      );
    }
    // "#####" is 85^5 - 1, more than 2^32 - 1.
    assert.throws(
      () => z85.decode("#####"),
      (error: unknown) =>
        error instanceof RangeError && error.message.includes("32 bits"),
    );
  });

  test("wrong argument types throw TypeError", () => {
    assert.throws(() => z85.encode("abcd" as never), TypeError);
    assert.throws(() => z85.encode([1, 2, 3, 4] as never), TypeError);
    assert.throws(() => z85.decode(new Uint8Array(5) as never), TypeError);
  });
});
