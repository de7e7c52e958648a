/**
 * Where a worker thread's module is loaded from, wherever the library itself
 * was loaded from: files (a checkout, node_modules), https (JSR), or the
 * inside of a `bun build --compile` executable.
 *
 * @module
 */
import { readdirSync } from "node:fs";

const BUN_EXECUTABLE_ROOTS = ["/$bunfs/", "/~BUN/"];
const COMPILED = import.meta.url.endsWith(".js");

/**
 * The URL to hand to `new Worker()` of node:worker_threads for `url`, the
 * worker module next to the caller (`new URL("./x_worker.ts", import.meta.url)`).
 */
export function workerModule(url: URL): URL {
  // The npm package runs JavaScript compiled from these files (Node strips
  // no types under node_modules): there the worker is the .js next to us.
  if (COMPILED && url.pathname.endsWith(".ts")) {
    url = new URL(url.href.replace(/\.ts$/, ".js"));
  }
  // node:worker_threads takes only file: and data: URLs, and JSR modules are
  // https: a data: module that imports the real one runs it all the same.
  if (url.protocol !== "file:") {
    const source = `import ${JSON.stringify(url.href)};`;
    return new URL(`data:text/javascript,${encodeURIComponent(source)}`);
  }
  const prefix = BUN_EXECUTABLE_ROOTS.find((start) =>
    url.pathname.includes(start)
  );
  return prefix === undefined ? url : bundledWorker(url, prefix);
}

// In a Bun executable every module shares the entry point's import.meta.url,
// and a worker is there only if it was given as an extra entry point: it then
// sits under the executable's root at its path relative to the build's root,
// as a .js file. Look for it by name.
function bundledWorker(url: URL, prefix: string): URL {
  const path = url.pathname;
  const file = path.split("/").pop()!;
  const names = [file.replace(/\.ts$/, ".js"), file];
  // "/$bunfs/root": the executable's root, whatever directory the caller is in.
  const end = path.indexOf("/", path.indexOf(prefix) + prefix.length);
  const root = path.slice(0, end);
  const found = findFile(root, names, 8);
  if (found !== null) return new URL(`file://${found}`);
  throw new Error(
    `zmq-ffi: ${file} is not inside this executable. bun build --compile ` +
      "needs the library's worker modules as extra entry points after your " +
      "program's file: node_modules/@zmq-ffi/zmq/src/watcher_worker.ts and " +
      "node_modules/@zmq-ffi/zmq/src/proxy_worker.ts (src/... in a checkout).",
  );
}

function findFile(
  directory: string,
  names: string[],
  depth: number,
): string | null {
  let entries;
  try {
    entries = readdirSync(directory, { withFileTypes: true });
  } catch {
    return null;
  }
  for (const entry of entries) {
    if (!entry.isDirectory() && names.includes(entry.name)) {
      return `${directory}/${entry.name}`;
    }
  }
  if (depth === 0) return null;
  for (const entry of entries) {
    if (entry.isDirectory()) {
      const found = findFile(`${directory}/${entry.name}`, names, depth - 1);
      if (found !== null) return found;
    }
  }
  return null;
}
