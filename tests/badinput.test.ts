// Bad input, systematically: every public method of every socket class (and
// of Context and Poller) called with arguments of the wrong type, out-of-range
// numbers and bad endpoints, every writable option given values of every wrong
// type, multipart messages with holes, oversized messages, REQ/REP state
// violations, subscriptions on the wrong sockets and draft types without draft
// support. What errors.test.ts, options.test.ts and messages.test.ts already
// check one case at a time is covered here as tables.
//
// Every call must fail with a TypeError, a RangeError or a ZmqError whose
// message says what was wrong (not a JavaScript engine message about reading a
// property of undefined), and the socket must still work afterwards.
import { describe, test } from "./leakcheck.ts";
import assert from "node:assert/strict";
import * as api from "../mod.ts";
import * as draftApi from "../draft.ts";
import {
  capability,
  Context,
  Pair,
  Poller,
  Pull,
  Push,
  Router,
  type Socket,
  socketOptions,
  ZmqError,
} from "../mod.ts";
import { endpoint, socketClasses, texts, within } from "./helpers.ts";

import {
  assertHelpful,
  assertNoProblems,
  assertUsable,
  badArguments,
  badConnectOptions,
  badValuesByType,
  bounded,
  junkArguments,
  type Loose,
  neverOptionValues,
  noArguments,
  outcome,
  problem,
  publicMembers,
  receiveOne,
} from "./badinput_tables.ts";

describe("every method of every socket class rejects bad arguments", () => {
  for (const SocketClass of socketClasses) {
    test(
      `${SocketClass.name}: typed errors, then the socket still works`,
      bounded,
      async () => {
        const socket = new SocketClass({ linger: 0 });
        const loose = socket as unknown as Loose;
        try {
          const members = publicMembers(socket);
          const problems: string[] = [];
          let tried = 0;
          for (const [name, descriptor] of members) {
            if (noArguments.has(name) || name in socketOptions) continue;
            if (typeof descriptor.value !== "function") continue;
            // Protected helpers (sendMessage, ...) are reached through the
            // public methods; Symbol.dispose has no arguments.
            if (/Message|RawOption/.test(name)) continue;
            const cases = name === "connect" && socket instanceof Router
              ? [...badArguments.connect!, ...badConnectOptions]
              : badArguments[name];
            // A method added later than this table still gets junk, but
            // may accept it.
            const known = cases !== undefined;
            for (const args of cases ?? junkArguments) {
              const what = `${name}(${
                args.map((arg) =>
                  typeof arg === "string"
                    ? JSON.stringify(arg.slice(0, 40))
                    : typeof arg
                ).join(", ")
              })`;
              const error = await outcome(() => loose[name](...args));
              const address = typeof args[0] === "string" &&
                  /bind|connect/.test(name)
                ? args[0]
                : undefined;
              const wrong = problem(error, address);
              if (wrong !== null && (known || error !== undefined)) {
                problems.push(`${what}: ${wrong}`);
              }
              tried++;
            }
          }
          assert.ok(tried > 40, `only ${tried} bad calls`);
          // Usable afterwards, whatever went wrong above.
          try {
            await within(assertUsable(socket), 15000, "a round trip");
          } catch (error) {
            problems.push(`afterwards the socket does not work: ${error}`);
          }
          try {
            socket.close();
          } catch (error) {
            problems.push(`close() threw ${error}`);
          }
          assertNoProblems(problems, tried);
        } finally {
          try {
            socket.close();
          } catch {
            // Reported above.
          }
        }
      },
    );
  }
});

