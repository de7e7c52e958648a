// The boundary, attacked: every place where a JavaScript value becomes a
// pointer and a length (frames, subscriptions, routing ids, keys, string
// options, endpoints, group names) gets values built to lie: views whose own
// properties or subclass getters lie about their size, detached and
// out-of-bounds views, resizable and shared buffers, Proxies, objects faking
// their type, arrays whose elements change or throw when read, strings with
// lone surrogates or NUL, traps where numbers are expected. And received
// frames get transferred and detached by the program.
//
// The contract (issue 16): a typed error (ZmqError with a code, TypeError,
// RangeError) or correct behaviour; never a crash, a hang, a half-sent or
// misdelivered message, or bytes the program did not mean to send. The probes
// that could crash the process run in a child (tests/fixtures/boundary_*.ts).
import { describe, test } from "./leakcheck.ts";
import assert from "node:assert/strict";
import {
  Authenticator,
  capability,
  curvePublicKey,
  Dealer,
  Pair,
  Poller,
  Publisher,
  Pull,
  Push,
  Reply,
  Request,
  Router,
  type Socket,
  socketOptions,
  Stream,
  Subscriber,
  XPublisher,
  XSubscriber,
  z85,
  ZmqError,
} from "../mod.ts";
import * as api from "../mod.ts";
import * as draftApi from "../draft.ts";
import { spawn } from "node:child_process";
import { createSocket } from "node:dgram";
import process from "node:process";
import { probes } from "./fixtures/boundary_probes.ts";
import {
  curveKeyPair,
  endpoint,
  gcFlags,
  modUrl,
  receiveWithin,
  runScript,
  runtime,
  text,
  texts,
  within,
  z85Decode,
} from "./helpers.ts";

// deno-lint-ignore no-explicit-any
type Loose = any;

const WAIT = 5000;
const encoder = new TextEncoder();
const utf8 = (value: string): Uint8Array => encoder.encode(value);

/** Messages a JavaScript engine gives when a library forgot to check its input. */
const engineMessage =
  /Cannot read (properties|private member)|is not a function|is not an object|undefined is not|null is not|Cannot convert|is not iterable|Cannot destructure/;

function show(bytes: Uint8Array | undefined): string {
  if (bytes === undefined) return "no frame";
  const head = JSON.stringify(text(bytes.subarray(0, 40)));
  return `${bytes.length} bytes ${head}${bytes.length > 40 ? "..." : ""}`;
}

/** Asserts the bytes are exactly `expected`, with a short message when not. */
function sameBytes(
  actual: Uint8Array | undefined,
  expected: Uint8Array,
  what: string,
): void {
  if (actual === undefined || actual.length !== expected.length) {
    assert.fail(`${what}: got ${show(actual)}, expected ${show(expected)}`);
  }
  const index = actual.findIndex((byte, at) => byte !== expected[at]);
  if (index >= 0) {
    assert.fail(
      `${what}: byte ${index} differs: got ${show(actual)}, expected ${
        show(expected)
      }`,
    );
  }
}

function sameFrames(
  actual: Uint8Array[] | null,
  expected: Uint8Array[],
  what: string,
): void {
  assert.ok(actual !== null, `${what}: nothing arrived`);
  assert.equal(
    actual.length,
    expected.length,
    `${what}: got ${actual.length} frames (${
      actual.map(show).join(", ")
    }), expected ${expected.length}`,
  );
  actual.forEach((frame, index) =>
    sameBytes(frame, expected[index]!, `${what}, frame ${index}`)
  );
}

function describeError(error: unknown): string {
  return error instanceof Error
    ? `${error.constructor.name}${
      error instanceof ZmqError ? ` ${error.code}` : ""
    }: ${error.message}`
    : `non-error ${String(error)}`;
}

function isTyped(error: unknown): boolean {
  return error instanceof TypeError || error instanceof RangeError ||
    (error instanceof ZmqError && typeof error.code === "string");
}

function assertTyped(error: unknown, what: string): void {
  if (!isTyped(error)) {
    assert.fail(
      `${what}: expected a TypeError, RangeError or ZmqError, got ${
        describeError(error)
      }`,
    );
  }
}

function assertKind(
  error: unknown,
  kind: typeof TypeError | typeof RangeError,
  what: string,
): void {
  if (!(error instanceof kind)) {
    assert.fail(`${what}: expected ${kind.name}, got ${describeError(error)}`);
  }
}

type Outcome = { threw: false; value: unknown } | {
  threw: true;
  error: unknown;
};

/**
 * What `action` did: its value (awaited, at most 5 s) or what it threw. A
 * promise still pending after 5 s fails the test as a hang.
 */
async function outcome(
  action: () => unknown,
  what: string,
  milliseconds = WAIT,
): Promise<Outcome> {
  let result: unknown;
  try {
    result = action();
  } catch (error) {
    return { threw: true, error };
  }
  if (!(result instanceof Promise)) return { threw: false, value: result };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = Symbol("hang");
  try {
    const value = await Promise.race([
      result,
      new Promise<typeof hang>((resolve) => {
        timer = setTimeout(() => resolve(hang), milliseconds);
      }),
    ]);
    if (value === hang) {
      assert.fail(`${what}: still pending after ${milliseconds} ms`);
    }
    return { threw: false, value };
  } catch (error) {
    if (error instanceof assert.AssertionError) throw error;
    return { threw: true, error };
  } finally {
    clearTimeout(timer);
  }
}

/** The action must throw (or reject with) `kind`. */
async function refuses(
  action: () => unknown,
  kind: typeof TypeError | typeof RangeError,
  what: string,
): Promise<void> {
  const result = await outcome(action, what);
  if (!result.threw) assert.fail(`${what}: accepted, expected ${kind.name}`);
  assertKind(result.error, kind, what);
}

// ---- hostile byte values ----------------------------------------------------

/** Bytes of another peer: what a lying view must never make us send. */
const SECRET = utf8("SECRET-OF-ANOTHER-PEER ".repeat(64)).buffer;

interface Made {
  value: unknown;
  /** The bytes the value truly holds (what must be used when it is accepted). */
  expected: Uint8Array;
}

interface ByteHostile {
  name: string;
  /** accept: its true bytes are used; refuse: TypeError before anything is sent. */
  verdict: "accept" | "refuse";
  /** A Uint8Array: APIs that take only Uint8Array must accept it. */
  uint8: boolean;
  make(content: Uint8Array): Made;
}

function lieAbout(view: object, lie: number): void {
  for (const key of ["length", "byteLength"]) {
    Object.defineProperty(view, key, { value: lie });
  }
  Object.defineProperty(view, "byteOffset", { value: 0 });
  Object.defineProperty(view, "buffer", { value: SECRET });
}

/** `content` at offset 16 of a larger buffer whose other bytes are "#". */
function embedded(content: Uint8Array): ArrayBuffer {
  const buffer = new ArrayBuffer(content.length + 32);
  new Uint8Array(buffer).fill(0x23);
  new Uint8Array(buffer, 16, content.length).set(content);
  return buffer;
}

function liarClass<T extends typeof Uint8Array | typeof Uint8ClampedArray>(
  base: T,
  lie: number,
): T {
  const Liar = class extends (base as typeof Uint8Array) {} as unknown as T;
  const lies = { length: lie, byteLength: lie, byteOffset: 0 };
  for (const [key, value] of Object.entries(lies)) {
    Object.defineProperty(Liar.prototype, key, { get: () => value });
  }
  Object.defineProperty(Liar.prototype, "buffer", { get: () => SECRET });
  return Liar;
}

function ownLie(lie: number): ByteHostile["make"] {
  return (content) => {
    const view = Uint8Array.from(content);
    lieAbout(view, lie);
    return { value: view, expected: content };
  };
}

function subclassLie(lie: number): ByteHostile["make"] {
  return (content) => {
    const Liar = liarClass(Uint8Array, lie);
    return {
      value: new Liar(embedded(content), 16, content.length),
      expected: content,
    };
  };
}

function detached(content: Uint8Array, how: "transfer" | "structuredClone") {
  const view = Uint8Array.from(content);
  const buffer = view.buffer as ArrayBuffer;
  if (how === "transfer") buffer.transfer();
  else structuredClone(buffer, { transfer: [buffer] });
  return view;
}

