/**
 * Objects that belong to the thread that created them.
 *
 * @module
 */

/**
 * Makes postMessage(object) to a Worker (node:worker_threads or web) and
 * structuredClone throw an error that says why, on Deno and Bun. Structured
 * clone reads own enumerable properties (private fields are skipped, so a
 * socket would arrive as an empty object): this getter throws when read.
 */
export function refuseStructuredClone(object: object, kind: string): void {
  Object.defineProperty(object, "cannotBeSentToAnotherThread", {
    enumerable: true,
    get() {
      throw new TypeError(
        `A ${kind} cannot be sent to another thread: it belongs to the thread that created it. ` +
          "Create sockets (and their Context) inside the worker that uses them, and connect threads over ipc:// or tcp://",
      );
    },
  });
}
