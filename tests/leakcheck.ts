/**
 * `describe` and `test` from node:test, with a leak check around every test:
 * a test that leaves a socket open or an awaited operation pending fails.
 * Deno applies its own sanitizers only to Deno.test, not to node:test, and
 * node:test's afterEach cannot fail a test there, so the check wraps the body.
 *
 * @module
 */
import { describe, test as nodeTest } from "node:test";
import { diagnostics } from "../src/diagnostics.ts";

export { describe };

type Body = (...args: never[]) => unknown;

function leakChecked(body: Body): Body {
  return async (...args: never[]) => {
    const before = diagnostics();
    await body(...args);
    // Rejections of closed sockets settle asynchronously: give them a moment.
    let after = diagnostics();
    for (let attempt = 0; attempt < 20; attempt++) {
      if (
        after.openSockets <= before.openSockets &&
        after.pendingWaits <= before.pendingWaits
      ) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
      after = diagnostics();
    }
    throw new Error(
      `Leak: ${after.openSockets - before.openSockets} socket(s) left open, ` +
        `${
          after.pendingWaits - before.pendingWaits
        } awaited operation(s) left pending`,
    );
  };
}

/** node:test's `test`, failing the test when it leaks sockets or pending waits. */
export function test(name: string, ...rest: unknown[]): unknown {
  const last = rest.length - 1;
  if (typeof rest[last] === "function") {
    rest[last] = leakChecked(rest[last] as Body);
  }
  return (nodeTest as (...args: unknown[]) => unknown)(name, ...rest);
}
