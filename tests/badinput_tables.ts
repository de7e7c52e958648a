// The tables and checks the bad-input suites share (badinput*.test.ts).
import assert from "node:assert/strict";
import { once } from "node:events";
import { connect as tcpConnect } from "node:net";
import {
  Dealer,
  Pair,
  Publisher,
  Pull,
  Push,
  Reply,
  Request,
  Router,
  type Socket,
  Stream,
  Subscriber,
  XPublisher,
  XSubscriber,
  ZmqError,
} from "../mod.ts";
import {
  endpoint,
  publishUntilReceived,
  receiveWithin,
  text,
  texts,
  within,
} from "./helpers.ts";

// deno-lint-ignore no-explicit-any
export type Loose = Record<string, any>;

export const bounded = { timeout: 60000 };
export const WAIT = 5000;

/** Messages a JavaScript engine gives when a library forgot to check its input. */
export const engineMessage =
  /Cannot read (properties|private member)|is not a function|is not an object|undefined is not|null is not|Cannot convert|is not iterable|Maximum call stack|Cannot destructure|Invalid array length/;

/**
 * Whatever `action` threw or rejected with; undefined when it succeeded. A
 * promise still pending after 5 s counts as a failure of its own.
 */
export async function outcome(action: () => unknown): Promise<unknown> {
  try {
    const result = action();
    if (result instanceof Promise) {
      await within(result, WAIT, "an operation given bad input to settle");
    }
  } catch (error) {
    return error;
  }
  return undefined;
}

/** What is wrong with an error that bad input produced; null when it is fine. */
export function problem(error: unknown, endpoint?: string): string | null {
  if (error === undefined) return "no error";
  if (
    !(error instanceof TypeError || error instanceof RangeError ||
      error instanceof ZmqError)
  ) {
    return `${(error as Error)?.name}: ${(error as Error)?.message}`;
  }
  const message = error.message;
  if (engineMessage.test(message)) {
    return `unhelpful ${error.name}: ${message}`;
  }
  if (
    endpoint !== undefined && error instanceof ZmqError &&
    !message.includes(endpoint.slice(0, 200))
  ) {
    return `the message does not name the endpoint: ${message}`;
  }
  return null;
}

/**
 * Asserts `error` is what bad input should give: a TypeError, RangeError or
 * ZmqError with a message of our own (naming `endpoint` if there is one).
 */
export function assertHelpful(
  error: unknown,
  what: string,
  endpoint?: string,
): void {
  const wrong = problem(error, endpoint);
  assert.equal(wrong, null, `${what}: ${wrong}`);
}

/** Fails with every problem found, one per line. */
export function assertNoProblems(problems: string[], tried: number): void {
  assert.equal(
    problems.length,
    0,
    `${problems.length} of ${tried} bad calls were mishandled:\n  ${
      problems.join("\n  ")
    }`,
  );
}

/** Values that are never a valid endpoint: TypeError before libzmq is called. */
export const notEndpoints: unknown[] = [
  undefined,
  null,
  42,
  5n,
  true,
  {},
  [],
  ["inproc://x"],
  Symbol("endpoint"),
  () => "inproc://x",
  new String("inproc://x"),
  "",
  "\0",
  "inproc://a\0b",
];

/** Strings that are never a valid bind or connect endpoint. */
export const badEndpoints: string[] = [
  "foo://x",
  "garbage",
  "tcp://",
  "tcp://:",
  "tcp://nohost",
  "tcp://127.0.0.1",
  "tcp://;127.0.0.1:5555",
  "inproc://",
  "ipc://",
  `ipc:///tmp/${"x".repeat(200)}.sock`, // longer than sun_path
  // Out-of-range ports: libzmq would silently take them modulo 65536.
  "tcp://127.0.0.1:70000",
  "tcp://127.0.0.1:65536",
  "tcp://127.0.0.1:-1",
  "tcp://127.0.0.1:1.5",
  "tcp://127.0.0.1:99999999999",
];

/** Values of no option type at all. */
export const neverOptionValues: unknown[] = [
  undefined,
  null,
  {},
  [],
  Symbol("value"),
  () => 1,
  NaN,
  Infinity,
  -Infinity,
  2 ** 64,
  -(2 ** 64),
];

