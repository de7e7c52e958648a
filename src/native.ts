/**
 * The one way src/ reaches the loaded C libraries: libzmq and libc are bound
 * on first use (importing the library never fails; the first socket does,
 * with an error that says how to install libzmq).
 *
 * @module
 */
import {
  backend,
  type Libc,
  type Libzmq,
  loadLibc,
  loadLibzmq,
} from "../ffi/load.ts";

export { backend };
export type { Libc, Libzmq };

let libzmq: Libzmq | undefined;
let libcFunctions: Libc | undefined;

/** libzmq's functions; throws LibraryLoadError when libzmq cannot be loaded. */
export function zmq(): Libzmq {
  return libzmq ??= loadLibzmq();
}

/** The C library's functions (memcpy, poll, epoll, pipes). */
export function libc(): Libc {
  return libcFunctions ??= loadLibc();
}
