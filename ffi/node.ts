/**
 * {@link Backend} on `node:ffi` (Node 26 and later). Deno and Bun never load
 * node:ffi: it is fetched with `process.getBuiltinModule` on first use.
 *
 * Pointers are bigints (NULL is `null` here and `0n` to node:ffi). node:ffi
 * shares one call path per arity between all functions, and once a process
 * passes a typed array where a pointer goes, every call of that arity slows
 * down (measured: `zmq_msg_data` 43 ns with bigint addresses only, over
 * 1,100 ns once typed arrays were passed too). So a typed array never reaches
 * node:ffi: each `buffer` argument becomes its address, remembered per array.
 *
 * @module
 */
import process from "node:process";
import { isMainThread, markAsUntransferable } from "node:worker_threads";
import type { Backend, LoadedSymbols, LoopPoll, Pointer } from "./backend.ts";
import type { NativeType, SymbolDefinition } from "./symbols.ts";
import { createLoopPoll } from "./node_loop.ts";

// The slice of node:ffi this file uses (Node's own types may not have it).
interface NodeSignature {
  arguments: string[];
  return: string;
}
type NodeFunction = (...args: unknown[]) => unknown;
interface DynamicLibrary {
  getFunction(name: string, signature: NodeSignature): NodeFunction;
  registerCallback(
    signature: NodeSignature,
    callback: (...args: never[]) => void,
  ): bigint;
}
/** The slice of node:ffi the Node backend uses. */
export interface NodeFFI {
  // null: the symbols of the process itself (node's own, libuv's among them).
  DynamicLibrary: new (path: string | null) => DynamicLibrary;
  getRawPointer(view: ArrayBufferView): bigint;
  toString(pointer: bigint): string;
  toArrayBuffer(pointer: bigint, length: number, copy?: boolean): ArrayBuffer;
}

/** The first Node release with node:ffi. */
const FIRST_VERSION = [26, 1];
/** The first release where node:ffi needs no --experimental-ffi. */
const DEFAULT_ON_VERSION = [26, 9];

const [major = 0, minor = 0] = String(process.versions.node ?? "")
  .split(".").map(Number);
const atLeast = ([wantMajor = 0, wantMinor = 0]: number[]) =>
  major > wantMajor || (major === wantMajor && minor >= wantMinor);

let module: NodeFFI | undefined;
function nodeFfi(): NodeFFI {
  if (module !== undefined) return module;
  const reason = unavailable();
  if (reason !== undefined) throw new Error(reason);
  module = (process as { getBuiltinModule(id: string): unknown })
    .getBuiltinModule("node:ffi") as NodeFFI;
  return module;
}

/** Why node:ffi cannot be used in this process, or undefined if it can. */
function unavailable(): string | undefined {
  const version = `this is Node ${process.versions.node}`;
  if (!atLeast(FIRST_VERSION)) {
    return `zmq-ffi needs Node 26.1 or later, which has node:ffi (${version}): ` +
      "install a current Node from https://nodejs.org (or your version " +
      "manager: nvm install 26), or run the program with Deno or Bun.";
  }
  const getBuiltinModule = (process as {
    getBuiltinModule?(id: string): unknown;
  }).getBuiltinModule;
  if (getBuiltinModule?.("node:ffi") === undefined) {
    return atLeast(DEFAULT_ON_VERSION)
      ? `node:ffi is turned off (${version}): remove --no-experimental-ffi ` +
        "from the node command line or NODE_OPTIONS."
      : `node:ffi is experimental in ${process.versions.node}: run node with ` +
        "--experimental-ffi (on by default from Node 26.9).";
  }
  const permission = (process as {
    permission?: { has(scope: string): boolean };
  }).permission;
  if (permission !== undefined && !permission.has("ffi")) {
    return "zmq-ffi needs permission to load libzmq: the permission model " +
      "is on (--permission), so add --allow-ffi (it loads libzmq and libc) " +
      "and --allow-worker (the library's watcher thread), e.g. " +
      '"node --permission --allow-fs-read=* --allow-ffi --allow-worker ' +
      'main.ts".';
  }
  return undefined;
}

