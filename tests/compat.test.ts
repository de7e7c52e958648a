// The zeromq.js-shaped entry (compat.ts): its surface, and zeromq.js-style
// programs (tests/compat/*.ts) that run with only their import line pointing
// at it. The same program files also run on Node against zeromq.js itself
// (npm `zeromq@6`, which ships prebuilt binaries) when node and the npm
// registry are there: that proves they are real zeromq.js programs. The
// install is kept in $TMPDIR/zmq-ffi-zeromq.js-6 between runs;
// ZMQ_FFI_NO_ZEROMQJS=1 skips the Node runs.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as zmq from "../compat.ts";
import {
  type ChildResult,
  lines,
  runChild,
  runtime,
  startChild,
} from "./helpers.ts";

const programs = new URL("./compat/", import.meta.url).pathname;
const SLOW = { timeout: 90000 };

/** Asserts a program exited 0 and returns its output lines. */
function output(result: ChildResult): string[] {
  assert.equal(
    result.code,
    0,
    `exit ${result.code} (${result.signal}), stderr:\n${result.stderr}\nstdout:\n${result.stdout}`,
  );
  return lines(result.stdout);
}

// What each program prints, whichever library runs it. Lines whose order
// depends on timing are sorted first.
const expected: Record<string, { sortFirst?: number; lines: string[] }> = {
  majordomo: {
    sortFirst: 3,
    lines: [
      "worker echo-1 ready for echo",
      "worker upper-1 ready for upper",
      "worker upper-2 ready for upper",
      "alice (echo): alice-0 alice-1 alice-2",
      "bob (upper): BOB-0 BOB-1 BOB-2",
      "carol (upper): CAROL-0 CAROL-1 CAROL-2",
      "dave (echo): dave-0 dave-1 dave-2",
      "done",
    ],
  },
  queue: {
    lines: [
      "desserts reward drawer",
      "evil rats nametag",
      "workers served 6 requests",
      "proxy terminated; front-end closed: true, back-end closed: true",
    ],
  },
  threaded: {
    lines: [
      "both workers connected",
      "sum of squares 1..20: 2870",
      "workers exited with 0,0",
    ],
  },
  pubsub: {
    lines: [
      "weather: 6 messages, topics weather",
      "sports+news: 6 messages, topics news,sports",
      "everything: 6 messages, topics news,sports,weather",
    ],
  },
};

function check(name: string, result: ChildResult): void {
  const { sortFirst = 0, lines: want } = expected[name]!;
  const got = output(result);
  const head = got.slice(0, sortFirst).sort();
  assert.deepEqual([...head, ...got.slice(sortFirst)], want);
}

describe("zeromq.js programs on the compat entry", () => {
  test("each program imports the library in one line, and only Node built-ins besides", async () => {
    const { readFile } = await import("node:fs/promises");
    for (const name of Object.keys(expected)) {
      const source = await readFile(`${programs}${name}.ts`, "utf8");
      const imports = [...source.matchAll(/^import .* from "([^"]+)";$/gm)]
        .map((match) => match[1]);
      assert.deepEqual(
        imports.filter((module) => !module!.startsWith("node:")),
        ["../../compat.ts"],
        name,
      );
    }
  });

  for (const name of Object.keys(expected)) {
    test(`${name} runs on ${runtime}`, SLOW, async () => {
      check(
        name,
        await runChild([`${programs}${name}.ts`], { timeout: 60000 }),
      );
    });
  }
});

// ---- the same files on Node with zeromq.js ------------------------------

// npm's copy of zeromq.js is kept between runs (installing takes seconds).
const zeromqDirectory = join(tmpdir(), "zmq-ffi-zeromq.js-6");

function sh(program: string, args: string[], cwd?: string): string {
  return execFileSync(program, args, {
    cwd,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 180000,
  });
}

// Why the Node runs cannot happen here, or null when they can.
function prepareZeromqJs(): string | null {
  if (process.env.ZMQ_FFI_NO_ZEROMQJS) return "ZMQ_FFI_NO_ZEROMQJS is set";
  try {
    sh("node", ["--version"]);
  } catch {
    return "no `node` on PATH";
  }
  const installed = join(zeromqDirectory, "node_modules", "zeromq");
  if (!existsSync(installed)) {
    mkdirSync(zeromqDirectory, { recursive: true });
    writeFileSync(
      join(zeromqDirectory, "package.json"),
      '{ "name": "zeromq-js-check", "private": true, "type": "module" }\n',
    );
    try {
      // The tarball carries prebuilt addons: no install script is needed.
      sh("npm", [
        "install",
        "zeromq@6",
        "--ignore-scripts",
        "--no-audit",
        "--no-fund",
        "--no-save",
      ], zeromqDirectory);
    } catch (error) {
      return `npm could not install zeromq@6: ${
        String((error as { stderr?: string }).stderr ?? error).slice(0, 300)
      }`;
    }
  }
  try {
    sh(
      "node",
      ["--input-type=module", "-e", 'await import("zeromq")'],
      zeromqDirectory,
    );
  } catch (error) {
    return `zeromq.js does not load on this node: ${
      String((error as { stderr?: string }).stderr ?? error).slice(0, 300)
    }`;
  }
  return null;
}

