/**
 * {@link Backend} on `Deno.dlopen`.
 *
 * @module
 */
import type { Backend, LoadedSymbols, Pointer } from "./backend.ts";
import type { NativeType, SymbolDefinition } from "./symbols.ts";

// The slice of Deno's API this file uses, declared here so that the file
// type-checks without Deno's global types (tsc, a Bun or Node project).
type DenoPointer = { readonly brand: unique symbol } | null;
interface ForeignFunction {
  name?: string;
  parameters: string[];
  result: string;
  optional: boolean;
}
interface DenoApi {
  build: { os: string };
  dlopen(
    path: string,
    symbols: Record<string, ForeignFunction>,
  ): { symbols: Record<string, unknown> };
  UnsafePointerView: {
    new (pointer: DenoPointer): { copyInto(destination: Uint8Array): void };
    getCString(pointer: DenoPointer): string;
  };
  UnsafePointer: {
    of(buffer: ArrayBufferView): DenoPointer;
    value(pointer: DenoPointer): number | bigint;
    create(value: bigint): DenoPointer;
  };
  permissions: {
    querySync(
      descriptor: { name: string; variable?: string; path?: string },
    ): { state: string };
  };
  env: { get(name: string): string | undefined };
}
// Read on use: Bun and Node load this file too, and never call it.
const deno = () => (globalThis as unknown as { Deno: DenoApi }).Deno;

const nativeTypes: Record<NativeType, string> = {
  void: "void",
  i16: "i16",
  i32: "i32",
  u32: "u32",
  i64: "i64",
  usize: "usize",
  pointer: "pointer",
  buffer: "buffer",
};

function toDeno(definition: SymbolDefinition): ForeignFunction {
  return {
    ...(definition.name ? { name: definition.name } : {}),
    parameters: definition.parameters.map((type) => nativeTypes[type]),
    result: nativeTypes[definition.result],
    optional: definition.optional ?? false,
  };
}

/** The Deno implementation of {@link Backend}. */
export const backend: Backend = {
  runtime: "deno",
  tuning: { messageByAddress: true, copyOutFrames: false },
  get os(): string {
    return deno().build.os;
  },
  open<S extends Record<string, SymbolDefinition>>(
    path: string,
    definitions: S,
  ): LoadedSymbols<S> {
    const foreign: Record<string, ForeignFunction> = {};
    for (const [name, definition] of Object.entries(definitions)) {
      foreign[name] = toDeno(definition);
    }
    const library = deno().dlopen(path, foreign);
    const bound: Record<string, unknown> = {};
    for (const [name, fn] of Object.entries(library.symbols)) {
      if (fn !== null) bound[name] = fn;
    }
    return bound as LoadedSymbols<S>;
  },
  readCString(pointer: Pointer | null): string {
    if (pointer === null) return "";
    return deno().UnsafePointerView.getCString(
      pointer as unknown as DenoPointer,
    );
  },
  copyOut(pointer: Pointer | null, length: number): Uint8Array {
    const out = new Uint8Array(length);
    if (length > 0 && pointer !== null) {
      const UnsafePointerView = deno().UnsafePointerView;
      new UnsafePointerView(pointer as unknown as DenoPointer).copyInto(out);
    }
    return out;
  },
  pointerOf(buffer: ArrayBufferView): Pointer {
    return deno().UnsafePointer.of(buffer) as unknown as Pointer;
  },
  pointerToBigInt(pointer: Pointer | null): bigint {
    return BigInt(
      deno().UnsafePointer.value(pointer as unknown as DenoPointer),
    );
  },
  pointerFromBigInt(value: bigint): Pointer | null {
    return deno().UnsafePointer.create(value) as unknown as Pointer | null;
  },
  env(name: string): string | undefined {
    const state = deno().permissions.querySync({ name: "env", variable: name });
    return state.state === "granted" ? deno().env.get(name) : undefined;
  },
};
