/**
 * Finds and loads libzmq (and libc, for the poller thread) on the current
 * runtime. Loading is lazy: importing the library never fails, the first call
 * that needs libzmq does, with an error that says how to install it.
 *
 * @module
 */
import type { Backend, LoadedSymbols, Pointer } from "./backend.ts";
import { backend as bunBackend } from "./bun.ts";
import { backend as denoBackend } from "./deno.ts";
import { backend as nodeBackend } from "./node.ts";
import { libcSymbols, symbols } from "./symbols.ts";

/** The backend of the runtime we are on (Deno and Bun also look like Node). */
export const backend: Backend =
  typeof (globalThis as { Bun?: unknown }).Bun !== "undefined"
    ? bunBackend
    : typeof (globalThis as { Deno?: unknown }).Deno !== "undefined"
    ? denoBackend
    : nodeBackend;

/** libzmq's functions, bound for this runtime. */
export type Libzmq = LoadedSymbols<typeof symbols>;
/** The libc functions the poller thread uses. */
export type Libc = LoadedSymbols<typeof libcSymbols>;

/** The environment variable that names the libzmq file to load. */
export const LIBRARY_PATH_VARIABLE = "ZMQ_LIBRARY_PATH";

/**
 * Thrown when libzmq cannot be loaded: lists every path tried, why each
 * failed, and how to install libzmq on this system.
 */
export class LibraryLoadError extends Error {
  /** The paths that were tried, in order. */
  readonly tried: readonly string[];
  /** Creates the error with its message and the paths tried. */
  constructor(message: string, tried: readonly string[]) {
    super(message);
    this.name = "LibraryLoadError";
    this.tried = tried;
  }
}

/** The file names and paths tried for libzmq on an OS, most likely first. */
export function libzmqCandidates(os: string): string[] {
  switch (os) {
    case "darwin":
      return [
        "/opt/homebrew/lib/libzmq.5.dylib",
        "/usr/local/lib/libzmq.5.dylib",
        "/opt/local/lib/libzmq.5.dylib",
        "libzmq.5.dylib",
        "libzmq.dylib",
      ];
    case "windows":
      return [
        "libzmq.dll",
        "libzmq-mt-4_3_5.dll",
        "libzmq-v143-mt-4_3_5.dll",
        "libzmq-v142-mt-4_3_4.dll",
        "libzmq-mt-4_3_4.dll",
        "zmq.dll",
      ];
    default:
      return [
        "libzmq.so.5",
        "/usr/lib/x86_64-linux-gnu/libzmq.so.5",
        "/usr/lib/aarch64-linux-gnu/libzmq.so.5",
        "/usr/lib64/libzmq.so.5",
        "/usr/lib/libzmq.so.5",
        "/usr/local/lib/libzmq.so.5",
        "libzmq.so",
      ];
  }
}

const installHelp = [
  "Install libzmq (ZeroMQ 4.x):",
  "  Debian/Ubuntu:  sudo apt-get install libzmq5",
  "  Fedora/RHEL:    sudo dnf install zeromq",
  "  Alpine:         apk add zeromq",
  "  Arch:           sudo pacman -S zeromq",
  "  macOS:          brew install zeromq",
  "  Windows:        vcpkg install zeromq (then put libzmq*.dll on PATH)",
  `or set ${LIBRARY_PATH_VARIABLE} to the full path of the libzmq shared library.`,
].join("\n");

function describe(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n", 1)[0] ?? "";
}

function isPermissionError(error: unknown): boolean {
  const name = error instanceof Error ? error.name : "";
  return name === "NotCapable" || name === "PermissionDenied";
}

let libzmq: Libzmq | undefined;
let libzmqPath = "";

/** The path libzmq was loaded from (empty before the first load). */
export function loadedLibraryPath(): string {
  return libzmqPath;
}