describe("every writable option rejects values of the wrong type or range", () => {
  for (const SocketClass of socketClasses) {
    test(`${SocketClass.name}: the value is unchanged after each refusal`, () => {
      using probe = new SocketClass();
      const kind = (probe as unknown as Loose).constructor.name;
      let tried = 0;
      for (const [name, spec] of Object.entries(socketOptions)) {
        if (!(name in probe)) continue; // not an option of this type
        if ("draft" in spec && !capability.draft) continue; // ENOTSUP: options.test.ts
        if (spec.access === "r") continue;
        // A fresh socket per option: mechanism options change each other.
        using socket = new SocketClass();
        const loose = socket as unknown as Loose;
        let before: unknown;
        let readable = spec.access !== "w";
        try {
          if (readable) before = loose[name];
        } catch {
          readable = false; // e.g. GSSAPI options of a libzmq without GSSAPI
        }
        for (
          const value of [...neverOptionValues, ...badValuesByType[spec.type]!]
        ) {
          const what = `${kind}.${name} = ${
            typeof value === "symbol" ? "Symbol" : String(value).slice(0, 20)
          } (${typeof value})`;
          const error = (() => {
            try {
              loose[name] = value;
            } catch (error) {
              return error;
            }
          })();
          assertHelpful(error, what);
          assert.ok(!(error instanceof ZmqError), `${what}: ${error}`);
          assert.match((error as Error).message, new RegExp(name), what);
          if (readable) {
            assert.deepEqual(loose[name], before, `${what}: value changed`);
          }
          // The constructor refuses the same value the same way, closing
          // what it created.
          if (value !== undefined) { // undefined options are ignored
            assert.throws(() => new SocketClass({ [name]: value }), what);
          }
          tried++;
        }
      }
      assert.ok(tried > 100, `only ${tried} bad values`);
    });
  }

  test("option names that are Object.prototype members are unknown options", () => {
    for (
      const name of ["toString", "constructor", "hasOwnProperty", "valueOf"]
    ) {
      using socket = new Pair();
      for (
        const action of [
          () => socket.getOption(name as never),
          () => socket.setOption(name as never, 1),
          () =>
            new Pair(
              Object.defineProperty({}, name, { value: 1, enumerable: true }),
            ).close(),
        ]
      ) {
        assert.throws(action, (error: Error) => {
          assert.ok(error instanceof TypeError, String(error));
          assert.match(error.message, new RegExp(`Unknown.*'${name}'`));
          return true;
        });
      }
    }
  });

  test("a bad `context` option is a TypeError naming it", () => {
    using closed = new Context();
    closed.close();
    for (const context of [null, {}, 5, "default", new Pair()]) {
      let created: Socket | undefined;
      const error = (() => {
        try {
          created = new Push({ context } as never);
        } catch (error) {
          return error;
        }
      })();
      created?.close();
      if (context instanceof Pair) context.close();
      assertHelpful(error, `context: ${String(context)}`);
      assert.match((error as Error).message, /context/i);
    }
    assert.throws(() => new Push({ context: closed }), { code: "ETERM" });
  });
});

describe("bad options of awaited operations", () => {
  test(
    "a `signal` that is not an AbortSignal is refused and loses nothing",
    bounded,
    async () => {
      using push = new Push({ sendTimeout: 2000 });
      using pull = new Pull({ receiveTimeout: 2000 });
      pull.bindSync(endpoint("inproc"));
      // Nothing queued yet: the receive would have to wait.
      for (const signal of ["abort", {}, 5, { aborted: false }]) {
        const error = await outcome(() => pull.receive({ signal } as never));
        assertHelpful(error, `receive({ signal: ${String(signal)} })`);
        assert.ok(error instanceof TypeError);
        // No peer yet: the send would have to wait.
        const sendError = await outcome(() =>
          push.send("x", { signal } as never)
        );
        assertHelpful(sendError, `send(x, { signal: ${String(signal)} })`);
      }
      push.connect(pull.lastEndpoint);
      await push.send("first");
      await push.send("second");
      assert.deepEqual(texts(await receiveOne(pull, "first")), ["first"]);
      assert.deepEqual(texts(await receiveOne(pull, "second")), ["second"]);
      assert.equal(pull.tryReceive(), null);
      pull.close(); // must not throw
      push.close();
    },
  );
});

