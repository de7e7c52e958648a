/**
 * The runtime-neutral FFI interface. `ffi/deno.ts`, `ffi/bun.ts` and
 * `ffi/node.ts` implement it; nothing else in the library knows which runtime
 * it runs on.
 *
 * @module
 */
import type { NativeType, SymbolDefinition } from "./symbols.ts";

declare const pointerBrand: unique symbol;

/** An opaque C pointer as the runtime represents it. Never do arithmetic on it. */
export type Pointer = { readonly [pointerBrand]: true };

/** A typed array handed to C for the duration of one call. */
export type NativeBuffer =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | BigUint64Array
  | BigInt64Array;

type ParameterValue<T extends NativeType> = T extends "i16" | "i32" | "u32"
  ? number
  : T extends "i64" ? number | bigint
  : T extends "usize" ? bigint
  : T extends "pointer" ? Pointer | null
  : T extends "buffer" ? NativeBuffer
  : never;

type ResultValue<T extends NativeType> = T extends "void" ? void
  : T extends "i16" | "i32" | "u32" ? number
  : T extends "i64" | "usize" ? number | bigint
  : T extends "pointer" ? Pointer | null
  : never;

type Parameters<P extends readonly NativeType[]> = {
  -readonly [K in keyof P]: ParameterValue<P[K]>;
};

/** A callable C function with the JavaScript types of its signature. */
export type NativeFunction<D extends SymbolDefinition> = (
  ...args: Parameters<D["parameters"]>
) => ResultValue<D["result"]>;

/** The functions of a loaded library; optional symbols may be missing. */
export type LoadedSymbols<S extends Record<string, SymbolDefinition>> =
  & {
    readonly [K in keyof S as S[K] extends { optional: true } ? never : K]:
      NativeFunction<S[K]>;
  }
  & {
    readonly [K in keyof S as S[K] extends { optional: true } ? K : never]?:
      NativeFunction<S[K]>;
  };

/** What the library needs from a runtime's FFI. */
export interface Backend {
  /** Which runtime this is. */
  readonly runtime: "deno" | "bun" | "node";
  /** The operating system, as `"linux"`, `"darwin"`, `"windows"`, ... */
  readonly os: string;
  /**
   * Why this process cannot call C at all (an old runtime, FFI turned off or
   * not permitted), as a message that says what to do; undefined if it can.
   */
  unavailable?(): string | undefined;
  /** Opens a shared library and binds the given symbols; throws when it cannot. */
  open<S extends Record<string, SymbolDefinition>>(
    path: string,
    definitions: S,
  ): LoadedSymbols<S>;
  /** Reads a NUL-terminated UTF-8 string at a pointer (empty for null). */
  readCString(pointer: Pointer | null): string;
  /** Copies `length` bytes at a pointer into a new Uint8Array that JavaScript owns. */
  copyOut(pointer: Pointer | null, length: number): Uint8Array;
  /**
   * The address of a typed array's memory, valid while the array lives. Its
   * buffer must be an `ArrayBuffer` made with `new ArrayBuffer()`, which
   * never moves (V8 keeps small typed arrays made by length on its heap).
   */
  pointerOf(buffer: NativeBuffer): Pointer;
  /** A pointer as a bigint, to pass to another thread or to write into a C struct. */
  pointerToBigInt(pointer: Pointer | null): bigint;
  /** Rebuilds a pointer from {@link Backend.pointerToBigInt}'s value. */
  pointerFromBigInt(value: bigint): Pointer | null;
  /**
   * Wraps `length` bytes of C memory at `pointer` in an ArrayBuffer, without
   * copying, that no program can detach or transfer (they throw), so that
   * the memory may be freed once the buffer has been collected. Null when
   * this runtime or thread cannot promise that: only a thread whose end is
   * the process's end lends (a worker's end would leak what it lent).
   */
  lend?(pointer: Pointer, length: number): ArrayBuffer | null;
  /** Reads an environment variable, or undefined when absent or not permitted. */
  env(name: string): string | undefined;
  /** How the library's hot paths should call this runtime's FFI (measured per runtime). */
  readonly tuning: Tuning;
  /**
   * Readiness of descriptors from this thread's own event loop, where the
   * runtime lets C reach it (Node's main thread: libuv's uv_poll), so that
   * no watcher thread has to wake this one; null elsewhere.
   */
  loopPoll?(): LoopPoll | null;
}

/**
 * Descriptors watched by the runtime's event loop, one-shot: a started
 * handle calls back once, on this thread, from a task of the loop (so that
 * microtasks run after it), then is stopped.
 */
export interface LoopPoll {
  /**
   * Starts tracking `fd` (not yet waiting); returns a handle, or null when
   * the loop cannot watch it (a regular file, which is always ready).
   */
  open(fd: number): number | null;
  /**
   * Waits for `events` (poll(2) bits: POLLIN 1, POLLOUT 4) and calls `ready`
   * once with poll(2)-style revents (POLLERR 8 when the loop reports an
   * error); replaces an earlier start.
   */
  start(handle: number, events: number, ready: (revents: number) => void): void;
  /** Stops waiting; a started handle that has not called back never will. */
  stop(handle: number): void;
  /** Whether the handle, while started, keeps the process alive. */
  keepAlive(handle: number, keep: boolean): void;
  /** Stops and releases the handle; call before the descriptor is closed. */
  close(handle: number): void;
}

/**
 * Per-runtime choices of the hot paths, so that code outside `ffi/` never
 * asks which runtime it is on.
 */
export interface Tuning {
  /**
   * Pass a socket's zmq_msg_t to the receive functions by address (the `_at`
   * aliases) rather than as a typed array: cheaper on Deno.
   */
  readonly messageByAddress: boolean;
  /**
   * Copy a received frame out with {@link Backend.copyOut} (one call that
   * allocates and copies) rather than a new array and memcpy: cheaper on
   * Node, where allocating and calling cost more.
   */
  readonly copyOutFrames: boolean;
}