/** Loads libzmq once and returns its bound functions; throws {@link LibraryLoadError}. */
export function loadLibzmq(): Libzmq {
  if (libzmq !== undefined) return libzmq;
  const reason = backend.unavailable?.();
  if (reason !== undefined) throw new LibraryLoadError(reason, []);
  const override = backend.env(LIBRARY_PATH_VARIABLE);
  const candidates = override ? [override] : libzmqCandidates(backend.os);
  const failures: string[] = [];
  for (const path of candidates) {
    try {
      libzmq = backend.open(path, symbols);
      libzmqPath = path;
      libzmqHandle = pin(path);
      return libzmq;
    } catch (error) {
      if (isPermissionError(error)) {
        throw new LibraryLoadError(
          "zmq-ffi needs permission to load libzmq: run Deno with " +
            '--allow-ffi --allow-read, e.g. "deno run --allow-ffi ' +
            '--allow-read main.ts" (--allow-ffi loads libzmq and libc, ' +
            "--allow-read lets the library start its watcher thread from its " +
            "files; add --allow-env to honour ZMQ_LIBRARY_PATH). " +
            `(${describe(error)})`,
          [path],
        );
      }
      failures.push(`  ${path}: ${describe(error)}`);
    }
  }
  const source = override
    ? `${LIBRARY_PATH_VARIABLE}=${override} could not be loaded`
    : "libzmq could not be found";
  throw new LibraryLoadError(
    `${source}. Tried:\n${failures.join("\n")}\n${installHelp}`,
    candidates,
  );
}

// libzmq's I/O threads keep running until a context is terminated, and the
// default context never is. Deno unloads FFI libraries when it exits, which
// would unmap code those threads are running (a crash at exit). Opening the
// library once more with RTLD_NODELETE keeps it mapped until the process ends.
function pin(path: string): Pointer | null {
  if (backend.os === "windows") return null;
  const RTLD_NOW = 2;
  const RTLD_NODELETE = backend.os === "darwin" ? 0x80 : 0x1000;
  try {
    return loadLibc().dlopen?.(
      new TextEncoder().encode(path + "\0"),
      RTLD_NOW | RTLD_NODELETE,
    ) ?? null;
  } catch {
    // No libc dlopen: nothing to pin with; exits may then race the I/O threads.
    return null;
  }
}

let libzmqHandle: Pointer | null = null;
let libcHandle: Pointer | null | undefined;
let libcPath = "";

/**
 * The address of a function of libzmq or of the C library, for C to call
 * (a pthread key's destructor), or null where dlsym is missing. Never call it
 * from JavaScript: its parameters are not described here.
 */
export function functionAddress(
  library: "libzmq" | "libc",
  name: string,
): Pointer | null {
  const c = loadLibc();
  if (c.dlsym === undefined || c.dlopen === undefined) return null;
  let handle: Pointer | null;
  if (library === "libzmq") {
    loadLibzmq();
    handle = libzmqHandle;
  } else {
    const RTLD_NOW = 2;
    handle = libcHandle ??= c.dlopen(
      new TextEncoder().encode(libcPath + "\0"),
      RTLD_NOW,
    );
  }
  if (handle === null) return null;
  return c.dlsym(handle, new TextEncoder().encode(name + "\0"));
}

let libc: Libc | undefined;

/** Loads the C library for poll(2), pipe(2), read(2) and write(2). */
export function loadLibc(): Libc {
  if (libc !== undefined) return libc;
  const reason = backend.unavailable?.();
  if (reason !== undefined) throw new LibraryLoadError(reason, []);
  const candidates = backend.os === "darwin"
    ? ["libSystem.B.dylib", "/usr/lib/libSystem.B.dylib"]
    : ["libc.so.6", "libc.so", "/usr/lib/libc.so"];
  const failures: string[] = [];
  for (const path of candidates) {
    try {
      libc = backend.open(path, libcSymbols);
      libcPath = path;
      return libc;
    } catch (error) {
      failures.push(`  ${path}: ${describe(error)}`);
    }
  }
  throw new LibraryLoadError(
    `the C library could not be loaded. Tried:\n${failures.join("\n")}`,
    candidates,
  );
}