describe("every exported function and class survives junk arguments", () => {
  test("a typed error or a result; never an engine error or a crash", async () => {
    const junk: unknown[] = [
      undefined,
      null,
      0,
      -1,
      NaN,
      "",
      "x",
      {},
      [],
      Symbol("junk"),
      () => {},
      new Uint8Array(3),
    ];
    const exports = { ...api, ...draftApi } as Record<string, unknown>;
    const problems: string[] = [];
    let tried = 0;
    for (const [name, value] of Object.entries(exports)) {
      if (typeof value !== "function") continue;
      // Abstract bases cannot be built from outside; the error class is meant to be built.
      if (
        ["Socket", "WritableSocket", "ReadableSocket", "DuplexSocket"].includes(
          name,
        )
      ) continue;
      if (["ZmqError", "HandshakeError", "LibraryLoadError"].includes(name)) {
        continue;
      }
      const isClass = /^[A-Z]/.test(name);
      for (const argument of junk) {
        const what = `${isClass ? "new " : ""}${name}(${
          typeof argument === "symbol" ? "Symbol" : String(argument)
        })`;
        let result: unknown;
        let error: unknown;
        try {
          result = isClass
            // deno-lint-ignore no-explicit-any
            ? new (value as any)(argument)
            : (value as (...args: unknown[]) => unknown)(argument);
          if (result instanceof Promise) result = await result;
        } catch (caught) {
          error = caught;
        }
        if (error === undefined) {
          (result as { close?: () => void })?.close?.();
          continue;
        }
        if (
          draftApi[name as keyof typeof draftApi] !== undefined &&
          !capability.draft
        ) {
          assert.equal((error as ZmqError).code, "ENOTSUP", what);
          continue;
        }
        const wrong = problem(error);
        if (wrong !== null) problems.push(`${what}: ${wrong}`);
        tried++;
      }
    }
    // setBriefWait(0) is valid and turned brief waits off: back to the default.
    api.setBriefWait(50);
    assert.ok(tried > 50, `${tried} refusals`);
    assertNoProblems(problems, tried);
  });

  test("Context methods and Poller methods refuse junk with typed errors", async () => {
    using ctx = new Context();
    const poller = new Poller();
    using pull = new Pull({ context: ctx });
    try {
      const calls: [string, () => unknown][] = [
        ["poller.add(undefined)", () => poller.add(undefined as never)],
        ["poller.add({})", () => poller.add({} as never)],
        ["poller.add(-1)", () => poller.add(-1)],
        ["poller.add(1.5)", () => poller.add(1.5)],
        [
          "poller.add(pull, 'sideways')",
          () => poller.add(pull, "sideways" as never),
        ],
        ["poller.modify(pull)", () => poller.modify(pull, "readable")],
        ["poller.pollSync('1')", () => poller.pollSync("1" as never)],
        ["poller.pollSync(-2)", () => poller.pollSync(-2)],
        ["poller.pollSync(0.5)", () => poller.pollSync(0.5)],
        ["poller.poll(NaN)", () => poller.poll(NaN)],
        [
          "poller.poll(0, { signal: 1 })",
          () => poller.poll(10, { signal: 1 } as never),
        ],
        ["ctx.ioThreads = '1'", () => {
          (ctx as unknown as Loose).ioThreads = "1";
        }],
        ["ctx.maxSockets = 1e10", () => {
          ctx.maxSockets = 1e10;
        }],
        ["ctx.maxMessageSize = -5", () => {
          ctx.maxMessageSize = -5;
        }],
      ];
      const problems: string[] = [];
      for (const [what, action] of calls) {
        const wrong = problem(await outcome(action));
        if (wrong !== null) problems.push(`${what}: ${wrong}`);
      }
      assertNoProblems(problems, calls.length);
      // The Poller still works, awaited too.
      poller.add(pull, "readable");
      assert.deepEqual(poller.pollSync(0), []);
      assert.deepEqual(await poller.poll(0), []);
      assert.deepEqual(await poller.poll(5), []);
    } finally {
      poller.close();
    }
  });
});