/** Out-of-range and wrong-type values per option type. */
export const badValuesByType: Record<string, unknown[]> = {
  number: ["1", true, 1n, 0.5, 2 ** 31, -(2 ** 31) - 1],
  int64: ["1", true, 0.5, 2 ** 53, -(2 ** 53) - 1, 2n ** 63n],
  bigint: ["1", true, -1, -1n, 0.5, 2n ** 64n],
  boolean: [0, 1, "true", "false", 1n],
  string: [1, true, 1n, new Uint8Array(1), ["a"]],
  binary: [1, true, 1n, ["a"], new ArrayBuffer(1)],
  key: [
    1,
    true,
    "short",
    "x".repeat(41),
    new Uint8Array(31),
    new ArrayBuffer(32),
  ],
  mechanism: ["plain", 1],
};

/** Bad argument lists for each public method, by name. */
export const badArguments: Record<string, unknown[][]> = {
  send: [
    [undefined],
    [{}],
    [[]],
    [Symbol("m")],
    [5n],
    [NaN],
    [["a", undefined]],
    [[["nested"]]],
    // deno-lint-ignore no-sparse-arrays
    [["a", , "c"]], // a hole is an undefined frame
    ["x", { signal: "not a signal" }],
    ["x", { signal: {} }],
  ],
  receive: [[{ signal: "not a signal" }], [{ signal: {} }]],
  getOption: [
    [undefined],
    [5],
    [{}],
    ["nope"],
    ["toString"],
    ["constructor"],
    [
      "hasOwnProperty",
    ],
    ["__proto__"],
    ["subscribe"],
  ],
  setOption: [
    [undefined, 1],
    [5, 1],
    ["nope", 1],
    ["toString", 1],
    ["constructor", 1],
    ["valueOf", 1],
    ["type", 1],
    ["lastEndpoint", "x"],
    ["linger", "1"],
    ["linger", -2],
  ],
  subscribe: [[5], [null], [undefined], [{}], [Symbol("s")], ["ok", 5]],
  unsubscribe: [[5], [null], [{}], ["ok", 5]],
};
badArguments.trySend = badArguments.send!.filter((args) => args.length === 1);
badArguments.sendSync = badArguments.trySend;
for (const name of ["bind", "bindSync", "connect"]) {
  badArguments[name] = [
    ...notEndpoints.map((value) => [value]),
    ...badEndpoints.map((value) => [value]),
  ];
}
for (const name of ["unbind", "unbindSync", "disconnect"]) {
  badArguments[name] = [
    ...notEndpoints.map((value) => [value]),
    ["inproc://never-bound"],
    ["tcp://127.0.0.1:9"],
  ];
}
// Router.connect's second argument.
export const badConnectOptions: unknown[][] = [
  ["inproc://x", null],
  ["inproc://x", 5],
  ["inproc://x", "peer"],
  ["inproc://x", { routingId: 5 }],
  ["inproc://x", { routingId: "" }],
  ["inproc://x", { routingId: "x".repeat(256) }],
  ["inproc://x", { routingId: null }],
];
/** What a method missing from badArguments is called with. */
export const junkArguments: unknown[][] = [
  [undefined],
  [null],
  [{}],
  [Symbol("junk")],
  [
    -1,
  ],
];
/** Methods that take no arguments (extra ones are ignored) or only report. */
export const noArguments = new Set([
  "constructor",
  "toJSON",
  "close",
  "tryReceive",
  "receiveSync",
  "closed",
  "context",
  "readable",
  "writable",
  "events",
]);

/** The public members of a socket: every method and accessor up its prototype chain. */
export function publicMembers(socket: Socket): Map<string, PropertyDescriptor> {
  const members = new Map<string, PropertyDescriptor>();
  for (
    let prototype = Object.getPrototypeOf(socket);
    prototype !== null && prototype !== Object.prototype;
    prototype = Object.getPrototypeOf(prototype)
  ) {
    for (const name of Object.getOwnPropertyNames(prototype)) {
      if (!members.has(name)) {
        members.set(name, Object.getOwnPropertyDescriptor(prototype, name)!);
      }
    }
  }
  return members;
}