const byteHostiles: ByteHostile[] = [
  {
    name: "an honest Uint8Array",
    verdict: "accept",
    uint8: true,
    make: (content) => ({ value: Uint8Array.from(content), expected: content }),
  },
  {
    name: "own length/byteLength lie of 200 bytes",
    verdict: "accept",
    uint8: true,
    make: ownLie(200),
  },
  {
    name: "own length/byteLength lie of 100 KB",
    verdict: "accept",
    uint8: true,
    make: ownLie(100_000),
  },
  {
    name: "own length/byteLength lie of 1 byte",
    verdict: "accept",
    uint8: true,
    make: ownLie(1),
  },
  {
    name: "subclass with getters lying by 200 bytes",
    verdict: "accept",
    uint8: true,
    make: subclassLie(200),
  },
  {
    name: "subclass with getters lying by 100 KB",
    verdict: "accept",
    uint8: true,
    make: subclassLie(100_000),
  },
  {
    name: "subclass with getters claiming 0 bytes",
    verdict: "accept",
    uint8: true,
    make: subclassLie(0),
  },
  {
    name: "own buffer/byteOffset lies only",
    verdict: "accept",
    uint8: true,
    make: (content) => {
      const view = new Uint8Array(embedded(content), 16, content.length);
      Object.defineProperty(view, "buffer", { value: SECRET });
      Object.defineProperty(view, "byteOffset", { value: 0 });
      return { value: view, expected: content };
    },
  },
  {
    name: "own slice/subarray/constructor lies and a lying Symbol.species",
    verdict: "accept",
    uint8: true,
    make: (content) => {
      const decoy = () => new Uint8Array(SECRET.slice(0, 300));
      const Decoy = function () {
        return new Uint8Array(SECRET.slice(0, 300));
      };
      class Species extends Uint8Array {}
      Object.defineProperty(Species, Symbol.species, { get: () => Decoy });
      const view = new Species(content.length);
      view.set(content);
      for (const key of ["slice", "subarray", "at", "toString"]) {
        Object.defineProperty(view, key, { value: decoy });
      }
      Object.defineProperty(view, "constructor", { value: Decoy });
      return { value: view, expected: content };
    },
  },
  {
    name: "DataView with own lies",
    verdict: "accept",
    uint8: false,
    make: (content) => {
      const view = new DataView(embedded(content), 16, content.length);
      lieAbout(view, 200);
      return { value: view, expected: content };
    },
  },
  {
    name: "Uint8ClampedArray subclass with lying getters",
    verdict: "accept",
    uint8: false,
    make: (content) => {
      const Liar = liarClass(Uint8ClampedArray, 100_000);
      return {
        value: new Liar(embedded(content), 16, content.length),
        expected: content,
      };
    },
  },
  {
    name: "in-bounds view of a shrunk resizable buffer",
    verdict: "accept",
    uint8: true,
    make: (content) => {
      const buffer = new ArrayBuffer(content.length + 64, {
        maxByteLength: content.length + 128,
      });
      const view = new Uint8Array(buffer, 4, content.length);
      view.set(content);
      buffer.resize(content.length + 4);
      return { value: view, expected: content };
    },
  },
  {
    name: "length-tracking view of a shrunk resizable buffer",
    verdict: "accept",
    uint8: true,
    make: (content) => {
      const buffer = new ArrayBuffer(content.length + 64, {
        maxByteLength: content.length + 128,
      });
      const view = new Uint8Array(buffer, 2);
      view.fill(0x23);
      view.set(content);
      buffer.resize(content.length + 2);
      return { value: view, expected: content };
    },
  },
  {
    name: "length-tracking view of a grown resizable buffer",
    verdict: "accept",
    uint8: true,
    make: (content) => {
      const buffer = new ArrayBuffer(1, { maxByteLength: content.length + 8 });
      const view = new Uint8Array(buffer);
      buffer.resize(content.length);
      view.set(content);
      return { value: view, expected: content };
    },
  },
  {
    name: "SharedArrayBuffer view",
    verdict: "accept",
    uint8: true,
    make: (content) => {
      const view = new Uint8Array(
        new SharedArrayBuffer(content.length + 8),
        4,
        content.length,
      );
      view.set(content);
      return { value: view, expected: content };
    },
  },
  {
    name: "length-tracking view of a grown growable SharedArrayBuffer",
    verdict: "accept",
    uint8: true,
    make: (content) => {
      const buffer = new SharedArrayBuffer(1, {
        maxByteLength: content.length + 8,
      });
      const view = new Uint8Array(buffer);
      buffer.grow(content.length);
      view.set(content);
      return { value: view, expected: content };
    },
  },
  {
    name: "view of a buffer detached by transfer()",
    verdict: "refuse",
    uint8: true,
    make: (content) => ({
      value: detached(content, "transfer"),
      expected: content,
    }),
  },
  {
    name: "view of a buffer detached by structuredClone",
    verdict: "refuse",
    uint8: true,
    make: (content) => ({
      value: detached(content, "structuredClone"),
      expected: content,
    }),
  },
  {
    name: "DataView of a detached buffer",
    verdict: "refuse",
    uint8: false,
    make: (content) => {
      const buffer = new ArrayBuffer(content.length);
      const view = new DataView(buffer);
      buffer.transfer();
      return { value: view, expected: content };
    },
  },
  {
    name: "out-of-bounds view of a shrunk resizable buffer",
    verdict: "refuse",
    uint8: true,
    make: (content) => {
      const buffer = new ArrayBuffer(content.length + 8, {
        maxByteLength: content.length + 8,
      });
      const view = new Uint8Array(buffer, 8, content.length);
      view.set(content);
      buffer.resize(4);
      return { value: view, expected: content };
    },
  },
  {
    name: "out-of-bounds length-tracking view",
    verdict: "refuse",
    uint8: true,
    make: (content) => {
      const buffer = new ArrayBuffer(content.length + 16, {
        maxByteLength: content.length + 16,
      });
      const view = new Uint8Array(buffer, 16);
      view.set(content);
      buffer.resize(8);
      return { value: view, expected: content };
    },
  },
  {
    name: "out-of-bounds DataView",
    verdict: "refuse",
    uint8: false,
    make: (content) => {
      const buffer = new ArrayBuffer(content.length + 8, {
        maxByteLength: content.length + 8,
      });
      const view = new DataView(buffer, 8, content.length);
      buffer.resize(4);
      return { value: view, expected: content };
    },
  },
  {
    name: "Proxy around a Uint8Array",
    verdict: "refuse",
    uint8: true,
    make: (content) => ({
      value: new Proxy(Uint8Array.from(content), {}),
      expected: content,
    }),
  },
  {
    name: "object faking Symbol.toStringTag Uint8Array",
    verdict: "refuse",
    uint8: false,
    make: (content) => ({
      value: {
        ...Array.from(content),
        [Symbol.toStringTag]: "Uint8Array",
        buffer: content.slice().buffer,
        byteOffset: 0,
        byteLength: content.length,
        length: content.length,
      },
      expected: content,
    }),
  },
  {
    name: "Object.create(Uint8Array.prototype)",
    verdict: "refuse",
    uint8: true,
    make: (content) => ({
      value: Object.create(Uint8Array.prototype),
      expected: content,
    }),
  },
  {
    name: "plain object with Uint8Array.prototype and own fields",
    verdict: "refuse",
    uint8: true,
    make: (content) => ({
      value: Object.setPrototypeOf({
        buffer: SECRET,
        byteOffset: 0,
        byteLength: 200,
        length: 200,
      }, Uint8Array.prototype),
      expected: content,
    }),
  },
];

/** Values that only send() takes as a frame (not Uint8Array-only APIs). */
const frameOnlyHostiles: ByteHostile[] = [
  {
    name: "ArrayBuffer with an own byteLength lie",
    verdict: "accept",
    uint8: false,
    make: (content) => {
      const buffer = content.slice().buffer;
      Object.defineProperty(buffer, "byteLength", { value: 100_000 });
      return { value: buffer, expected: content };
    },
  },
  {
    name: "shrunk resizable ArrayBuffer",
    verdict: "accept",
    uint8: false,
    make: (content) => {
      const buffer = new ArrayBuffer(content.length + 64, {
        maxByteLength: content.length + 64,
      });
      new Uint8Array(buffer).set(content);
      buffer.resize(content.length);
      return { value: buffer, expected: content };
    },
  },
  {
    name: "SharedArrayBuffer",
    verdict: "accept",
    uint8: false,
    make: (content) => {
      const buffer = new SharedArrayBuffer(content.length);
      new Uint8Array(buffer).set(content);
      return { value: buffer, expected: content };
    },
  },
  {
    name: "ArrayBuffer detached by transfer()",
    verdict: "refuse",
    uint8: false,
    make: (content) => {
      const buffer = content.slice().buffer;
      buffer.transfer();
      return { value: buffer, expected: content };
    },
  },
];

/**
 * What a Uint8Array-only API must do with a hostile value: refuse what must be
 * refused, use the true bytes of Uint8Arrays, and either use the true bytes
 * or refuse (TypeError) other views.
 */
async function expectBytes(
  hostile: ByteHostile,
  action: () => unknown,
  check: () => Promise<void> | void,
  what: string,
): Promise<void> {
  const result = await outcome(action, what);
  if (hostile.verdict === "refuse") {
    if (!result.threw) assert.fail(`${what}: accepted, expected TypeError`);
    assertKind(result.error, TypeError, what);
    return;
  }
  if (result.threw) {
    if (!hostile.uint8 && result.error instanceof TypeError) return;
    assert.fail(`${what}: refused with ${describeError(result.error)}`);
  }
  await check();
}

// ---- sockets ----------------------------------------------------------------

interface Line {
  push: Push;
  pull: Pull;
  address: string;
  close(): void;
}

/** A Push and a Pull over inproc; `connected: false` leaves the Push without peers. */
function line(connected = true): Line {
  const address = endpoint("inproc");
  const pull = new Pull();
  const push = new Push();
  pull.bindSync(address);
  if (connected) push.connect(address);
  return {
    push,
    pull,
    address,
    close() {
      push.close();
      pull.close();
    },
  };
}

/** The next message is exactly `expected`. */
async function nextIs(
  socket: { receive(options?: { signal?: AbortSignal }): Promise<unknown> },
  expected: string[],
  what: string,
): Promise<void> {
  const got = await receiveWithin(
    socket as { receive(): Promise<Uint8Array[]> },
    WAIT,
  );
  assert.ok(got !== null, `${what}: nothing arrived within ${WAIT} ms`);
  assert.deepEqual(texts(got), expected, what);
}

/** The Push still works: a good message goes through, and is the next one. */
async function stillWorks(pair: Line, what: string): Promise<void> {
  await within(pair.push.send(["still", "works"]), WAIT, `${what}: send`);
  await nextIs(pair.pull, ["still", "works"], `${what}: the next message`);
}

// ---- frames in: send ----------------------------------------------------------

type SendForm = "send" | "trySend" | "sendSync" | "queued send";
const sendForms: SendForm[] = ["send", "trySend", "sendSync", "queued send"];
type Shape = "alone" | "first of three" | "last of two";
const shapes: Shape[] = ["alone", "first of three", "last of two"];

function shaped(shape: Shape, value: unknown): unknown {
  switch (shape) {
    case "alone":
      return value;
    case "first of three":
      return [value, "middle", "tail"];
    case "last of two":
      return ["head", value];
  }
}

function shapedBytes(shape: Shape, bytes: Uint8Array): Uint8Array[] {
  switch (shape) {
    case "alone":
      return [bytes];
    case "first of three":
      return [bytes, utf8("middle"), utf8("tail")];
    case "last of two":
      return [utf8("head"), bytes];
  }
}

async function sendAs(
  form: SendForm,
  pair: Line,
  message: unknown,
): Promise<void> {
  switch (form) {
    case "send":
      return await pair.push.send(message as never);
    case "trySend":
      assert.equal(pair.push.trySend(message as never), true, "trySend");
      return;
    case "sendSync":
      return pair.push.sendSync(message as never);
    case "queued send": {
      // No peer yet: the send waits in the queue, then goes out on connect.
      const pending = pair.push.send(message as never);
      pair.push.connect(pair.address);
      return await pending;
    }
  }
}