const nodeTypes: Record<NativeType, string> = {
  void: "void",
  i16: "int16",
  i32: "int32",
  u32: "uint32",
  i64: "int64",
  usize: "uint64",
  pointer: "pointer",
  buffer: "pointer",
};

// Addresses of the typed arrays handed to C, so that a scratch buffer passed
// on every call costs a lookup instead of a getRawPointer (~80 ns). The
// address stays valid while the array lives: node:ffi moves a small array's
// bytes off V8's heap when it first takes its address, and they stay there.
const addresses = new WeakMap<ArrayBufferView, bigint>();

function addressOf(view: ArrayBufferView | null): bigint {
  // NULL where C takes one (zmq_socket_monitor's endpoint, to stop it).
  if (view === null) return 0n;
  const known = addresses.get(view);
  // A detached buffer reads as empty: ask again, so that node:ffi refuses it.
  if (known !== undefined && view.byteLength !== 0) return known;
  const address = nodeFfi().getRawPointer(view);
  addresses.set(view, address);
  return address;
}

type Convert = (value: never) => unknown;
const same = (value: unknown) => value;
const fromPointer = (value: bigint | null) => value ?? 0n;
// node:ffi refuses -0 as an integer, and arithmetic makes it easily.
const integer = (value: number | bigint) => value === 0 ? 0 : value;
const converters: Record<NativeType, Convert> = {
  void: same,
  i16: integer,
  i32: integer,
  u32: integer,
  i64: integer,
  usize: same,
  pointer: fromPointer,
  buffer: addressOf,
};

const toPointer = (value: bigint) => value === 0n ? null : value;

// One closure per arity: a fixed argument list keeps V8 off the rest-argument
// path (at most four parameters in ffi/symbols.ts).
function adapt(call: NodeFunction, definition: SymbolDefinition): unknown {
  const convert = definition.parameters.map((type) =>
    converters[type]
  ) as ((value: unknown) => unknown)[];
  const result = (definition.result === "pointer" ? toPointer : same) as (
    value: unknown,
  ) => unknown;
  if (result === same && convert.every((fn) => fn === same)) return call;
  const [a = same, b = same, c = same, d = same] = convert;
  switch (convert.length) {
    case 0:
      return () => result(call());
    case 1:
      return (x: unknown) => result(call(a(x)));
    case 2:
      return (x: unknown, y: unknown) => result(call(a(x), b(y)));
    case 3:
      return (x: unknown, y: unknown, z: unknown) =>
        result(call(a(x), b(y), c(z)));
    case 4:
      return (x: unknown, y: unknown, z: unknown, w: unknown) =>
        result(call(a(x), b(y), c(z), d(w)));
    default:
      throw new RangeError(
        `${definition.name ?? "a function"} has more than 4 parameters`,
      );
  }
}

// node:ffi closes a library whose handle is collected: keep every handle.
const libraries: DynamicLibrary[] = [];

let loopPoll: LoopPoll | null | undefined;

// Lending C memory as an ArrayBuffer is safe only if no program can detach
// or transfer it: a detached buffer is collected while the memory lives on
// under another, and freeing it then would leave that one dangling. Node
// marks such a buffer with markAsUntransferable, after which transfer(),
// structuredClone and postMessage throw. Checked once, on memory of ours
// that stays alive, so that a Node that behaves otherwise copies instead.
let lendable: boolean | undefined;
const probeMemory = new Uint8Array(new ArrayBuffer(16));
const probes: ArrayBuffer[] = [];
function lendingHolds(ffi: NodeFFI): boolean {
  const address = ffi.getRawPointer(probeMemory);
  const attempts = [
    (buffer: ArrayBuffer) => buffer.transfer(),
    (buffer: ArrayBuffer) => structuredClone(buffer, { transfer: [buffer] }),
  ];
  for (const attempt of attempts) {
    const buffer = ffi.toArrayBuffer(address, probeMemory.length, false);
    probes.push(buffer);
    markAsUntransferable(buffer);
    try {
      probes.push(attempt(buffer));
      return false;
    } catch {
      if (buffer.detached || buffer.byteLength !== probeMemory.length) {
        return false;
      }
    }
  }
  return true;
}

