/**
 * {@link Backend} on `Deno.dlopen`.
 *
 * @module
 */
import type { Backend, LoadedSymbols, Pointer } from "./backend.ts";
import type { NativeType, SymbolDefinition } from "./symbols.ts";

const nativeTypes: Record<NativeType, Deno.NativeResultType> = {
  void: "void",
  i16: "i16",
  i32: "i32",
  u32: "u32",
  i64: "i64",
  usize: "usize",
  pointer: "pointer",
  buffer: "buffer",
};

function toDeno(definition: SymbolDefinition): Deno.ForeignFunction {
  return {
    ...(definition.name ? { name: definition.name } : {}),
    parameters: definition.parameters.map((type) =>
      nativeTypes[type] as Deno.NativeType
    ),
    result: nativeTypes[definition.result],
    optional: definition.optional ?? false,
  };
}

/** The Deno implementation of {@link Backend}. */
export const backend: Backend = {
  runtime: "deno",
  tuning: { messageByAddress: true },
  get os(): string {
    return Deno.build.os;
  },
  open<S extends Record<string, SymbolDefinition>>(
    path: string,
    definitions: S,
  ): LoadedSymbols<S> {
    const foreign: Record<string, Deno.ForeignFunction> = {};
    for (const [name, definition] of Object.entries(definitions)) {
      foreign[name] = toDeno(definition);
    }
    const library = Deno.dlopen(path, foreign);
    const bound: Record<string, unknown> = {};
    for (const [name, fn] of Object.entries(library.symbols)) {
      if (fn !== null) bound[name] = fn;
    }
    return bound as LoadedSymbols<S>;
  },
  readCString(pointer: Pointer | null): string {
    if (pointer === null) return "";
    return Deno.UnsafePointerView.getCString(
      pointer as unknown as Deno.PointerObject,
    );
  },
  copyOut(pointer: Pointer | null, length: number): Uint8Array {
    const out = new Uint8Array(length);
    if (length > 0 && pointer !== null) {
      new Deno.UnsafePointerView(pointer as unknown as Deno.PointerObject)
        .copyInto(out);
    }
    return out;
  },
  pointerOf(buffer: ArrayBufferView): Pointer {
    return Deno.UnsafePointer.of(
      buffer as ArrayBufferView<ArrayBuffer>,
    ) as unknown as Pointer;
  },
  pointerToBigInt(pointer: Pointer | null): bigint {
    return BigInt(
      Deno.UnsafePointer.value(pointer as Deno.PointerValue),
    );
  },
  pointerFromBigInt(value: bigint): Pointer | null {
    return Deno.UnsafePointer.create(value) as Pointer | null;
  },
  env(name: string): string | undefined {
    const state = Deno.permissions.querySync({ name: "env", variable: name });
    return state.state === "granted" ? Deno.env.get(name) : undefined;
  },
};