describe("frames in: every hostile frame is refused whole or sent as its true bytes", () => {
  const truth = utf8("the true bytes");
  for (const hostile of [...byteHostiles, ...frameOnlyHostiles]) {
    for (const form of sendForms) {
      test(`${form}: ${hostile.name}`, async () => {
        for (const shape of shapes) {
          const what = `${form} ${hostile.name}, ${shape}`;
          const pair = line(form !== "queued send");
          try {
            if (form !== "queued send") {
              // Leaves 250 bytes in any scratch buffer a lie could re-send.
              pair.push.sendSync("S".repeat(250));
              await nextIs(pair.pull, ["S".repeat(250)], `${what}: primer`);
            }
            const { value, expected } = hostile.make(truth);
            const result = await outcome(
              () => sendAs(form, pair, shaped(shape, value)),
              what,
            );
            if (hostile.verdict === "refuse") {
              if (!result.threw) assert.fail(`${what}: accepted`);
              assertKind(result.error, TypeError, what);
              if (form === "queued send") pair.push.connect(pair.address);
              // Nothing of the refused message went out.
              await stillWorks(pair, what);
              assert.equal(pair.pull.tryReceive(), null, `${what}: leftovers`);
              continue;
            }
            if (result.threw) {
              assert.fail(`${what}: refused: ${describeError(result.error)}`);
            }
            sameFrames(
              await receiveWithin(pair.pull, WAIT),
              shapedBytes(shape, expected),
              what,
            );
            await stillWorks(pair, what);
          } finally {
            pair.close();
          }
        }
      });
    }
  }

  test("a lie of 200 bytes does not send the previous message's bytes", async () => {
    const pair = line();
    try {
      for (const make of [ownLie(200), subclassLie(200)]) {
        pair.push.sendSync("P".repeat(240));
        await nextIs(pair.pull, ["P".repeat(240)], "primer");
        pair.push.sendSync(make(utf8("abc")).value as Uint8Array);
        sameFrames(await receiveWithin(pair.pull, WAIT), [utf8("abc")], "lie");
      }
    } finally {
      pair.close();
    }
  });

  test("strings with astral characters are sent as UTF-8, not refused", async () => {
    const pair = line();
    try {
      const words = [
        "a\u{1F600}b",
        "\u{10FFFF}",
        "é",
        "x".repeat(30000) + "\u{1F600}",
      ];
      pair.push.sendSync(words);
      sameFrames(
        await receiveWithin(pair.pull, WAIT),
        words.map(utf8),
        "astral strings",
      );
    } finally {
      pair.close();
    }
  });
});

describe("a multipart message is checked whole before its first frame goes out", () => {
  // Two Dealers named alice and bob on a Router; a refused message to alice
  // must not glue bob's next message onto its first frame.
  async function routerWithTwo(): Promise<{
    router: Router;
    alice: Dealer;
    bob: Dealer;
    close(): void;
  }> {
    const address = endpoint("inproc");
    const router = new Router({ mandatory: true });
    const alice = new Dealer({ routingId: "alice" });
    const bob = new Dealer({ routingId: "bob" });
    const close = () => {
      alice.close();
      bob.close();
      router.close();
    };
    try {
      router.bindSync(address);
      alice.connect(address);
      bob.connect(address);
      await alice.send("hello");
      await bob.send("hello");
      const heard = new Set<string>();
      for (let index = 0; index < 2; index++) {
        const [id] = await within(router.receive(), WAIT, "hellos");
        heard.add(text(id));
      }
      assert.deepEqual([...heard].sort(), ["alice", "bob"]);
    } catch (error) {
      close();
      throw error;
    }
    return { router, alice, bob, close };
  }

  const refused = [...byteHostiles, ...frameOnlyHostiles].filter((hostile) =>
    hostile.verdict === "refuse"
  );
  for (const hostile of refused) {
    for (const form of ["send", "trySend", "sendSync"] as const) {
      test(`Router ${form}(["alice", ${hostile.name}]) then bob's message reaches only bob`, async () => {
        const { router, alice, bob, close } = await routerWithTwo();
        try {
          const value = hostile.make(utf8("for alice")).value;
          const message = ["alice", value];
          const result = await outcome(
            () =>
              form === "send"
                ? router.send(message as never)
                : form === "trySend"
                ? router.trySend(message as never)
                : router.sendSync(message as never),
            form,
          );
          assert.ok(result.threw, `${form}: accepted`);
          assertKind(result.error, TypeError, form);
          router.sendSync(["bob", "for bob only"]);
          router.sendSync(["bob", "sentinel"]);
          router.sendSync(["alice", "sentinel"]);
          await nextIs(bob, ["for bob only"], "bob's first message");
          await nextIs(bob, ["sentinel"], "bob's second message");
          await nextIs(alice, ["sentinel"], "alice's first message");
          assert.equal(alice.tryReceive(), null, "alice got more");
          assert.equal(bob.tryReceive(), null, "bob got more");
        } finally {
          close();
        }
      });
    }
  }

  test("a Router sends to the true bytes of a lying routing id frame", async () => {
    const { router, alice, bob, close } = await routerWithTwo();
    try {
      for (const hostile of byteHostiles) {
        if (hostile.verdict !== "accept") continue;
        const { value } = hostile.make(utf8("alice"));
        const what = `Router send to ${hostile.name}`;
        const result = await outcome(
          () => router.sendSync([value, hostile.name] as never),
          what,
        );
        if (result.threw) {
          assert.fail(`${what}: refused: ${describeError(result.error)}`);
        }
        await nextIs(alice, [hostile.name], what);
      }
      assert.equal(bob.tryReceive(), null, "bob got something");
    } finally {
      close();
    }
  });

  for (const hostile of refused.slice(0, 4)) {
    test(`Push/Pull: a refused multipart (${hostile.name} last) leaves the next message intact`, async () => {
      const pair = line();
      try {
        for (const position of [1, 2]) {
          const message: unknown[] = ["one", "two", "three"];
          message[position] = hostile.make(utf8("x")).value;
          await refuses(
            () => pair.push.sendSync(message as never),
            TypeError,
            "send",
          );
          pair.push.sendSync(["next", "message"]);
          await nextIs(pair.pull, ["next", "message"], "the next message");
        }
      } finally {
        pair.close();
      }
    });
  }

  /** An array whose element 1 is a getter; counts its reads. */
  function withGetter(get: (read: number) => unknown): {
    message: unknown[];
    reads: () => number;
  } {
    let reads = 0;
    const message: unknown[] = ["zero", undefined, "two"];
    Object.defineProperty(message, 1, {
      get: () => get(reads++),
      enumerable: true,
    });
    return { message, reads: () => reads };
  }

  for (const form of sendForms) {
    test(`${form}: an element whose getter changes on the second read is read once`, async () => {
      const pair = line(form !== "queued send");
      try {
        const { message, reads } = withGetter((read) =>
          read === 0 ? "first read" : new Uint8Array(100_000).fill(0x45)
        );
        await sendAs(form, pair, message);
        assert.equal(reads(), 1, "element 1 was read more than once");
        sameFrames(
          await receiveWithin(pair.pull, WAIT),
          [utf8("zero"), utf8("first read"), utf8("two")],
          "the message",
        );
      } finally {
        pair.close();
      }
    });

    test(`${form}: an element whose getter throws: that error, nothing sent`, async () => {
      const pair = line(form !== "queued send");
      try {
        const failure = new Error("getter failure");
        const { message } = withGetter(() => {
          throw failure;
        });
        const result = await outcome(() => sendAs(form, pair, message), form);
        assert.ok(result.threw, "accepted");
        assert.equal(result.error, failure, describeError(result.error));
        if (form === "queued send") pair.push.connect(pair.address);
        await stillWorks(pair, form);
      } finally {
        pair.close();
      }
    });

    test(`${form}: a Proxy around the message array is read once per element`, async () => {
      const pair = line(form !== "queued send");
      try {
        const reads = new Map<PropertyKey, number>();
        const target = ["a", utf8("b"), "c"];
        const message = new Proxy(target, {
          get(object, key, receiver) {
            reads.set(key, (reads.get(key) ?? 0) + 1);
            // A second read of an element would see other bytes.
            if (
              typeof key === "string" && /^\d+$/.test(key) &&
              reads.get(key)! > 1
            ) {
              return new Uint8Array(100_000).fill(0x45);
            }
            return Reflect.get(object, key, receiver);
          },
        });
        const result = await outcome(() => sendAs(form, pair, message), form);
        if (result.threw) {
          // Refusing a Proxy message outright is allowed, if typed and whole.
          assertKind(result.error, TypeError, form);
          if (form === "queued send") pair.push.connect(pair.address);
          await stillWorks(pair, form);
          return;
        }
        for (const key of ["0", "1", "2"]) {
          assert.ok((reads.get(key) ?? 0) <= 1, `element ${key} read twice`);
        }
        sameFrames(
          await receiveWithin(pair.pull, WAIT),
          ["a", "b", "c"].map(utf8),
          "the message",
        );
      } finally {
        pair.close();
      }
    });
  }

  test("a Proxy message whose length grows while read sends one consistent message", async () => {
    const pair = line();
    try {
      let lengthReads = 0;
      const message = new Proxy(["a", "b"], {
        get(object, key, receiver) {
          if (key === "length") return lengthReads++ === 0 ? 2 : 3;
          if (key === "2") return "extra";
          return Reflect.get(object, key, receiver);
        },
      });
      const result = await outcome(() => pair.push.sendSync(message), "send");
      if (result.threw) {
        assertKind(result.error, TypeError, "send");
      } else {
        const got = await receiveWithin(pair.pull, WAIT);
        assert.ok(got !== null);
        assert.ok(
          ["a,b", "a,b,extra"].includes(texts(got).join(",")),
          `got ${texts(got)}`,
        );
      }
      await stillWorks(pair, "afterwards");
    } finally {
      pair.close();
    }
  });
});

// ---- frames in: other byte arguments -------------------------------------------