/** Receives within WAIT ms; fails the test when nothing came. */
export async function receiveOne(
  socket: unknown,
  what: string,
): Promise<Uint8Array[]> {
  const message = await receiveWithin(socket as Pull, WAIT);
  assert.ok(message !== null, `nothing received: ${what}`);
  return message;
}

/**
 * Proves a socket still works: binds it to a fresh endpoint, connects a peer
 * of a matching type and exchanges a message in each direction it supports.
 */
export async function assertUsable(socket: Socket): Promise<void> {
  const loose = socket as unknown as Loose;
  assert.equal(socket.closed, false);
  if (socket instanceof Stream) {
    await socket.bind("tcp://127.0.0.1:*");
    const port = Number(socket.lastEndpoint.split(":").at(-1));
    const client = tcpConnect(port, "127.0.0.1");
    try {
      await once(client, "connect");
      const [id, notice] = await receiveOne(socket, "Stream connect notice");
      assert.equal(notice!.length, 0);
      client.write("raw");
      const [sameId, data] = await receiveOne(socket, "Stream data");
      assert.deepEqual(sameId, id);
      assert.equal(text(data), "raw");
    } finally {
      client.destroy();
    }
    return;
  }
  const address = endpoint("inproc");
  await socket.bind(address);
  const peer: Loose = socket instanceof Pair
    ? new Pair()
    : socket instanceof Publisher || socket instanceof XPublisher
    ? new Subscriber()
    : socket instanceof Subscriber || socket instanceof XSubscriber
    ? new Publisher()
    : socket instanceof Request
    ? new Reply()
    : socket instanceof Reply
    ? new Request()
    : socket instanceof Dealer
    ? new Router()
    : socket instanceof Router
    ? new Dealer({ routingId: "peer" })
    : socket instanceof Pull
    ? new Push()
    : new Pull();
  try {
    peer.connect(address);
    if (socket instanceof Publisher || socket instanceof XPublisher) {
      peer.subscribe();
      if (socket instanceof XPublisher) {
        const [subscription] = await receiveOne(loose, "subscription");
        assert.deepEqual([...subscription!], [1]);
      }
      const got = await publishUntilReceived(
        loose as never,
        peer as never,
        "up",
      );
      assert.deepEqual(texts(got), ["up"]);
    } else if (socket instanceof Subscriber || socket instanceof XSubscriber) {
      if (socket instanceof Subscriber) socket.subscribe();
      else await loose.send(new Uint8Array([1]));
      const got = await publishUntilReceived(
        peer as never,
        loose as never,
        "up",
      );
      assert.deepEqual(texts(got), ["up"]);
    } else if (socket instanceof Pull) {
      await peer.send("up");
      assert.deepEqual(texts(await receiveOne(loose, "pull")), ["up"]);
    } else if (socket instanceof Push) {
      await loose.send("down");
      assert.deepEqual(texts(await receiveOne(peer, "push")), ["down"]);
    } else if (socket instanceof Router) {
      await peer.send("up");
      const [id, body] = await receiveOne(loose, "router");
      assert.equal(text(id), "peer");
      assert.equal(text(body), "up");
      await loose.send([id, "down"]);
      assert.deepEqual(texts(await receiveOne(peer, "dealer")), ["down"]);
    } else if (socket instanceof Dealer) {
      await loose.send("up");
      const [id, body] = await receiveOne(peer, "router");
      assert.equal(text(body), "up");
      await peer.send([id, "down"]);
      assert.deepEqual(texts(await receiveOne(loose, "dealer")), ["down"]);
    } else if (socket instanceof Reply) {
      await peer.send("question");
      assert.deepEqual(texts(await receiveOne(loose, "rep")), ["question"]);
      await loose.send("answer");
      assert.deepEqual(texts(await receiveOne(peer, "req")), ["answer"]);
    } else {
      // Pair and Request send first.
      await loose.send("question");
      assert.deepEqual(texts(await receiveOne(peer, "peer")), ["question"]);
      await peer.send("answer");
      assert.deepEqual(texts(await receiveOne(loose, "answer")), ["answer"]);
    }
  } finally {
    peer.close();
  }
}
