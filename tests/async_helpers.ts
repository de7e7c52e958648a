// What the awaited-engine suites (async, cancel, wakeups) share.
import assert from "node:assert/strict";
import type { Socket } from "../mod.ts";
import { endpoint, type Transport } from "./helpers.ts";

// Generous: the machine is shared, and under `deno test` the first wait also
// type-checks the watcher worker (seconds); a bug must fail rather than hang.
export const LONG = 30000;
export const WAIT = 15000;
// Bun stops a test after 5 s by default: leave room for WAIT to report first.
export const bounded = { timeout: 60000 };

/** Binds `server` on a fresh endpoint of `transport` and connects `client` to it. */
export function wire(
  server: Socket,
  client: Socket,
  transport: Transport,
): string {
  server.bindSync(endpoint(transport));
  const address = server.getOption("lastEndpoint") as string;
  client.connect(address);
  return address;
}

/** A 4-byte frame holding `index`. */
export function frameOf(index: number): Uint8Array {
  const frame = new Uint8Array(4);
  new DataView(frame.buffer).setUint32(0, index, true);
  return frame;
}

/** The index held by a frame made by {@link frameOf}. */
export function indexOf(frame: Uint8Array): number {
  assert.equal(frame.byteLength, 4, "an index frame is 4 bytes");
  return new DataView(frame.buffer, frame.byteOffset, 4).getUint32(0, true);
}

/** 0, 1, ... count - 1. */
export function range(count: number): number[] {
  return Array.from({ length: count }, (_, index) => index);
}

/** Waits (bounded) until `condition` holds, checking every few milliseconds. */
export async function until(
  condition: () => boolean,
  what: string,
): Promise<void> {
  const deadline = performance.now() + WAIT;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`Timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** An assertion that an error is a ZmqError with `code`. */
export const isCode = (code: string) => (error: unknown) => {
  const actual = error as { name?: string; code?: string; message?: string };
  assert.equal(actual?.name, "ZmqError", `expected ZmqError ${code}: ${error}`);
  assert.equal(actual.code, code, actual.message);
  return true;
};