describe("byte arguments other than frames use the true bytes", () => {
  const all = byteHostiles;

  for (const hostile of all) {
    test(`subscribe and unsubscribe: ${hostile.name}`, async () => {
      const address = endpoint("inproc");
      const xpub = new XPublisher();
      const sub = new Subscriber();
      try {
        xpub.bindSync(address);
        sub.connect(address);
        for (const unsubscribe of [false, true]) {
          const { value, expected } = hostile.make(utf8("topic"));
          const what = unsubscribe ? "unsubscribe" : "subscribe";
          await expectBytes(
            hostile,
            () =>
              unsubscribe
                ? sub.unsubscribe(value as never)
                : sub.subscribe(value as never),
            async () => {
              const got = await receiveWithin(xpub, WAIT);
              sameFrames(
                got,
                [Uint8Array.of(unsubscribe ? 0 : 1, ...expected)],
                `the ${what} message the publisher saw`,
              );
            },
            what,
          );
          if (hostile.verdict === "refuse" && !unsubscribe) {
            // Nothing reached the publisher: the next subscription is next.
            sub.subscribe("next");
            const got = await receiveWithin(xpub, WAIT);
            sameFrames(got, [utf8("\x01next")], "the next subscription");
            sub.unsubscribe("next");
            await receiveWithin(xpub, WAIT);
            // The unsubscribe pass must find "topic" subscribed to work.
            sub.subscribe("topic");
            await receiveWithin(xpub, WAIT);
          }
        }
      } finally {
        sub.close();
        xpub.close();
      }
    });

    test(`routingId option: ${hostile.name}`, async () => {
      const address = endpoint("inproc");
      const router = new Router();
      const dealer = new Dealer({ routingId: "prior" });
      try {
        router.bindSync(address);
        const { value, expected } = hostile.make(utf8("dealer-id"));
        await expectBytes(
          hostile,
          () => {
            dealer.routingId = value as never;
          },
          async () => {
            sameBytes(
              dealer.routingId as Uint8Array,
              expected,
              "routingId read back",
            );
            dealer.connect(address);
            await dealer.send("hi");
            const [id] = await within(router.receive(), WAIT, "router receive");
            sameBytes(id, expected, "the id the router saw");
          },
          "routingId",
        );
        if (hostile.verdict === "refuse") {
          sameBytes(
            dealer.routingId as Uint8Array,
            utf8("prior"),
            "routingId after refusal",
          );
        }
      } finally {
        dealer.close();
        router.close();
      }
    });

    test(`routingId constructor option: ${hostile.name}`, async () => {
      const { value, expected } = hostile.make(utf8("made-id"));
      let dealer: Dealer | undefined;
      try {
        await expectBytes(
          hostile,
          () => {
            dealer = new Dealer({ routingId: value as never });
          },
          () =>
            sameBytes(
              dealer!.routingId as Uint8Array,
              expected,
              "routingId read back",
            ),
          "new Dealer({ routingId })",
        );
      } finally {
        dealer?.close();
      }
    });

    test(`Router.connect routingId: ${hostile.name}`, async () => {
      const address = endpoint("inproc");
      const router = new Router();
      const dealer = new Dealer();
      try {
        dealer.bindSync(address);
        const { value, expected } = hostile.make(utf8("peer-id"));
        await expectBytes(
          hostile,
          () => router.connect(address, { routingId: value as never }),
          async () => {
            await dealer.send("hi");
            const [id] = await within(router.receive(), WAIT, "router receive");
            sameBytes(id, expected, "the connect routing id");
          },
          "Router.connect",
        );
        if (hostile.verdict === "refuse") {
          // The refused id was not kept for the next connect.
          router.connect(address, { routingId: "good-id" });
          await dealer.send("hi");
          const [id] = await within(router.receive(), WAIT, "router receive");
          assert.equal(text(id), "good-id");
        }
      } finally {
        dealer.close();
        router.close();
      }
    });

    test(`Stream.connect routingId: ${hostile.name}`, async () => {
      const server = new Stream();
      const client = new Stream();
      try {
        await server.bind("tcp://127.0.0.1:*");
        const { value, expected } = hostile.make(utf8("stream-id"));
        await expectBytes(
          hostile,
          () =>
            (client as Loose).connect(server.lastEndpoint, {
              routingId: value,
            }),
          async () => {
            // The connect notification carries the id of the new connection.
            const got = await receiveWithin(client, WAIT);
            assert.ok(got !== null, "no connect notification");
            sameBytes(got[0], expected, "the connection's routing id");
          },
          "Stream.connect",
        );
      } finally {
        client.close();
        server.close();
      }
    });

    if (capability.curve) {
      const keyBytes = z85Decode(curveKeyPair().secretKey);
      for (
        const name of [
          "curveSecretKey",
          "curvePublicKey",
          "curveServerKey",
        ] as const
      ) {
        test(`${name} as bytes: ${hostile.name}`, async () => {
          const dealer = new Dealer();
          try {
            const prior = curveKeyPair().publicKey;
            dealer[name] = prior;
            const { value, expected } = hostile.make(keyBytes);
            await expectBytes(
              hostile,
              () => {
                dealer[name] = value as never;
              },
              () => assert.equal(dealer[name], z85.encode(expected)),
              name,
            );
            if (hostile.verdict === "refuse") assert.equal(dealer[name], prior);
          } finally {
            dealer.close();
          }
        });
      }

      test(`curvePublicKey(), configureCurve() and z85.encode: ${hostile.name}`, async () => {
        const { value, expected } = hostile.make(keyBytes);
        const right = curvePublicKey(Uint8Array.from(expected));
        await expectBytes(
          hostile,
          () => curvePublicKey(value as never),
          () => assert.equal(curvePublicKey(value as never), right),
          "curvePublicKey",
        );
        await expectBytes(
          hostile,
          () => z85.encode(value as never),
          () => assert.equal(z85.encode(value as never), z85.encode(expected)),
          "z85.encode",
        );
        const auth = new Authenticator();
        try {
          await expectBytes(
            hostile,
            () => auth.configureCurve("*", [value as never]),
            () => {},
            "configureCurve",
          );
        } finally {
          auth.close();
        }
      });
    }
  }

  test("routingId is 1 to 255 bytes by true length, whatever the view claims", async () => {
    const dealer = new Dealer({ routingId: "prior" });
    try {
      const cases: [string, Uint8Array, boolean][] = [
        [
          "300 true bytes claiming 10",
          ownLie(10)(new Uint8Array(300).fill(65)).value as Uint8Array,
          false,
        ],
        [
          "0 true bytes claiming 5",
          ownLie(5)(new Uint8Array(0)).value as Uint8Array,
          false,
        ],
        [
          "300 true bytes, subclass claiming 10",
          subclassLie(10)(new Uint8Array(300).fill(65)).value as Uint8Array,
          false,
        ],
        ["256 true bytes", new Uint8Array(256).fill(66), false],
        [
          "10 true bytes claiming 1000",
          ownLie(1000)(new Uint8Array(10).fill(67)).value as Uint8Array,
          true,
        ],
        [
          "255 true bytes claiming 0",
          ownLie(0)(new Uint8Array(255).fill(68)).value as Uint8Array,
          true,
        ],
        ["1 true byte", Uint8Array.of(69), true],
      ];
      for (const [name, value, valid] of cases) {
        if (valid) {
          dealer.routingId = value;
          sameBytes(
            dealer.routingId as Uint8Array,
            Uint8Array.from(value),
            name,
          );
        } else {
          await refuses(
            () => {
              dealer.routingId = value;
            },
            RangeError,
            name,
          );
          await refuses(
            () => new Dealer({ routingId: value }),
            RangeError,
            `${name} (constructor)`,
          );
          const router = new Router();
          try {
            await refuses(
              () => router.connect(endpoint("inproc"), { routingId: value }),
              RangeError,
              `${name} (Router.connect)`,
            );
          } finally {
            router.close();
          }
        }
      }
    } finally {
      dealer.close();
    }
  });

  if (capability.curve) {
    test("key bytes are exactly 32 by true length", async () => {
      const dealer = new Dealer();
      try {
        const bytes = z85Decode(curveKeyPair().secretKey);
        for (
          const [name, value] of [
            [
              "31 true bytes claiming 32",
              ownLie(32)(bytes.subarray(0, 31)).value,
            ],
            [
              "64 true bytes claiming 32",
              ownLie(32)(new Uint8Array(64).fill(1)).value,
            ],
            [
              "31 true bytes, subclass claiming 32",
              subclassLie(32)(bytes.subarray(0, 31)).value,
            ],
          ] as const
        ) {
          for (
            const option of [
              "curveSecretKey",
              "curvePublicKey",
              "curveServerKey",
            ] as const
          ) {
            await refuses(
              () => {
                dealer[option] = value as never;
              },
              RangeError,
              `${option}: ${name}`,
            );
          }
          await refuses(
            () => curvePublicKey(value as never),
            RangeError,
            `curvePublicKey(): ${name}`,
          );
        }
      } finally {
        dealer.close();
      }
    });
  }
});

// ---- strings that become bytes -------------------------------------------------

const loneSurrogates = [
  "\uD800",
  "pw\uD800",
  "pw\uDBFF",
  "\uDC00tail",
  "a\uDFFFb",
];

interface StringTarget {
  name: string;
  /** libzmq reads it as a C string: NUL is refused too. */
  cString: boolean;
  /** Sets up, calls with `value`, returns what to check afterwards. */
  run(
    value: string,
  ): Promise<
    { outcome: Outcome; after(): Promise<void> | void; close(): void }
  >;
}

function socketTarget(
  name: string,
  cString: boolean,
  make: () => Socket,
  call: (socket: Loose, value: string) => unknown,
): StringTarget {
  return {
    name,
    cString,
    async run(value) {
      const socket = make() as Loose;
      const result = await outcome(() => call(socket, value), name);
      return {
        outcome: result,
        after: () => {
          // Still usable: an option reads back.
          assert.equal(typeof socket.getOption("linger"), "number");
        },
        close: () => socket.close(),
      };
    },
  };
}

const stringOptionNames =
  (Object.keys(socketOptions) as (keyof typeof socketOptions)[])
    .filter((name) => {
      const spec = socketOptions[name] as {
        type: string;
        access: string;
        draft?: boolean;
      };
      return spec.type === "string" && spec.access !== "r" &&
        (!spec.draft || capability.draft);
    });

const stringTargets: StringTarget[] = [
  ...([
    "bindSync",
    "connect",
    "unbindSync",
    "disconnect",
    "bind",
    "unbind",
  ] as const).map((method) =>
    socketTarget(
      `${method}(endpoint)`,
      true,
      () => new Pair(),
      (socket, value) => socket[method](`inproc://boundary-${value}`),
    )
  ),
  socketTarget(
    "Router.connect(endpoint, { routingId })",
    true,
    () => new Router(),
    (socket, value) =>
      socket.connect(`inproc://boundary-${value}`, { routingId: "id" }),
  ),
  socketTarget(
    "Router.connect routingId string",
    false,
    () => new Router(),
    (socket, value) => socket.connect(endpoint("inproc"), { routingId: value }),
  ),
  socketTarget(
    "routingId option string",
    false,
    () => new Dealer(),
    (socket, value) => {
      socket.routingId = value;
    },
  ),
  socketTarget(
    "subscribe(string)",
    false,
    () => new Subscriber(),
    (socket, value) => socket.subscribe(value),
  ),
  socketTarget(
    "unsubscribe(string)",
    false,
    () => new Subscriber(),
    (socket, value) => socket.unsubscribe(value),
  ),
  ...stringOptionNames.map((name) => {
    const spec = socketOptions[name] as { on: string | readonly string[] };
    const make = spec.on === "all"
      ? () => new Dealer()
      : () => new XPublisher();
    // The welcome message is sent as a message, not read as a C string.
    return socketTarget(
      `option ${name}`,
      name !== "welcomeMessage",
      make,
      (socket, value) => {
        socket[name] = value;
      },
    );
  }),
  ...(capability.curve
    ? (["curveSecretKey", "curvePublicKey", "curveServerKey"] as const).map((
      name,
    ) =>
      socketTarget(
        `option ${name} (z85 string)`,
        true,
        () => new Dealer(),
        (socket, value) => {
          // Exactly 40 characters, so only the bad character is wrong.
          const key = curveKeyPair().publicKey;
          socket[name] = (value + key).slice(0, 40);
        },
      )
    )
    : []),
  {
    name: "Authenticator.configurePlain password",
    cString: false,
    async run(value) {
      const auth = new Authenticator();
      const result = await outcome(
        () => auth.configurePlain("*", { alice: value }),
        "configurePlain",
      );
      return { outcome: result, after: () => {}, close: () => auth.close() };
    },
  },
];