// The programs are TypeScript: Node 20 runs JavaScript, so Bun strips the
// types (one file, imports untouched) and the import line is pointed at
// zeromq.js.
const bunBinary = runtime === "bun"
  ? process.execPath
  : new URL("../node_modules/.bin/bun", import.meta.url).pathname;

function toZeromqJs(name: string): string {
  const javascript = sh(bunBinary, [
    "build",
    "--no-bundle",
    "--target",
    "node",
    `${programs}${name}.ts`,
  ]);
  const imports = javascript.match(/"\.\.\/\.\.\/compat\.ts"/g) ?? [];
  assert.equal(imports.length, 1, `${name}.ts must import compat.ts once`);
  const file = join(zeromqDirectory, `${name}.mjs`);
  writeFileSync(file, javascript.replace('"../../compat.ts"', '"zeromq"'));
  return file;
}

const notOnNode = prepareZeromqJs();
// Neither runner prints a skip reason: say it once.
if (notOnNode !== null) {
  console.log(`tests/compat.test.ts: zeromq.js on Node skipped: ${notOnNode}`);
}

describe("the same programs on Node with zeromq.js", () => {
  for (const name of Object.keys(expected)) {
    test(
      `${name} runs on zeromq.js`,
      { ...SLOW, skip: notOnNode ?? false },
      async () => {
        const file = toZeromqJs(name);
        check(
          name,
          await startChild([file], { program: "node", timeout: 60000 }).result,
        );
      },
    );
  }
});

// ---- the surface ---------------------------------------------------------

// A constructor that takes anything, as a JavaScript caller may pass.
const Untyped = zmq.Dealer as unknown as new (options: object) => zmq.Dealer;