/** The Node implementation of {@link Backend}. */
export const backend: Backend = {
  runtime: "node",
  // A typed array argument costs a lookup of its address (see addressOf).
  tuning: { messageByAddress: true, copyOutFrames: true },
  os: process.platform === "win32" ? "windows" : process.platform,
  unavailable,
  open<S extends Record<string, SymbolDefinition>>(
    path: string,
    definitions: S,
  ): LoadedSymbols<S> {
    const ffi = nodeFfi();
    const library = new ffi.DynamicLibrary(path);
    libraries.push(library);
    let aliases: DynamicLibrary | undefined;
    const bound: Record<string, unknown> = {};
    for (const [key, definition] of Object.entries(definitions)) {
      const signature = {
        arguments: definition.parameters.map((type) => nodeTypes[type]),
        return: nodeTypes[definition.result],
      };
      const name = definition.name ?? key;
      let call: NodeFunction;
      try {
        call = library.getFunction(name, signature);
      } catch (error) {
        try {
          // One handle binds a function once per signature: an alias with
          // other types takes a second handle of the same library.
          if (definition.name === undefined) throw error;
          if (aliases === undefined) {
            aliases = new ffi.DynamicLibrary(path);
            libraries.push(aliases);
          }
          call = aliases.getFunction(name, signature);
        } catch (aliasError) {
          // dlopen with a table fails as a whole when one symbol is missing,
          // hence one getFunction per symbol: a missing optional one is
          // skipped.
          if (definition.optional) continue;
          throw aliasError;
        }
      }
      bound[key] = adapt(call, definition);
    }
    return bound as LoadedSymbols<S>;
  },
  readCString(pointer: Pointer | null): string {
    if (pointer === null) return "";
    return nodeFfi().toString(pointer as unknown as bigint);
  },
  copyOut(pointer: Pointer | null, length: number): Uint8Array {
    if (length === 0 || pointer === null) return new Uint8Array(0);
    return new Uint8Array(
      nodeFfi().toArrayBuffer(pointer as unknown as bigint, length, true),
    );
  },
  pointerOf(buffer: ArrayBufferView): Pointer {
    return addressOf(buffer) as unknown as Pointer;
  },
  pointerToBigInt(pointer: Pointer | null): bigint {
    return pointer === null ? 0n : pointer as unknown as bigint;
  },
  pointerFromBigInt(value: bigint): Pointer | null {
    return value === 0n ? null : value as unknown as Pointer;
  },
  lend(pointer: Pointer, length: number): ArrayBuffer | null {
    // A worker's end (terminate() included) runs no finalizer: what it had
    // lent would stay allocated for good.
    if (!isMainThread) return null;
    const ffi = nodeFfi();
    lendable ??= lendingHolds(ffi);
    if (!lendable) return null;
    const buffer = ffi.toArrayBuffer(
      pointer as unknown as bigint,
      length,
      false,
    );
    markAsUntransferable(buffer);
    return buffer;
  },
  env(name: string): string | undefined {
    return process.env[name];
  },
  loopPoll(): LoopPoll | null {
    if (loopPoll === undefined) {
      try {
        loopPoll = createLoopPoll(nodeFfi());
      } catch {
        // No libuv symbols or callbacks here: the watcher thread serves.
        loopPoll = null;
      }
    }
    return loopPoll;
  },
};