if (capability.draft) {
  stringTargets.push(
    {
      name: "Dish.join(group)",
      cString: true,
      async run(value) {
        const dish = new draftApi.Dish();
        const result = await outcome(() => dish.join(value), "join");
        return {
          outcome: result,
          after: () => dish.join("good"),
          close: () => dish.close(),
        };
      },
    },
    {
      name: "Dish.leave(group)",
      cString: true,
      async run(value) {
        const dish = new draftApi.Dish();
        const result = await outcome(() => dish.leave(value), "leave");
        return { outcome: result, after: () => {}, close: () => dish.close() };
      },
    },
    {
      name: "Radio.sendSync(message, { group })",
      cString: true,
      async run(value) {
        const radio = new draftApi.Radio();
        const result = await outcome(
          () => radio.sendSync("m", { group: value }),
          "Radio send",
        );
        return {
          outcome: result,
          after: () => radio.sendSync("m", { group: "good" }),
          close: () => radio.close(),
        };
      },
    },
  );
}

describe("strings: lone surrogates and NUL are refused, never replaced or cut", () => {
  for (const target of stringTargets) {
    test(`${target.name}: lone surrogates are RangeError`, async () => {
      for (const value of loneSurrogates) {
        const { outcome: result, after, close } = await target.run(value);
        try {
          assert.ok(result.threw, `${JSON.stringify(value)} accepted`);
          assertKind(result.error, RangeError, JSON.stringify(value));
          await after();
        } finally {
          close();
        }
      }
    });
    if (target.cString) {
      test(`${target.name}: an embedded NUL is RangeError`, async () => {
        for (const value of ["a\0b", "\0", "tail\0"]) {
          const { outcome: result, after, close } = await target.run(value);
          try {
            assert.ok(result.threw, `${JSON.stringify(value)} accepted`);
            assertKind(result.error, RangeError, JSON.stringify(value));
            await after();
          } finally {
            close();
          }
        }
      });
    }
  }

  for (const form of ["send", "trySend", "sendSync"] as const) {
    test(`${form}: a frame with a lone surrogate is RangeError and nothing is sent`, async () => {
      const pair = line();
      try {
        for (
          const message of [
            "\uD800",
            "x".repeat(30_000) + "\uDC00",
            ["head", "pw\uD800"],
            ["pw\uDBFF", "tail"],
          ]
        ) {
          await refuses(
            () => (pair.push as Loose)[form](message),
            RangeError,
            `${form}(${JSON.stringify(message).slice(0, 40)})`,
          );
          await stillWorks(pair, form);
        }
      } finally {
        pair.close();
      }
    });
  }

  test("PLAIN passwords pw\\uD800 and pw\\uDBFF are not the same password", async () => {
    const dealer = new Dealer();
    const auth = new Authenticator();
    try {
      for (const password of ["pw\uD800", "pw\uDBFF"]) {
        await refuses(
          () => {
            dealer.plainPassword = password;
          },
          RangeError,
          `plainPassword ${JSON.stringify(password)}`,
        );
        await refuses(
          () => auth.configurePlain("*", { alice: password }),
          RangeError,
          `configurePlain ${JSON.stringify(password)}`,
        );
      }
    } finally {
      auth.close();
      dealer.close();
    }
  });

  if (capability.curve) {
    test("key strings are exactly 40 z85 characters; a NUL does not keep the old key's bytes", async () => {
      const dealer = new Dealer();
      try {
        const good = curveKeyPair();
        for (
          const name of [
            "curveSecretKey",
            "curvePublicKey",
            "curveServerKey",
          ] as const
        ) {
          dealer[name] = good.publicKey;
          const other = curveKeyPair().publicKey;
          const bad = [
            other.slice(0, 20) + "\0" + other.slice(21),
            other.slice(0, 39),
            other + "0",
            other.slice(0, 39) + " ",
            other.slice(0, 39) + "~",
            other.slice(0, 39) + "\uD800",
            "",
          ];
          for (const value of bad) {
            await refuses(
              () => {
                dealer[name] = value;
              },
              RangeError,
              `${name} = ${JSON.stringify(value)}`,
            );
            assert.equal(dealer[name], good.publicKey, `${name} changed`);
          }
          await refuses(
            () => new Dealer({ [name]: bad[0] }),
            RangeError,
            `new Dealer({ ${name} })`,
          );
        }
      } finally {
        dealer.close();
      }
    });
  }
});

// ---- numbers and other primitives where a number or boolean is expected ----------

describe("options: hostile values give a typed error or read back exactly", () => {
  function trap(
    values: unknown[],
  ): { value: object; calls: () => number; first: unknown } {
    let calls = 0;
    const next = () => values[Math.min(calls++, values.length - 1)];
    return {
      value: {
        valueOf: next,
        toString: () => String(next()),
        [Symbol.toPrimitive]: next,
      },
      calls: () => calls,
      first: values[0],
    };
  }

  const numberValues: unknown[] = [
    NaN,
    -0,
    Infinity,
    -Infinity,
    1.5,
    2 ** 31,
    -(2 ** 31) - 1,
    2 ** 53,
    5n,
    "5",
    new Number(5),
    null,
    true,
    Symbol("number"),
    [],
    [5],
  ];

  type Spec = {
    type: string;
    access: string;
    on: string | readonly string[];
    draft?: boolean;
    curve?: boolean;
    min?: number;
    max?: number;
  };
  const classes: Record<string, () => Socket> = {
    pair: () => new Pair(),
    pub: () => new Publisher(),
    sub: () => new Subscriber(),
    req: () => new Request(),
    rep: () => new Reply(),
    dealer: () => new Dealer(),
    router: () => new Router(),
    pull: () => new Pull(),
    push: () => new Push(),
    xpub: () => new XPublisher(),
    xsub: () => new XSubscriber(),
    stream: () => new Stream(),
  };

  for (const [name, raw] of Object.entries(socketOptions)) {
    const spec = raw as Spec;
    if (spec.access === "r") continue;
    if (spec.draft && !capability.draft) continue;
    if (spec.curve && !capability.curve) continue;
    const kind = spec.on === "all"
      ? "dealer"
      : (spec.on as readonly string[]).find((type) => type in classes);
    if (kind === undefined) continue;
    const make = classes[kind]!;

    test(`option ${name} (${spec.type}) on ${kind}`, async () => {
      const socket = make() as Loose;
      try {
        const attempt = async (
          value: unknown,
          expect: (read: unknown) => void,
          label: string,
        ) => {
          const result = await outcome(() => {
            socket[name] = value;
          }, label);
          if (result.threw) {
            assertTyped(result.error, label);
            return;
          }
          if (spec.access === "rw") expect(socket[name]);
        };
        const hostiles: [unknown, string][] = numberValues.map((
          value,
        ) => [
          value,
          typeof value === "symbol"
            ? "a symbol"
            : typeof value === "bigint"
            ? `${value}n`
            : JSON.stringify(value) ?? String(value),
        ]);
        for (const [value, label] of hostiles) {
          await attempt(value, (read) => {
            if (spec.type === "boolean") {
              assert.equal(typeof read, "boolean", `${name} = ${label}`);
            } else if (spec.type === "number" || spec.type === "int64") {
              assert.ok(
                typeof value === "number" || typeof value === "bigint",
                `${name} = ${label} accepted: read back ${String(read)}`,
              );
              assert.ok(
                Number(read) === Number(value),
                `${name} = ${label} read back ${String(read)}`,
              );
            }
          }, `${name} = ${label}`);
        }
        // A trap whose second answer differs: never validate one value and set another.
        if (
          spec.type === "number" || spec.type === "int64" ||
          spec.type === "bigint"
        ) {
          const low = spec.min ?? 0;
          const { value, calls, first } = trap([low, -(2 ** 40)]);
          await attempt(value, (read) => {
            assert.ok(calls() <= 1, `${name}: trap called ${calls()} times`);
            assert.ok(
              Number(read) === first,
              `${name} with a trap: ${String(read)}`,
            );
          }, `${name} = { valueOf }`);
        }
        if (spec.type === "int64" || spec.type === "bigint") {
          const limits = spec.type === "bigint"
            ? [0n, 1n, 2n ** 53n + 1n, 2n ** 64n - 1n, 2n ** 64n, -1n]
            : [
              -1n,
              2n ** 53n + 1n,
              2n ** 62n,
              2n ** 62n + 1n,
              2n ** 63n - 1n,
              2n ** 63n,
              -2n,
            ];
          for (const value of limits) {
            await attempt(value, (read) => {
              // Exact, or refused: never silently imprecise.
              assert.equal(
                BigInt(read as number | bigint),
                value,
                `${name} = ${value}n read back ${String(read)}`,
              );
            }, `${name} = ${value}n`);
          }
        }
        if (spec.type === "string") {
          for (
            const value of [
              "",
              "x".repeat(100_000),
              "é\u{1F600}",
              new String("boxed"),
            ]
          ) {
            // libzmq takes an empty PLAIN user name or password as "back to
            // the NULL mechanism" and keeps the old string: it reads back.
            const keepsOld = value === "" &&
              (name === "plainUsername" || name === "plainPassword");
            await attempt(
              value,
              (read) => {
                if (keepsOld) return;
                assert.equal(
                  read,
                  String(value),
                  `${name} read back after setting ${
                    String(value).length
                  } characters`,
                );
              },
              `${name} = ${String(value).slice(0, 20)} (${
                String(value).length
              } chars)`,
            );
          }
          const { value, calls } = trap(["first", "second"]);
          await attempt(value, (read) => {
            assert.ok(
              calls() <= 1,
              `${name}: toString called ${calls()} times`,
            );
            assert.equal(read, "first");
          }, `${name} = { toString }`);
        }
        // Still usable afterwards.
        assert.equal(typeof socket.getOption("linger"), "number");
      } finally {
        socket.close();
      }
    });
  }

  test("maxMessageSize = 2n ** 62n reads back exactly or is refused with RangeError", async () => {
    const dealer = new Dealer();
    try {
      for (const value of [2n ** 62n, 2n ** 62n + 1n, 2n ** 53n + 1n]) {
        const result = await outcome(() => {
          dealer.maxMessageSize = value as never;
        }, `${value}n`);
        if (result.threw) {
          assertKind(result.error, RangeError, `maxMessageSize = ${value}n`);
        } else {
          assert.equal(
            BigInt(dealer.maxMessageSize as number | bigint),
            value,
            `maxMessageSize = ${value}n`,
          );
        }
      }
    } finally {
      dealer.close();
    }
  });

  test("socksProxy of 100,000 characters reads back exactly or is refused when set", async () => {
    const dealer = new Dealer();
    try {
      const value = "h".repeat(99_995) + ":1080";
      const result = await outcome(() => {
        dealer.socksProxy = value;
      }, "socksProxy");
      if (result.threw) {
        assertTyped(result.error, "socksProxy");
      } else {
        assert.equal(dealer.socksProxy, value);
      }
    } finally {
      dealer.close();
    }
  });

  test("lastEndpoint after binding an inproc name over 64 KiB reads back or the bind is RangeError", async () => {
    const pair = new Pair();
    try {
      const name = `inproc://${"n".repeat(70_000)}-${Date.now()}`;
      const result = await outcome(() => pair.bindSync(name), "bind");
      if (result.threw) {
        assertKind(result.error, RangeError, "bind");
      } else {
        const read = await outcome(() => pair.lastEndpoint, "lastEndpoint");
        if (read.threw) {
          assert.fail(`lastEndpoint threw ${describeError(read.error)}`);
        }
        assert.equal(read.value, name);
      }
    } finally {
      pair.close();
    }
  });

  test("constructor options: a getter that throws leaks no socket", async () => {
    const failure = new Error("option getter failure");
    const options = {
      linger: 0,
      get sendHighWaterMark(): number {
        throw failure;
      },
    };
    const result = await outcome(() => new Push(options as never), "new Push");
    assert.ok(result.threw, "accepted");
    assert.ok(
      result.error === failure || isTyped(result.error),
      describeError(result.error),
    );
    // leakcheck fails the test if the half-built socket stayed open.
  });
});

