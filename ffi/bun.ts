/**
 * {@link Backend} on `bun:ffi`. Deno never loads this file.
 *
 * @module
 */
import type { Backend, LoadedSymbols, Pointer } from "./backend.ts";
import type { NativeType, SymbolDefinition } from "./symbols.ts";

// The slice of bun:ffi this file uses. It is loaded with Bun's `require` so
// that Deno, which type-checks and may bundle this file, never resolves it.
interface FFIFunction {
  args: string[];
  returns: string;
}
interface BunFFI {
  dlopen(
    path: string,
    symbols: Record<string, FFIFunction>,
  ): { symbols: Record<string, unknown> };
  CString: new (pointer: number) => { toString(): string };
  toArrayBuffer(pointer: number, offset: number, length: number): ArrayBuffer;
  ptr(view: ArrayBufferView): number;
}
declare const require: (id: string) => unknown;
const isBun = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined";
const ffi = (isBun ? require("bun:ffi") : undefined) as BunFFI;

const nativeTypes: Record<NativeType, string> = {
  void: "void",
  i16: "i16",
  i32: "i32",
  u32: "u32",
  i64: "i64",
  usize: "u64",
  pointer: "ptr",
  buffer: "ptr",
};

function toBun(definition: SymbolDefinition): FFIFunction {
  return {
    args: definition.parameters.map((type) => nativeTypes[type]),
    returns: nativeTypes[definition.result],
  };
}

/** The Bun implementation of {@link Backend}. */
export const backend: Backend = {
  runtime: "bun",
  tuning: { messageByAddress: false, copyOutFrames: false },
  os: isBun && process.platform === "win32"
    ? "windows"
    : String(isBun ? process.platform : ""),
  open<S extends Record<string, SymbolDefinition>>(
    path: string,
    definitions: S,
  ): LoadedSymbols<S> {
    const required: Record<string, FFIFunction> = {};
    const optional: Record<string, FFIFunction> = {};
    const aliases: [string, string, FFIFunction][] = [];
    for (const [name, definition] of Object.entries(definitions)) {
      if (definition.name) {
        aliases.push([name, definition.name, toBun(definition)]);
      } else {(definition.optional ? optional : required)[name] = toBun(
          definition,
        );}
    }
    const bound: Record<string, unknown> = {
      ...ffi.dlopen(path, required).symbols,
    };
    // An alias binds the same C function again with other types.
    for (const [alias, name, fn] of aliases) {
      bound[alias] = ffi.dlopen(path, { [name]: fn }).symbols[name];
    }
    // Bun refuses a whole dlopen when one symbol is missing: probe optional
    // ones one at a time (the library is reference-counted, not reloaded).
    for (const [name, fn] of Object.entries(optional)) {
      try {
        bound[name] = ffi.dlopen(path, { [name]: fn }).symbols[name];
      } catch {
        // absent from this build
      }
    }
    return bound as LoadedSymbols<S>;
  },
  readCString(pointer: Pointer | null): string {
    if (pointer === null || (pointer as unknown as number) === 0) return "";
    return new ffi.CString(pointer as unknown as number).toString();
  },
  copyOut(pointer: Pointer | null, length: number): Uint8Array {
    if (length === 0 || pointer === null) return new Uint8Array(0);
    return new Uint8Array(
      ffi.toArrayBuffer(pointer as unknown as number, 0, length),
    ).slice();
  },
  pointerOf(buffer: ArrayBufferView): Pointer {
    return ffi.ptr(buffer) as unknown as Pointer;
  },
  pointerToBigInt(pointer: Pointer | null): bigint {
    return pointer === null ? 0n : BigInt(pointer as unknown as number);
  },
  pointerFromBigInt(value: bigint): Pointer | null {
    return value === 0n ? null : Number(value) as unknown as Pointer;
  },
  env(name: string): string | undefined {
    return process.env[name];
  },
};
