/**
 * Error codes: the stable names a ZmqError carries, and the errno values
 * behind them on each OS (Linux, the BSD family with macOS, Windows) and in
 * libzmq's own range.
 *
 * @module
 */
import { HAUSNUMERO } from "../ffi/constants.ts";
import { backend } from "../ffi/load.ts";

/** The stable error codes a {@link ZmqError} may carry. */
export type ErrorCode =
  | "EPERM"
  | "ENOENT"
  | "EINTR"
  | "EBADF"
  | "EAGAIN"
  | "ENOMEM"
  | "EACCES"
  | "EFAULT"
  | "EBUSY"
  | "EEXIST"
  | "ENODEV"
  | "EINVAL"
  | "EMFILE"
  | "ENOSPC"
  | "EPIPE"
  | "ENAMETOOLONG"
  | "ENOTSUP"
  | "EPROTONOSUPPORT"
  | "ENOBUFS"
  | "ENETDOWN"
  | "EADDRINUSE"
  | "EADDRNOTAVAIL"
  | "ECONNREFUSED"
  | "EINPROGRESS"
  | "ENOTSOCK"
  | "EMSGSIZE"
  | "EAFNOSUPPORT"
  | "ENETUNREACH"
  | "ECONNABORTED"
  | "ECONNRESET"
  | "ENOTCONN"
  | "ETIMEDOUT"
  | "EHOSTUNREACH"
  | "ENETRESET"
  | "EFSM"
  | "ENOCOMPATPROTO"
  | "ETERM"
  | "EMTHREAD"
  | "ECLOSED"
  | "EABORT"
  | "ENODRAFT"
  | "EUNKNOWN";

type Table = Partial<Record<ErrorCode, number>>;

const common: Table = {
  EPERM: 1,
  ENOENT: 2,
  EINTR: 4,
  EBADF: 9,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  ENODEV: 19,
  EINVAL: 22,
  EMFILE: 24,
  ENOSPC: 28,
  EPIPE: 32,
};

// errno differs per OS: Linux, the BSD family (macOS), and the MSVC runtime.
const perOs: Record<string, Table> = {
  linux: {
    EAGAIN: 11,
    ENAMETOOLONG: 36,
    ENOTSOCK: 88,
    EMSGSIZE: 90,
    EPROTONOSUPPORT: 93,
    ENOTSUP: 95,
    EAFNOSUPPORT: 97,
    EADDRINUSE: 98,
    EADDRNOTAVAIL: 99,
    ENETDOWN: 100,
    ENETUNREACH: 101,
    ENETRESET: 102,
    ECONNABORTED: 103,
    ECONNRESET: 104,
    ENOBUFS: 105,
    ENOTCONN: 107,
    ETIMEDOUT: 110,
    ECONNREFUSED: 111,
    EHOSTUNREACH: 113,
    EINPROGRESS: 115,
  },
  bsd: {
    EAGAIN: 35,
    EINPROGRESS: 36,
    ENOTSOCK: 38,
    EMSGSIZE: 40,
    EPROTONOSUPPORT: 43,
    ENOTSUP: 45,
    EAFNOSUPPORT: 47,
    EADDRINUSE: 48,
    EADDRNOTAVAIL: 49,
    ENETDOWN: 50,
    ENETUNREACH: 51,
    ENETRESET: 52,
    ECONNABORTED: 53,
    ECONNRESET: 54,
    ENOBUFS: 55,
    ENOTCONN: 57,
    ETIMEDOUT: 60,
    ECONNREFUSED: 61,
    ENAMETOOLONG: 63,
    EHOSTUNREACH: 65,
  },
  windows: {
    EAGAIN: 11,
    ENAMETOOLONG: 38,
    EADDRINUSE: 100,
    EADDRNOTAVAIL: 101,
    EAFNOSUPPORT: 102,
    ECONNABORTED: 106,
    ECONNREFUSED: 107,
    ECONNRESET: 108,
    EHOSTUNREACH: 110,
    EINPROGRESS: 112,
    EMSGSIZE: 115,
    ENETDOWN: 116,
    ENETRESET: 117,
    ENETUNREACH: 118,
    ENOBUFS: 119,
    ENOTCONN: 126,
    ENOTSOCK: 128,
    ENOTSUP: 129,
    EPROTONOSUPPORT: 135,
    ETIMEDOUT: 138,
  },
};

// zmq.h's own numbers: always these for EFSM..EMTHREAD, and the fallbacks it
// defines where the platform lacks an errno.
const libzmqOwn: Table = {
  ENOTSUP: HAUSNUMERO + 1,
  EPROTONOSUPPORT: HAUSNUMERO + 2,
  ENOBUFS: HAUSNUMERO + 3,
  ENETDOWN: HAUSNUMERO + 4,
  EADDRINUSE: HAUSNUMERO + 5,
  EADDRNOTAVAIL: HAUSNUMERO + 6,
  ECONNREFUSED: HAUSNUMERO + 7,
  EINPROGRESS: HAUSNUMERO + 8,
  ENOTSOCK: HAUSNUMERO + 9,
  EMSGSIZE: HAUSNUMERO + 10,
  EAFNOSUPPORT: HAUSNUMERO + 11,
  ENETUNREACH: HAUSNUMERO + 12,
  ECONNABORTED: HAUSNUMERO + 13,
  ECONNRESET: HAUSNUMERO + 14,
  ENOTCONN: HAUSNUMERO + 15,
  ETIMEDOUT: HAUSNUMERO + 16,
  EHOSTUNREACH: HAUSNUMERO + 17,
  ENETRESET: HAUSNUMERO + 18,
  EFSM: HAUSNUMERO + 51,
  ENOCOMPATPROTO: HAUSNUMERO + 52,
  ETERM: HAUSNUMERO + 53,
  EMTHREAD: HAUSNUMERO + 54,
};

function platformTable(os: string): Table {
  if (os === "linux" || os === "android") return perOs.linux!;
  if (os === "windows") return perOs.windows!;
  return perOs.bsd!;
}

let codesByErrno: Map<number, ErrorCode> | undefined;
let errnosByCode: Map<ErrorCode, number> | undefined;

function tables(): [Map<number, ErrorCode>, Map<ErrorCode, number>] {
  if (codesByErrno === undefined || errnosByCode === undefined) {
    codesByErrno = new Map();
    errnosByCode = new Map();
    // Later tables win for code -> errno; errno -> code keeps every entry.
    for (const table of [libzmqOwn, common, platformTable(backend.os)]) {
      for (const [code, errno] of Object.entries(table)) {
        codesByErrno.set(errno, code as ErrorCode);
        errnosByCode.set(code as ErrorCode, errno);
      }
    }
  }
  return [codesByErrno, errnosByCode];
}

/** The stable code for an errno value of this platform ("EUNKNOWN" when unknown). */
export function errorCode(errno: number): ErrorCode {
  return tables()[0].get(errno) ?? "EUNKNOWN";
}

/** The errno value of this platform for a code (undefined for codes without one). */
export function errnoOf(code: ErrorCode): number | undefined {
  return tables()[1].get(code);
}