// ---- frames out: received frames belong to the program ------------------------------

describe("frames out: a received frame's buffer is the program's to transfer or detach", () => {
  // On Node's main thread frames of 64 KiB and more are lent from libzmq
  // (src/lent_frames.ts, tests/lent_frames.test.ts): detaching one throws a
  // TypeError or DataCloneError, and it keeps its bytes.
  const lent = (size: number) => runtime === "node" && size >= 65_536;
  const refusal = (error: unknown) =>
    error instanceof TypeError ||
    (error as { name?: unknown } | null)?.name === "DataCloneError";
  const sizes = [
    ...Array.from({ length: 64 }, (_, index) => 1 + index * 16), // 1..1009
    1024,
    1025,
    4096,
    65_536,
    300_000,
  ];
  const contentOf = (index: number, size: number) =>
    new Uint8Array(size).fill(index % 251 + 1);

  type Detach = (frame: Uint8Array) => void;
  const detachers: [string, Detach][] = [
    [
      "frame.buffer.transfer()",
      (frame) => void (frame.buffer as ArrayBuffer).transfer(),
    ],
    [
      "structuredClone with transfer",
      (frame) =>
        void structuredClone(frame.buffer, {
          transfer: [frame.buffer as ArrayBuffer],
        }),
    ],
    ["postMessage transfer", (frame) => {
      const channel = new MessageChannel();
      try {
        channel.port1.postMessage(frame.buffer, [frame.buffer as ArrayBuffer]);
      } finally {
        channel.port1.close();
        channel.port2.close();
      }
    }],
  ];

  type ReceiveForm = "receiveSync" | "tryReceive" | "receive" | "for await";
  const receiveForms: ReceiveForm[] = [
    "receiveSync",
    "tryReceive",
    "receive",
    "for await",
  ];

  async function receiveAs(
    form: ReceiveForm,
    pull: Pull,
  ): Promise<Uint8Array[]> {
    switch (form) {
      case "receiveSync":
        return pull.receiveSync();
      case "tryReceive": {
        for (let attempt = 0; attempt < 3; attempt++) {
          const got = pull.tryReceive();
          if (got !== null) return got;
          // Wait for it to arrive without consuming it on another path.
          const poller = new Poller();
          try {
            poller.add(pull, "readable");
            await within(poller.poll(WAIT), WAIT, "poll");
          } finally {
            poller.close();
          }
        }
        throw new Error("tryReceive: nothing arrived");
      }
      case "receive":
        return await within(pull.receive(), WAIT, "receive");
      case "for await":
        for await (const message of pull) return message;
        throw new Error("the iteration ended");
    }
  }

  for (const [detachName, detach] of detachers) {
    for (const form of receiveForms) {
      test(`${form}: ${detachName} of one frame leaves every other frame and later receives intact`, async () => {
        const pair = line();
        pair.pull.receiveTimeout = WAIT;
        try {
          // Single-frame messages of every size, then multipart ones.
          for (const [index, size] of sizes.entries()) {
            pair.push.sendSync(contentOf(index, size));
          }
          const received: Uint8Array[] = [];
          for (let index = 0; index < sizes.length; index++) {
            const [frame] = await receiveAs(form, pair.pull);
            received.push(frame!);
          }
          // Detach some small and large ones; the rest must keep their bytes.
          const victims = new Set([0, 5, 31, 63, 64, 66, 68]);
          for (const index of victims) {
            assert.ok(
              received[index]!.length === sizes[index] &&
                !(received[index]!.buffer as ArrayBuffer).detached,
              `frame ${index} (${
                sizes[index]
              } B) lost its bytes when earlier frames were detached: ${
                show(received[index])
              }`,
            );
            const result = await outcome(
              () => detach(received[index]!),
              detachName,
            );
            if (lent(sizes[index]!)) {
              // Lent (Node, 64 KiB and more): refused, typed, bytes kept.
              assert.ok(
                result.threw && refusal(result.error),
                `${detachName} of lent frame ${index} ${
                  result.threw
                    ? `threw ${describeError(result.error)}`
                    : "succeeded"
                }`,
              );
              sameBytes(
                received[index],
                contentOf(index, sizes[index]!),
                `lent frame ${index} after ${detachName}`,
              );
            } else if (result.threw) {
              assert.fail(
                `${detachName} of frame ${index} threw ${
                  describeError(result.error)
                }`,
              );
            }
          }
          received.forEach((frame, index) => {
            if (!victims.has(index)) {
              sameBytes(
                frame,
                contentOf(index, sizes[index]!),
                `frame ${index} after detaching others`,
              );
            }
          });
          // Later receives, small and large, still work and are intact.
          for (let round = 0; round < 2; round++) {
            for (const [index, size] of sizes.entries()) {
              pair.push.sendSync(["m", contentOf(index + 7, size)]);
            }
            const later: Uint8Array[][] = [];
            for (let index = 0; index < sizes.length; index++) {
              const message = await receiveAs(form, pair.pull);
              later.push(message);
              if (index % 9 === 0) detach(message[1]!);
            }
            later.forEach((message, index) => {
              assert.equal(message.length, 2);
              if (index % 9 !== 0) {
                sameBytes(
                  message[1],
                  contentOf(index + 7, sizes[index]!),
                  `later frame ${index}`,
                );
              }
            });
          }
        } finally {
          pair.close();
        }
      });
    }
  }

  test("writing into a received frame changes no other frame", async () => {
    const pair = line();
    try {
      for (let index = 0; index < 40; index++) {
        pair.push.sendSync(contentOf(index, 1 + index * 20));
      }
      const received: Uint8Array[] = [];
      for (let index = 0; index < 40; index++) {
        received.push((await within(pair.pull.receive(), WAIT, "receive"))[0]!);
      }
      received[10]!.fill(0);
      received[11]!.set(new Uint8Array(received[11]!.length).fill(0xff));
      received.forEach((frame, index) => {
        if (index !== 10 && index !== 11) {
          sameBytes(frame, contentOf(index, 1 + index * 20), `frame ${index}`);
        }
      });
    } finally {
      pair.close();
    }
  });
});

// ---- a sent message after the send ------------------------------------------

// A send that returned has taken its bytes: what the program then does with
// its buffer (writes into it, detaches it with transfer() and lets it be
// collected) can change nothing that goes out. A binding that hands libzmq the
// program's own memory instead fails here: zeromq.js 6.8.0 on Node, sending a
// 1 MiB Buffer queued this way, delivered 1 MiB of freed heap (mostly zeros)
// instead of its bytes. Run in a child with the collector exposed, so that a
// use-after-free is a collected buffer's memory really reused.
const helpersUrl = new URL("./helpers.ts", import.meta.url).href;
const afterSendChild = `
import { Pull, Push } from ${JSON.stringify(modUrl)};
import { endpoint } from ${JSON.stringify(helpersUrl)};
const gc = globalThis.gc ?? (() => globalThis.Bun.gc(true));
const transports = ["inproc", "ipc"];
const sizes = [100, 65536, 1 << 20];
const fates = ["overwritten", "detached and collected"];
const forms = ["send", "sendSync", "trySend"];
for (const transport of transports) {
  for (const size of sizes) {
    for (const fate of fates) {
      for (const form of forms) {
        const address = endpoint(transport);
        const push = new Push({ linger: 0 });
        // Connected before anyone binds: the message waits in libzmq's queue.
        push.connect(address);
        let frame = new Uint8Array(size).fill(0xaa);
        const message = form === "send" ? ["head", frame] : [frame];
        if (form === "send") await push.send(message);
        else if (form === "sendSync") push.sendSync(message);
        else if (!push.trySend(message)) throw new Error("trySend refused");
        if (fate === "overwritten") frame.fill(0x55);
        else {
          let moved = frame.buffer.transfer();
          moved = null;
          frame = null;
          for (let round = 0; round < 3; round++) {
            gc();
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
        }
        // Memory a collected buffer gave back is likely to hold these now.
        const junk = [];
        for (let index = 0; index < 8; index++) {
          junk.push(new Uint8Array(size).fill(0x55));
        }
        const pull = new Pull({ linger: 0 });
        pull.bindSync(address);
        const timer = setTimeout(() => {
          console.log("NOTHING " + transport + " " + size + " " + fate + " " + form);
          process.exit(3);
        }, 5000);
        const got = await pull.receive();
        clearTimeout(timer);
        const body = got[got.length - 1];
        let wrong = body.length === size ? 0 : size;
        for (const byte of body) if (byte !== 0xaa) wrong++;
        console.log("RESULT " + JSON.stringify({
          transport, size, fate, form, frames: got.length, wrong,
        }));
        push.close();
        pull.close();
      }
    }
  }
}
`;

