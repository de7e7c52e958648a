/**
 * Socket options by zeromq.js v6's names and value types, as properties
 * over the main API's option table: `routingId` and string options read
 * `null` when unset, `affinity` is a number, the GSSAPI name types are
 * strings, and `interface` / `multicastMaxTransportDataUnit` keep zeromq.js's
 * names.
 *
 * @module
 */
import type { Socket as MainSocket } from "../socket.ts";
import {
  type OptionKeysFor,
  type OptionName,
  type OptionProperties,
  optionsFor,
  socketOptions,
  type SocketOptionTable,
  type SocketTypeName,
} from "../options.ts";

/** Main-API option names that zeromq.js spells differently (or not at all). */
const renamed = {
  multicastMaxTransportDataUnit: "multicastMaxTransportDataUnitSize",
  interface: "bindToDevice",
} as const;

/** The main-API option names that zeromq.js spells differently. */
export type RenamedOptionName =
  | "multicastMaxTransportDataUnitSize"
  | "bindToDevice";

/** The GSSAPI principal name types as zeromq.js names them. */
export type GssapiNameType = "hostBased" | "userName" | "krb5Principal";

const nameTypes: readonly GssapiNameType[] = [
  "hostBased",
  "userName",
  "krb5Principal",
];

/** The names of the options whose values are strings. */
export type StringOptionName = {
  [K in OptionName]: SocketOptionTable[K]["type"] extends "string" ? K
    : never;
}[OptionName];

/** The GSSAPI options whose values are name types. */
export type GssapiNameTypeOption =
  | "gssapiPrincipalNameType"
  | "gssapiServicePrincipalNameType";

/** The value type of an option in zeromq.js. */
export type CompatValue<K extends OptionName> = K extends "routingId"
  ? string | null
  : K extends StringOptionName ? string | null
  : K extends "affinity" ? number
  : K extends GssapiNameTypeOption ? GssapiNameType
  : OptionProperties[K];

/** The writable option names of socket type S that zeromq.js spells as we do. */
export type CompatWritableKeys<S extends SocketTypeName> = Exclude<
  OptionKeysFor<S, "rw" | "w">,
  RenamedOptionName
>;
/** The read-only option names of socket type S that zeromq.js spells as we do. */
export type CompatReadOnlyKeys<S extends SocketTypeName> = Exclude<
  OptionKeysFor<S, "r">,
  RenamedOptionName
>;

/** The zeromq.js options a socket of type S has that zeromq.js renamed. */
export interface RenamedOptions {
  /** ZMQ_MULTICAST_MAXTPDU: largest multicast transport data unit in bytes. */
  multicastMaxTransportDataUnit: number;
  /** ZMQ_BINDTODEVICE: the network interface the socket's traffic is bound to. */
  interface: string | null;
}

/** The option properties of a compat socket of type S. */
export type CompatOptionsOf<S extends SocketTypeName> =
  & Readonly<{ [K in CompatReadOnlyKeys<S>]: CompatValue<K> }>
  & { [K in CompatWritableKeys<S>]: CompatValue<K> }
  & RenamedOptions;

/** The options a compat socket of type S accepts at construction. */
export type CompatOptionsInit<S extends SocketTypeName> = Partial<
  & { [K in CompatWritableKeys<S>]: CompatValue<K> }
  & RenamedOptions
>;

function read(name: OptionName, value: unknown): unknown {
  if (name === "routingId") {
    const bytes = value as Uint8Array;
    return bytes.length === 0 ? null : new TextDecoder().decode(bytes);
  }
  if (name === "affinity") return Number(value);
  if (
    name === "gssapiPrincipalNameType" ||
    name === "gssapiServicePrincipalNameType"
  ) {
    return nameTypes[value as number] ?? value;
  }
  if (socketOptions[name].type === "string" && value === "") return null;
  return value;
}

function write(name: OptionName, value: unknown): unknown {
  if (
    name === "gssapiPrincipalNameType" ||
    name === "gssapiServicePrincipalNameType"
  ) {
    const index = nameTypes.indexOf(value as GssapiNameType);
    if (index < 0) {
      throw new TypeError(
        `Option '${name}' must be one of ${nameTypes.join(", ")}`,
      );
    }
    return index;
  }
  // zeromq.js clears a string option with null; the main API with "".
  if (socketOptions[name].type === "string" && value === null) return "";
  return value;
}

/**
 * Installs the option properties of socket type `kind` (or those of every
 * type, for "all") on a compat class,
 * each reading and writing the main-API socket that `inner` gives.
 */
export function defineCompatOptions(
  // deno-lint-ignore no-explicit-any
  socketClass: abstract new (...args: any[]) => object,
  kind: SocketTypeName | "all",
  inner: (socket: object) => MainSocket,
): void {
  const aliases = new Map<string, OptionName>(
    Object.entries(renamed) as [string, OptionName][],
  );
  const names = new Map<string, OptionName>();
  // "all": the options every socket type has (for the Socket base class).
  const own = kind === "all"
    ? (Object.keys(socketOptions) as OptionName[]).filter((name) =>
      socketOptions[name].on === "all"
    )
    : optionsFor(kind);
  for (const name of own) {
    if (!(Object.values(renamed) as string[]).includes(name)) {
      names.set(name, name);
    }
  }
  for (const [alias, name] of aliases) names.set(alias, name);
  for (const [property, name] of names) {
    const access = socketOptions[name].access;
    Object.defineProperty(socketClass.prototype, property, {
      get(this: object) {
        return read(name, inner(this).getOption(name));
      },
      set: access === "r" ? undefined : function (this: object, value) {
        inner(this).setOption(name, write(name, value));
      },
      enumerable: false,
      configurable: true,
    });
  }
}
