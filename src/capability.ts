/**
 * What the loaded libzmq can do, and its version.
 *
 * @module
 */
import { backend, loadedLibraryPath, loadLibzmq } from "../ffi/load.ts";

/** The optional features of libzmq, as reported by `zmq_has`. */
export interface Capabilities {
  /** ipc:// transport (Unix domain sockets). */
  readonly ipc: boolean;
  /** pgm:// and epgm:// reliable multicast. */
  readonly pgm: boolean;
  /** tipc:// transport. */
  readonly tipc: boolean;
  /** norm:// transport. */
  readonly norm: boolean;
  /** ws:// transport (ZeroMQ over WebSocket). */
  readonly ws: boolean;
  /** wss:// transport (WebSocket over TLS). */
  readonly wss: boolean;
  /** vmci:// transport (VMware VMCI sockets). */
  readonly vmci: boolean;
  /** CURVE security (libsodium/tweetnacl). */
  readonly curve: boolean;
  /** GSSAPI security. */
  readonly gssapi: boolean;
  /** The draft API: Server, Client, Radio, Dish, ... and draft options. */
  readonly draft: boolean;
}

const encoder = new TextEncoder();
const cache = new Map<string, boolean>();

function has(name: string): boolean {
  let value = cache.get(name);
  if (value === undefined) {
    const zmq = loadLibzmq();
    // libzmq 4.3 spells the WebSocket transports "WS" and "WSS" in zmq_has.
    const asked = name === "ws" || name === "wss"
      ? [name.toUpperCase(), name]
      : [name];
    value = asked.some((spelling) =>
      zmq.zmq_has(encoder.encode(spelling + "\0")) === 1
    );
    // zmq_has("draft") is true only when the draft symbols are also exported.
    if (name === "draft") value &&= zmq.zmq_join !== undefined;
    cache.set(name, value);
  }
  return value;
}

/**
 * The capabilities of the loaded libzmq (loading it on first read).
 *
 * @example
 * ```ts
 * import { capability } from "@zmq-ffi/zmq";
 * if (!capability.curve) console.log("no CURVE: install a libzmq built with libsodium");
 * ```
 */
export const capability: Capabilities = Object.freeze({
  get ipc() {
    return has("ipc");
  },
  get pgm() {
    return has("pgm");
  },
  get tipc() {
    return has("tipc");
  },
  get norm() {
    return has("norm");
  },
  get ws() {
    return has("ws");
  },
  get wss() {
    return has("wss");
  },
  get vmci() {
    return has("vmci");
  },
  get curve() {
    return has("curve");
  },
  get gssapi() {
    return has("gssapi");
  },
  get draft() {
    return has("draft");
  },
  // Printing it shows the values (console.log, Deno.inspect, util.inspect).
  [Symbol.for("nodejs.util.inspect.custom")]: describeCapabilities,
  [Symbol.for("Deno.customInspect")]: describeCapabilities,
});

function describeCapabilities(): string {
  const names = [
    "ipc",
    "pgm",
    "tipc",
    "norm",
    "ws",
    "wss",
    "vmci",
    "curve",
    "gssapi",
    "draft",
  ] as const;
  try {
    return `capability { ${
      names.map((name) => `${name}: ${has(name)}`).join(", ")
    } }`;
  } catch (error) {
    return `capability { (libzmq not loaded: ${
      (error as Error).message.split("\n")[0]
    }) }`;
  }
}

/**
 * The version of the loaded libzmq as "major.minor.patch" (loads libzmq).
 *
 * @example
 * ```ts
 * import { libzmqVersion } from "@zmq-ffi/zmq";
 * console.log(libzmqVersion()); // e.g. "4.3.4"
 * ```
 */
export function libzmqVersion(): string {
  const major = new Int32Array(1);
  const minor = new Int32Array(1);
  const patch = new Int32Array(1);
  loadLibzmq().zmq_version(major, minor, patch);
  return `${major[0]}.${minor[0]}.${patch[0]}`;
}

function tryVersion(): string {
  try {
    return libzmqVersion();
  } catch {
    return "";
  }
}

/**
 * The libzmq version ("4.3.4"), read when the module loads; "" when libzmq
 * could not be loaded (the first socket then throws the reason).
 *
 * @example
 * ```ts
 * import { version } from "@zmq-ffi/zmq";
 * console.log(`libzmq ${version}`);
 * ```
 */
export const version: string = tryVersion();

/**
 * Where libzmq was loaded from ("" before it was loaded) and which runtime runs us.
 *
 * @example
 * ```ts
 * import { runtimeInfo } from "@zmq-ffi/zmq";
 * console.log(runtimeInfo()); // { runtime: "deno", library: "libzmq.so.5" }
 * ```
 */
export function runtimeInfo(): {
  runtime: "deno" | "bun" | "node";
  library: string;
} {
  return { runtime: backend.runtime, library: loadedLibraryPath() };
}