describe("a sent message after the send", () => {
  test("writing into the buffer, or detaching it and letting it be collected, changes nothing that goes out", async () => {
    const result = await runScript(afterSendChild, {
      runtimeArgs: gcFlags,
      timeout: 60_000,
    });
    assert.equal(
      result.code,
      0,
      `the child ended with ${result.code ?? result.signal}: ${
        (result.stdout + result.stderr).slice(-3000)
      }`,
    );
    const results = result.stdout.split("\n").filter((line) =>
      line.startsWith("RESULT ")
    ).map((line) => JSON.parse(line.slice(7)));
    // 2 transports x 3 sizes x 2 fates x 3 forms.
    assert.equal(results.length, 36, result.stdout);
    for (const { transport, size, fate, form, frames, wrong } of results) {
      const what = `${form}, ${size} B over ${transport}, ${fate}`;
      assert.equal(frames, form === "send" ? 2 : 1, `${what}: frames`);
      assert.equal(wrong, 0, `${what}: ${wrong} bytes were not the sent ones`);
    }
  });
});

// ---- other arguments --------------------------------------------------------------

describe("observer, poller and proxy arguments", () => {
  for (
    const [label, value] of [
      ["null", null],
      ["{ signal: 5 }", { signal: 5 }],
      ["5", 5],
      ['"text"', "text"],
      ["{ signal: {} }", { signal: {} }],
    ] as const
  ) {
    test(`events.receive(${label}) is a TypeError of the library's own`, async () => {
      const socket = new Pair();
      try {
        const events = socket.events;
        const result = await outcome(
          () => events.receive(value as never),
          `receive(${label})`,
          1000,
        );
        assert.ok(result.threw, `receive(${label}) was accepted`);
        assertKind(result.error, TypeError, `receive(${label})`);
        assert.doesNotMatch(
          (result.error as Error).message,
          engineMessage,
          "a runtime message",
        );
        // The observer still works.
        await socket.bind("tcp://127.0.0.1:*");
        const event = await within(events.receive(), WAIT, "an event");
        assert.equal(typeof event.type, "string");
      } finally {
        socket.close();
      }
    });
  }

  test("poll timeouts above the timer limit wait or are refused, never resolve at once", async () => {
    const pull = new Pull();
    const poller = new Poller();
    try {
      poller.add(pull, "readable");
      for (const timeout of [2 ** 31, 2 ** 32 + 5, 2 ** 53]) {
        const controller = new AbortController();
        let settled: Outcome | undefined;
        let promise: Promise<unknown>;
        try {
          promise = poller.poll(timeout, { signal: controller.signal });
        } catch (error) {
          assertKind(error, RangeError, `poll(${timeout})`);
          continue;
        }
        promise.then(
          (value) => (settled = { threw: false, value }),
          (error) => (settled = { threw: true, error }),
        );
        await new Promise((resolve) => setTimeout(resolve, 100));
        controller.abort();
        await promise.catch(() => {});
        if (settled !== undefined && (settled as Outcome).threw) {
          const error = (settled as { error: unknown }).error;
          if (error instanceof RangeError) continue;
        }
        assert.ok(
          settled === undefined || (settled as Outcome).threw,
          `poll(${timeout}) resolved ${
            JSON.stringify((settled as { value?: unknown })?.value)
          } within 100 ms`,
        );
      }
      for (const timeout of [NaN, -2, 1.5, "5", 5n, { valueOf: () => 5 }, -0]) {
        const result = await outcome(
          () => poller.poll(timeout as never),
          `poll(${String(timeout)})`,
        );
        if (result.threw) assertTyped(result.error, `poll(${String(timeout)})`);
        const sync = await outcome(
          () => poller.pollSync(timeout as never),
          `pollSync(${String(timeout)})`,
        );
        if (sync.threw) assertTyped(sync.error, `pollSync(${String(timeout)})`);
      }
    } finally {
      poller.close();
      pull.close();
    }
  });
});

// ---- other public entry points, table-driven --------------------------------------

describe("contexts, authenticators and draft sockets with hostile arguments", () => {
  const failure = new Error("trap failure");
  const hostileNumbers: [string, unknown][] = [
    ["NaN", NaN],
    ["-0", -0],
    ["Infinity", Infinity],
    ["2^31", 2 ** 31],
    ["2^53", 2 ** 53],
    ["1.5", 1.5],
    ["5n", 5n],
    ['"5"', "5"],
    ["a throwing valueOf", {
      valueOf: () => {
        throw failure;
      },
    }],
    [
      "a Proxy",
      new Proxy({}, {
        get: () => {
          throw failure;
        },
      }),
    ],
  ];
  const hostileTexts: [string, unknown][] = [
    ["a lone surrogate", "1.2.3.\uD800"],
    ["an embedded NUL", "127.0.0.1\0"],
    ["70,000 characters", "1".repeat(70_000)],
    ["a String object", new String("127.0.0.1")],
    ["a throwing toString", {
      toString: () => {
        throw failure;
      },
    }],
  ];

  /** A typed error, the trap's own error passed through, or success. */
  async function survives(action: () => unknown, what: string): Promise<void> {
    const result = await outcome(action, what);
    if (result.threw && result.error !== failure) {
      assertTyped(result.error, what);
      assert.doesNotMatch(
        String((result.error as Error).message),
        engineMessage,
        what,
      );
    }
  }

  test("new Context(options) with hostile option values", async () => {
    for (
      const name of [
        "ioThreads",
        "maxSockets",
        "maxMessageSize",
        "threadPriority",
        "blocky",
        "ipv6",
      ]
    ) {
      for (const [label, value] of hostileNumbers) {
        let context: { close(): void } | undefined;
        await survives(() => {
          context = new (api.Context)({ [name]: value } as never);
        }, `new Context({ ${name}: ${label} })`);
        context?.close();
      }
    }
    let context: { close(): void } | undefined;
    await survives(() => {
      context = new (api.Context)({
        get ioThreads(): number {
          throw failure;
        },
      } as never);
    }, "new Context with a throwing getter");
    context?.close();
  });

  test("Authenticator allow, deny, configurePlain and configureCurve with hostile values", async () => {
    const auth = new Authenticator();
    try {
      for (const [label, value] of hostileTexts) {
        await survives(() => auth.allow(value as never), `allow(${label})`);
        await survives(() => auth.deny(value as never), `deny(${label})`);
        await survives(
          () => auth.configurePlain(value as never, { alice: "pw" }),
          `configurePlain(domain ${label})`,
        );
        await survives(
          () => auth.configurePlain("*", { alice: value as never }),
          `configurePlain(password ${label})`,
        );
        await survives(
          () => auth.configureCurve(value as never, "*"),
          `configureCurve(domain ${label})`,
        );
        await survives(
          () => auth.configureCurve("*", [value as never]),
          `configureCurve(key ${label})`,
        );
      }
      const users: [string, unknown][] = [
        ["a user name with a lone surrogate", { "al\uD800ice": "pw" }],
        ["a getter that throws", {
          get alice(): string {
            throw failure;
          },
        }],
        [
          "a Proxy whose ownKeys throws",
          new Proxy({}, {
            ownKeys: () => {
              throw failure;
            },
          }),
        ],
        ["inherited users only", Object.create({ alice: "pw" })],
        ["an array", ["pw"]],
        ["a Map", new Map([["alice", "pw"]])],
      ];
      for (const [label, value] of users) {
        await survives(
          () => auth.configurePlain("*", value as never),
          `configurePlain(${label})`,
        );
      }
      await survives(
        () =>
          auth.configureCurve(
            "*",
            new Proxy([curveKeyPair().publicKey], {
              get: () => {
                throw failure;
              },
            }) as never,
          ),
        "configureCurve(a Proxy array)",
      );
    } finally {
      auth.close();
    }
  });

  if (capability.draft) {
    test("draft: Client to Server frames are refused whole or sent as their true bytes", async () => {
      const server = new draftApi.Server();
      const client = new draftApi.Client();
      try {
        await server.bind("tcp://127.0.0.1:*");
        client.connect(server.lastEndpoint);
        for (const hostile of [...byteHostiles, ...frameOnlyHostiles]) {
          const { value, expected } = hostile.make(utf8("true draft bytes"));
          const result = await outcome(
            () => client.send(value as never),
            hostile.name,
          );
          if (hostile.verdict === "refuse") {
            assert.ok(result.threw, `${hostile.name}: accepted`);
            assertKind(result.error, TypeError, hostile.name);
            continue;
          }
          if (result.threw) {
            assert.fail(
              `${hostile.name}: refused: ${describeError(result.error)}`,
            );
          }
          const [frame, { routingId }] = await within(
            server.receive(),
            WAIT,
            hostile.name,
          );
          sameBytes(frame, expected, hostile.name);
          // And back, with a hostile frame to that routing id.
          const reply = hostile.make(utf8("true reply bytes"));
          await server.send(reply.value as never, { routingId });
          const [back] = await within(
            client.receive(),
            WAIT,
            `${hostile.name} reply`,
          );
          sameBytes(back, reply.expected, `${hostile.name} reply`);
        }
        for (const [label, routingId] of hostileNumbers) {
          await survives(
            () => server.send("x", { routingId } as never),
            `Server.send routingId ${label}`,
          );
          await survives(
            () => server.trySend("x", { routingId } as never),
            `Server.trySend routingId ${label}`,
          );
        }
        // Still a working pair.
        await client.send("still works");
        const [frame] = await within(server.receive(), WAIT, "still works");
        assert.equal(text(frame), "still works");
      } finally {
        client.close();
        server.close();
      }
    });

    test("draft: Radio groups and Datagram addresses with hostile values", async () => {
      const radio = new draftApi.Radio();
      const datagram = new draftApi.Datagram();
      try {
        for (
          const [label, group] of [...hostileTexts, [
            "a 256-byte group",
            "g".repeat(256),
          ], ["a Uint8Array", utf8("g")]] as [string, unknown][]
        ) {
          await survives(
            () => radio.sendSync("x", { group } as never),
            `Radio group ${label}`,
          );
        }
        // A free UDP port from the OS (libzmq's udp has no wildcard port).
        const port = await new Promise<number>((resolve, reject) => {
          const socket = createSocket("udp4");
          socket.on("error", reject);
          socket.bind(0, "127.0.0.1", () => {
            const { port } = socket.address();
            socket.close(() => resolve(port));
          });
        });
        await datagram.bind(`udp://127.0.0.1:${port}`);
        for (const hostile of byteHostiles) {
          const { value } = hostile.make(utf8("127.0.0.1:9"));
          const result = await outcome(
            () => datagram.trySend([value, "x"] as never),
            hostile.name,
          );
          if (hostile.verdict === "refuse") {
            assert.ok(result.threw, `${hostile.name}: accepted`);
            assertKind(result.error, TypeError, hostile.name);
          } else if (result.threw) {
            assertTyped(result.error, hostile.name);
          }
        }
      } finally {
        datagram.close();
        radio.close();
      }
    });
  }
});

// ---- every public method, table-driven ------------------------------------------------

