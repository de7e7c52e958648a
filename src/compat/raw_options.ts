/**
 * zeromq.js's escape hatches `get/set{Bool,Int32,Uint32,Int64,Uint64,String}Option(id)`:
 * an option by its ZMQ_ number, read or written with the given C type. They
 * go through the main API's option table (so its checks apply), plus
 * ZMQ_SUBSCRIBE / ZMQ_UNSUBSCRIBE, which zeromq.js's Subscriber sets this way.
 *
 * @module
 */
import { SocketOption } from "../../ffi/constants.ts";
import { ZmqError } from "../errors.ts";
import { type OptionName, type OptionSpec, socketOptions } from "../options.ts";
import type { Socket as MainSocket } from "../socket.ts";
import type { Subscriber as MainSubscriber } from "../sockets.ts";

/** The C type an escape hatch reads or writes. */
export type RawType =
  | "Bool"
  | "Int32"
  | "Uint32"
  | "Int64"
  | "Uint64"
  | "String";

const namesById = new Map<number, OptionName>(
  (Object.entries(socketOptions) as [OptionName, OptionSpec][]).map((
    [name, spec],
  ) => [spec.id, name]),
);

const mechanisms = [null, "plain", "curve", "gssapi"];

function optionName(id: unknown, operation: string): OptionName {
  if (typeof id !== "number") {
    throw new TypeError("Identifier must be a number");
  }
  const name = namesById.get(id);
  if (name === undefined) {
    throw new ZmqError(
      "EINVAL",
      `Invalid argument: option ${id} is not one this library knows (see socketOptions)`,
      { operation },
    );
  }
  return name;
}

/** Reads option `id` as the C type `type`, in zeromq.js's JavaScript form. */
export function getRawOption(
  socket: MainSocket,
  type: RawType,
  id: number,
): unknown {
  const value = socket.getOption(optionName(id, `get option ${id}`));
  switch (type) {
    case "Bool":
      return typeof value === "boolean" ? value : Boolean(value);
    case "String":
      if (value instanceof Uint8Array) {
        return value.length === 0 ? null : new TextDecoder().decode(value);
      }
      return value === "" || value === null ? null : String(value);
    default:
      if (typeof value === "boolean") return value ? 1 : 0;
      if (typeof value === "bigint") return Number(value);
      if (typeof value === "string" || value === null) {
        const index = mechanisms.indexOf(value);
        return index >= 0 ? index : value;
      }
      return value;
  }
}

/** Writes option `id` given as the C type `type`. */
export function setRawOption(
  socket: MainSocket,
  type: RawType,
  id: number,
  value: unknown,
): void {
  if (id === SocketOption.SUBSCRIBE || id === SocketOption.UNSUBSCRIBE) {
    const subscriber = socket as MainSubscriber;
    const change = id === SocketOption.SUBSCRIBE
      ? subscriber.subscribe
      : subscriber.unsubscribe;
    if (typeof change !== "function") {
      throw new ZmqError(
        "EINVAL",
        "Invalid argument: only a Subscriber subscribes",
        { operation: `set option ${id}` },
      );
    }
    const prefix = value as string | Uint8Array | null;
    if (prefix === null) change.call(subscriber);
    else change.call(subscriber, prefix);
    return;
  }
  const name = optionName(id, `set option ${id}`);
  const spec: OptionSpec = socketOptions[name];
  let converted = value;
  if (type === "String") {
    if (value === null) converted = "";
    else if (value instanceof Uint8Array && spec.type === "string") {
      converted = new TextDecoder().decode(value);
    }
  } else if (spec.type === "boolean" && typeof value === "number") {
    converted = value !== 0;
  } else if (spec.type === "number" && typeof value === "boolean") {
    converted = value ? 1 : 0;
  }
  socket.setOption(name, converted);
}
