/**
 * Objects that belong to the thread that created them.
 *
 * @module
 */

const guards = new Map<string, object>();

/**
 * Makes postMessage(object) to a Worker (node:worker_threads or web) and
 * structuredClone throw an error that says why, on Deno and Bun. Structured
 * clone copies own enumerable properties, deeply (private fields are
 * skipped, so a socket would arrive as an empty object): the object gets one
 * whose value holds a getter that throws when read. The getter sits one level
 * down so that `{...socket}`, `Object.values(socket)` and formatting the
 * object never call it.
 */
export function refuseStructuredClone(object: object, kind: string): void {
  let guard = guards.get(kind);
  if (guard === undefined) {
    guard = Object.freeze(Object.defineProperty({}, "reason", {
      enumerable: true,
      get() {
        throw new TypeError(
          `A ${kind} cannot be sent to another thread: it belongs to the thread that created it. ` +
            "Create sockets (and their Context) inside the worker that uses them, and connect threads over ipc:// or tcp://",
        );
      },
    }));
    guards.set(kind, guard);
  }
  Object.defineProperty(object, "cannotBeSentToAnotherThread", {
    enumerable: true,
    value: guard,
  });
}