describe("every public method that takes bytes or strings survives hostile arguments", () => {
  // What each method takes. A method missing here fails the first test: add
  // it, with the kind of argument it takes, so the attacks cover it.
  const methodArguments: Record<
    string,
    | "endpoint"
    | "message"
    | "prefixes"
    | "optionName"
    | "groups"
    | "rawOption"
    | "operationOptions"
    | "none"
  > = {
    bindSync: "endpoint",
    bind: "endpoint",
    unbindSync: "endpoint",
    unbind: "endpoint",
    connect: "endpoint",
    disconnect: "endpoint",
    send: "message",
    trySend: "message",
    sendSync: "message",
    sendMessage: "message",
    trySendMessage: "message",
    sendMessageSync: "message",
    subscribe: "prefixes",
    unsubscribe: "prefixes",
    getOption: "optionName",
    setOption: "optionName",
    setRawOption: "rawOption",
    join: "groups",
    leave: "groups",
    receive: "operationOptions",
    receiveMessage: "operationOptions",
    tryReceive: "none",
    tryReceiveMessage: "none",
    receiveSync: "none",
    receiveMessageSync: "none",
    nextMessage: "none",
    close: "none",
    toJSON: "none",
  };

  const socketClasses: [string, () => Socket][] = [
    ["Pair", () => new Pair()],
    ["Publisher", () => new Publisher()],
    ["Subscriber", () => new Subscriber()],
    ["Request", () => new Request()],
    ["Reply", () => new Reply()],
    ["Dealer", () => new Dealer()],
    ["Router", () => new Router()],
    ["Pull", () => new Pull()],
    ["Push", () => new Push()],
    ["XPublisher", () => new XPublisher()],
    ["XSubscriber", () => new XSubscriber()],
    ["Stream", () => new Stream()],
  ];
  if (capability.draft) {
    for (
      const name of [
        "Server",
        "Client",
        "Radio",
        "Dish",
        "Gather",
        "Scatter",
        "Datagram",
        "Peer",
        "Channel",
      ]
    ) {
      const SocketClass = (draftApi as Loose)[name];
      socketClasses.push([name, () => new SocketClass()]);
    }
  }

  function methodsOf(socket: object): string[] {
    const names = new Set<string>();
    for (
      let proto = Object.getPrototypeOf(socket);
      proto !== null && proto !== Object.prototype;
      proto = Object.getPrototypeOf(proto)
    ) {
      for (const key of Object.getOwnPropertyNames(proto)) {
        const descriptor = Object.getOwnPropertyDescriptor(proto, key)!;
        if (key !== "constructor" && typeof descriptor.value === "function") {
          names.add(key);
        }
      }
    }
    return [...names];
  }

  test("every method of every socket class is in the table", () => {
    const unknown: string[] = [];
    for (const [className, make] of socketClasses) {
      const socket = make();
      try {
        for (const name of methodsOf(socket)) {
          if (!(name in methodArguments)) unknown.push(`${className}.${name}`);
        }
      } finally {
        socket.close();
      }
    }
    assert.deepEqual(
      unknown,
      [],
      "methods the attacks do not know: add them to methodArguments",
    );
  });

  const hostileStrings: [string, unknown][] = [
    ["a lone surrogate", "inproc://a\uD800"],
    ["an embedded NUL", "inproc://a\0b"],
    ["70,000 characters", `inproc://${"x".repeat(70_000)}`],
    ["a String object", new String("inproc://boxed")],
    ["an object with toString", { toString: () => "inproc://trap" }],
    [
      "a Proxy",
      new Proxy({}, {
        get: () => {
          throw new Error("proxy trap");
        },
      }),
    ],
    ["a Uint8Array", utf8("inproc://bytes")],
    ["a symbol", Symbol("endpoint")],
  ];

  for (const [className, make] of socketClasses) {
    test(`${className}: every method with hostile arguments`, async () => {
      const socket = make() as Loose;
      // A blocking call that accepted a bad message must not block forever.
      socket.sendTimeout = 200;
      socket.receiveTimeout = 200;
      const problems: string[] = [];
      try {
        for (const name of methodsOf(socket)) {
          const kind = methodArguments[name];
          let values: [string, unknown[]][] = [];
          switch (kind) {
            case "endpoint":
            case "groups":
            case "optionName":
              values = hostileStrings.map(([label, value]) => [label, [value]]);
              if (kind === "optionName") {
                for (
                  const key of [
                    "__proto__",
                    "constructor",
                    "toString",
                    "hasOwnProperty",
                  ]
                ) {
                  values.push([key, [key, 1]]);
                }
              }
              break;
            case "prefixes":
              // Lies are covered per target above; a 70,000-byte prefix is a
              // child probe (libzmq's trie recursion can overflow the stack).
              values = [...byteHostiles, ...frameOnlyHostiles]
                .filter((hostile) => hostile.verdict === "refuse")
                .map((
                  hostile,
                ) => [hostile.name, [hostile.make(utf8("p")).value]]);
              values.push(
                ...hostileStrings.filter(([label]) => !/70,000/.test(label))
                  .map(([label, value]) =>
                    [label, [value]] as [string, unknown[]]
                  ),
              );
              break;
            case "message":
              values = [...byteHostiles, ...frameOnlyHostiles].filter((
                hostile,
              ) => hostile.verdict === "refuse")
                .map((
                  hostile,
                ) => [hostile.name, [["x", hostile.make(utf8("m")).value]]]);
              values.push(["a lone surrogate", ["\uD800"]], [
                "a Proxy message",
                [
                  new Proxy([], {
                    get: () => {
                      throw new TypeError("trap");
                    },
                  }),
                ],
              ]);
              break;
            case "operationOptions":
              values = [["null", [null]], ["5", [5]], ["{ signal: 5 }", [{
                signal: 5,
              }]]];
              break;
            case "rawOption":
              values = [["a detached view", [
                "x",
                6,
                detached(utf8("p"), "transfer"),
              ]], ["a Proxy", ["x", 6, new Proxy(utf8("p"), {})]]];
              break;
            default:
              continue;
          }
          for (const [label, args] of values) {
            const what = `${className}.${name}(${label})`;
            let result: Outcome;
            try {
              result = await outcome(() => socket[name](...args), what, 500);
            } catch (error) {
              problems.push((error as Error).message);
              continue;
            }
            if (result.threw) {
              const error = result.error;
              // A Proxy's own trap error may pass through as it is.
              if (error instanceof Error && /trap/.test(error.message)) {
                continue;
              }
              if (!isTyped(error)) {
                problems.push(`${what}: ${describeError(error)}`);
              } else if (engineMessage.test((error as Error).message)) {
                problems.push(
                  `${what}: the runtime's message: ${(error as Error).message}`,
                );
              }
            } else if (kind === "message" && label !== "a Proxy message") {
              problems.push(`${what}: accepted`);
            } else if (kind === "operationOptions") {
              problems.push(`${what}: accepted`);
            }
          }
        }
        // Still a working socket.
        assert.equal(typeof socket.getOption("linger"), "number");
        assert.deepEqual(problems, []);
      } finally {
        socket.close();
      }
    });
  }
});

// ---- crash-capable probes, in a child ------------------------------------------------

describe("crash-capable probes (child processes)", () => {
  const fixture =
    new URL("./fixtures/boundary_child.ts", import.meta.url).pathname;
  // Non-lie probes first: on a broken boundary the lie probes crash, and
  // each crash costs a new child.
  const crashProne = /length lie|claiming its old length|-byte prefix/;
  const names = Object.keys(probes).sort((a, b) =>
    Number(crashProne.test(a)) - Number(crashProne.test(b))
  );
  interface ProbeResult {
    ok: boolean;
    detail: string;
  }
  let results: Promise<Map<string, ProbeResult>> | undefined;
  // Total time the children may take: after it, remaining probes are reported
  // as not run (a broken boundary crashes many of them, slowly).
  const BUDGET = 40_000;

  // Runs the probes in a child until it exits; kills it when a probe gives
  // no result within PROBE_LIMIT ms (a hang), and reports that probe.
  const PROBE_LIMIT = 8000;
  function runChildProbes(list: string[]): Promise<{
    found: Map<string, ProbeResult>;
    current: string | null;
    ending: string;
  }> {
    const found = new Map<string, ProbeResult>();
    const program = runtime === "deno"
      ? ["run", "--allow-all", "--quiet", fixture, ...list]
      : [fixture, ...list];
    const child = spawn(process.execPath, program, {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let current: string | null = null;
    let partial = "";
    let stderr = "";
    let hung = false;
    let watchdog: ReturnType<typeof setTimeout> | undefined;
    const arm = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => {
        hung = true;
        child.kill("SIGKILL");
      }, PROBE_LIMIT);
    };
    arm();
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      const parts = (partial + chunk).split("\n");
      partial = parts.pop()!;
      for (const entry of parts) {
        const match = /^(start|result) ("(?:[^"\\]|\\.)*")(?: (.*))?$/.exec(
          entry,
        );
        if (match === null) continue;
        const name = JSON.parse(match[2]!) as string;
        if (match[1] === "start") {
          current = name;
          arm();
        } else {
          found.set(name, JSON.parse(match[3]!) as ProbeResult);
          current = null;
        }
      }
    });
    child.stderr.on("data", (chunk) => {
      stderr = (stderr + chunk).slice(-20000);
    });
    return new Promise((resolve) => {
      child.on("close", (code, signal) => {
        clearTimeout(watchdog);
        const lines = stderr.split("\n").filter((line) =>
          /panic|fault|error|abort|overflow/i.test(line)
        ).slice(0, 3).join(" | ");
        resolve({
          found,
          current,
          ending: hung
            ? `no result within ${PROBE_LIMIT} ms: killed (a hang)`
            : `the child process died in this probe (${
              signal ?? `exit code ${code}`
            }): ${lines}`,
        });
      });
    });
  }

  async function runAll(): Promise<Map<string, ProbeResult>> {
    const found = new Map<string, ProbeResult>();
    const started = performance.now();
    let remaining = names;
    while (remaining.length > 0 && performance.now() - started < BUDGET) {
      const run = await runChildProbes(remaining);
      for (const [name, result] of run.found) found.set(name, result);
      if (run.current === null) break;
      found.set(run.current, { ok: false, detail: run.ending });
      remaining = remaining.slice(remaining.indexOf(run.current) + 1);
    }
    return found;
  }

  for (const name of names) {
    test(name, async () => {
      results ??= runAll();
      const result = (await results).get(name);
      assert.ok(
        result !== undefined,
        `not run: earlier probes crashed the child until the ${
          BUDGET / 1000
        } s budget ran out`,
      );
      assert.ok(result.ok, result.detail);
    });
  }
});