describe("compat surface", () => {
  test("frames are Buffers, so toString() gives the text", async () => {
    const pull = new zmq.Pull();
    const push = new zmq.Push();
    try {
      await pull.bind("tcp://127.0.0.1:*");
      push.connect(pull.lastEndpoint!);
      await push.send(["MDPC01", Buffer.from("héllo")]);
      const [header, body] = await pull.receive();
      assert.ok(Buffer.isBuffer(header));
      assert.equal(header.toString(), "MDPC01");
      assert.equal(`${body}`, "héllo");
    } finally {
      push.close();
      pull.close();
    }
  });

  test("a misspelt option property throws instead of doing nothing", () => {
    const sock = new zmq.Dealer({ receiveTimeout: 5 });
    try {
      assert.throws(() => {
        (sock as unknown as Record<string, unknown>).recieveTimeout = 5;
      }, TypeError);
      assert.throws(
        () => new Untyped({ doesNotExist: 1 }),
        TypeError,
      );
      assert.throws(
        () => new Untyped({ securityMechanism: "plain" }),
        TypeError,
      );
      assert.throws(() => {
        (zmq.context as unknown as Record<string, unknown>).ioThread = 2;
      }, TypeError);
      assert.equal(sock.receiveTimeout, 5);
      assert.deepEqual({ ...sock }, {});
    } finally {
      sock.close();
    }
  });

  test("routingId and unset string options read as string or null", () => {
    const named = new zmq.Dealer({ routingId: "worker-1" });
    const plain = new zmq.Router();
    try {
      assert.equal(named.routingId, "worker-1");
      assert.equal(plain.routingId, null);
      assert.equal(plain.socksProxy, null);
      assert.equal(plain.zapDomain, null);
      assert.equal(plain.lastEndpoint, null);
      plain.socksProxy = "127.0.0.1:1080";
      assert.equal(plain.socksProxy, "127.0.0.1:1080");
      plain.socksProxy = null;
      assert.equal(plain.socksProxy, null);
      assert.equal(typeof plain.affinity, "number");
    } finally {
      named.close();
      plain.close();
    }
  });

  test("errors carry code, errno and address", async () => {
    const first = new zmq.Pair();
    const second = new zmq.Pair();
    try {
      await first.bind("tcp://127.0.0.1:*");
      const address = first.lastEndpoint!;
      await assert.rejects(second.bind(address), (error: zmq.CompatError) => {
        assert.equal(error.code, "EADDRINUSE");
        assert.equal(typeof error.errno, "number");
        assert.equal(error.address, address);
        return true;
      });
    } finally {
      first.close();
      second.close();
    }
  });

  test("closing cancels a pending receive with EAGAIN; a closed socket is neither readable nor writable", async () => {
    const pull = new zmq.Pair();
    await pull.bind("tcp://127.0.0.1:*");
    const pending = pull.receive();
    pull.close();
    await assert.rejects(pending, { code: "EAGAIN" });
    assert.equal(pull.readable, false);
    assert.equal(pull.writable, false);
  });

  test("options by ZMQ_ number: get/set{Bool,Int32,Int64,Uint64,String}Option", () => {
    const sock = new zmq.Dealer({ routingId: "abc" });
    const sub = new zmq.Subscriber();
    try {
      sock.setInt32Option(17, 100); // ZMQ_LINGER
      assert.equal(sock.getInt32Option(17), 100);
      assert.equal(sock.linger, 100);
      assert.equal(sock.getStringOption(5), "abc"); // ZMQ_ROUTING_ID
      assert.equal(sock.getStringOption(68), null); // ZMQ_SOCKS_PROXY, unset
      sock.setBoolOption(39, true); // ZMQ_IMMEDIATE
      assert.equal(sock.immediate, true);
      assert.equal(sock.getInt64Option(22), -1); // ZMQ_MAXMSGSIZE
      assert.equal(typeof sock.getUint64Option(4), "number"); // ZMQ_AFFINITY
      assert.throws(() => sock.getInt32Option(9999), { code: "EINVAL" });
      sub.setStringOption(6, "topic"); // ZMQ_SUBSCRIBE
      assert.throws(() => sock.setStringOption(6, "topic"), { code: "EINVAL" });
    } finally {
      sock.close();
      sub.close();
    }
  });

  test("console.log shows the socket inside", () => {
    const sock = new zmq.Dealer();
    try {
      const shown = (globalThis as { Deno?: { inspect(v: unknown): string } })
        .Deno?.inspect(sock) ??
        (globalThis as { Bun?: { inspect(v: unknown): string } }).Bun
          ?.inspect(sock);
      assert.match(shown ?? "Dealer", /Dealer/);
    } finally {
      sock.close();
    }
  });

  test("new Socket(type, options) and the shared context", () => {
    const sock = new zmq.Socket(5, { linger: 10 });
    const other = new zmq.Push();
    try {
      assert.ok(sock instanceof zmq.Socket);
      assert.equal(sock.context, zmq.context);
      assert.equal(other.context, zmq.context);
      assert.ok(zmq.context.maxSocketsLimit > 0);
      assert.throws(
        () => new zmq.Socket("dealer" as unknown as number),
        TypeError,
      );
      assert.throws(() => new zmq.Socket(37), { code: "EINVAL" });
    } finally {
      sock.close();
      other.close();
    }
  });

  test("events have zeromq.js's shape; on() puts the observer in emitter mode", async () => {
    const router = new zmq.Router();
    const dealer = new zmq.Dealer();
    try {
      const bound = new Promise<zmq.EventOfType<"bind">>((resolve) =>
        router.events.on("bind", resolve)
      );
      await router.bind("tcp://127.0.0.1:*");
      const event = await bound;
      assert.deepEqual(event, { type: "bind", address: router.lastEndpoint });
      assert.throws(() => router.events.receive(), /emitter mode/);

      const events = dealer.events;
      dealer.connect(router.lastEndpoint!);
      const seen: string[] = [];
      for await (const next of events) {
        seen.push(next.type);
        if (next.type === "handshake") {
          assert.equal(next.address, router.lastEndpoint);
          break;
        }
      }
      assert.ok(seen.includes("connect"), seen.join(","));
    } finally {
      dealer.close();
      router.close();
    }
  });

  test("a handshake error's code is zeromq.js's ERR_ZMTP_*", async () => {
    const server = new zmq.Pair({ plainServer: true });
    const client = new zmq.Pair();
    try {
      const failed = new Promise<zmq.EventOfType<"handshake:error:protocol">>(
        (resolve) => server.events.on("handshake:error:protocol", resolve),
      );
      await server.bind("tcp://127.0.0.1:*");
      client.connect(server.lastEndpoint!);
      const { error, address } = await failed;
      assert.equal(error.code, "ERR_ZMTP_MECHANISM_MISMATCH");
      assert.equal(typeof address, "string");
    } finally {
      client.close();
      server.close();
    }
  });

  test("Proxy: EINVAL for an unbound or closed socket; sockets closed after terminate", async () => {
    const unbound = new zmq.Proxy(new zmq.Router(), new zmq.Dealer());
    await assert.rejects(unbound.run(), { code: "EINVAL" });
    unbound.backEnd.close();
    await assert.rejects(unbound.run(), { code: "EINVAL" });
    unbound.frontEnd.close();

    const proxy = new zmq.Proxy(new zmq.Pull(), new zmq.Push());
    await proxy.frontEnd.bind("tcp://127.0.0.1:*");
    await proxy.backEnd.bind("tcp://127.0.0.1:*");
    const done = proxy.run();
    proxy.terminate();
    await done;
    assert.equal(proxy.frontEnd.closed, true);
    assert.equal(proxy.backEnd.closed, true);
  });

  test("XPublisher.verbosity passes duplicate subscriptions", async () => {
    const xpub = new zmq.XPublisher({ verbosity: "allSubs" });
    const first = new zmq.Subscriber();
    const second = new zmq.Subscriber();
    try {
      await xpub.bind("tcp://127.0.0.1:*");
      for (const sub of [first, second]) {
        sub.connect(xpub.lastEndpoint!);
        sub.subscribe("topic");
        const [subscription] = await xpub.receive();
        assert.equal(subscription!.toString(), "\x01topic");
      }
    } finally {
      first.close();
      second.close();
      xpub.close();
    }
  });
});
