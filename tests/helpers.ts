/**
 * Test helpers: unique endpoints per transport, and running a child program.
 *
 * @module
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadLibzmq } from "../ffi/load.ts";
import type { Observer } from "../src/observer.ts";
import type { EventOfType, EventType } from "../src/observer_events.ts";
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
} from "../mod.ts";

let counter = 0;
const unique = () =>
  `${process.pid}-${Date.now().toString(36)}-${(counter++).toString(36)}`;

/** The transports tests run over. */
export type Transport = "inproc" | "ipc" | "tcp";

/** All transports, for tests that loop over them. */
export const transports: Transport[] = ["inproc", "ipc", "tcp"];

/** A free TCP port on 127.0.0.1 (asks the OS, then releases it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * An endpoint nobody else uses. For tcp it is "tcp://127.0.0.1:*": bind it
 * and read lastEndpoint, which is race-free unlike reserving a port.
 */
export function endpoint(transport: Transport): string {
  switch (transport) {
    case "inproc":
      return `inproc://test-${unique()}`;
    case "ipc":
      return `ipc://${tmpdir()}/zmq-ffi-${unique()}.sock`;
    case "tcp":
      return "tcp://127.0.0.1:*";
  }
}

/** The multicast transports (OpenPGM), for tests gated on capability.pgm. */
export type Multicast = "epgm" | "pgm";

/**
 * A multicast endpoint on the interface of `address` (default loopback)
 * with a group and port of its own, from the process id and a counter, so
 * that tests and parallel runs on other runtimes never share a group:
 * e.g. "epgm://127.0.0.1;239.192.17.3:41234".
 */
export function multicastEndpoint(
  transport: Multicast,
  address = "127.0.0.1",
): string {
  const n = counter++;
  const group = `239.192.${process.pid % 250}.${(n % 250) + 1}`;
  const port = 20000 + ((process.pid * 37 + n) % 40000);
  return `${transport}://${address};${group}:${port}`;
}

/** Text of a frame. */
export function text(frame: Uint8Array | undefined): string {
  return new TextDecoder().decode(frame);
}

/** Text of every frame. */
export function texts(frames: Uint8Array[]): string[] {
  return frames.map((frame) => text(frame));
}

/** The runtime running the tests, and how to start a child on it. */
export const runtime: "deno" | "bun" | "node" =
  typeof (globalThis as { Bun?: unknown }).Bun !== "undefined"
    ? "bun"
    : typeof (globalThis as { Deno?: unknown }).Deno !== "undefined"
    ? "deno"
    : "node";

/**
 * The arguments of `process.execPath` that run `args` (a script, maybe after
 * runtime flags, and its arguments) the way the tests run: with every
 * permission on Deno, without node:ffi's ExperimentalWarning on Node.
 */
export function runtimeArgs(args: string[]): string[] {
  switch (runtime) {
    case "deno":
      return ["run", "--allow-all", "--quiet", ...args];
    case "node":
      return ["--disable-warning=ExperimentalWarning", ...args];
    case "bun":
      return args;
  }
}

/** The runtime flags that expose `globalThis.gc` (Bun has `Bun.gc`). */
export const gcFlags: string[] = runtime === "deno"
  ? ["--v8-flags=--expose-gc"]
  : runtime === "node"
  ? ["--expose-gc"]
  : [];

/** Result of a child program. */
export interface ChildResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  milliseconds: number;
}

/**
 * Runs a TypeScript file (or inline code with `-e`) on the same runtime as the
 * tests, with a hard time limit.
 */
export function runChild(
  args: string[],
  options: { env?: Record<string, string>; timeout?: number } = {},
): Promise<ChildResult> {
  return startChild(args, options).result;
}

/** The file URL of mod.ts, for child scripts that import the library. */
export const modUrl: string = new URL("../mod.ts", import.meta.url).href;

/**
 * Runs a TypeScript program given as text on the same runtime as the tests
 * (`runtimeArgs` go before the file, e.g. Deno's `--v8-flags=--expose-gc`).
 * The program is written to a temporary file, removed afterwards.
 */
export async function runScript(
  code: string,
  options: {
    env?: Record<string, string>;
    timeout?: number;
    runtimeArgs?: string[];
  } = {},
): Promise<ChildResult> {
  const directory = await mkdtemp(join(tmpdir(), "zmq-ffi-child-"));
  const file = join(directory, "child.ts");
  try {
    await writeFile(file, code);
    return await runChild([...(options.runtimeArgs ?? []), file], options);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

/**
 * Receives the next message of a socket, waiting at most `milliseconds`;
 * null when none arrived in time (the wait is aborted, nothing is lost).
 */
export async function receiveWithin<T = Uint8Array[]>(
  socket: { receive(options?: { signal?: AbortSignal }): Promise<T> },
  milliseconds: number,
): Promise<T | null> {
  const controller = new AbortController();
  const timeout = new Error("timed out");
  const timer = setTimeout(() => controller.abort(timeout), milliseconds);
  try {
    return await socket.receive({ signal: controller.signal });
  } catch (error) {
    if (error === timeout) return null;
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Publishes `message` until the subscriber receives a message (the
 * subscription reached the publisher), at most `attempts` times 10 ms apart,
 * and returns what it received. Later copies of `message` may still arrive.
 */
export async function publishUntilReceived(
  publisher: { sendSync(message: string[] | string): void },
  subscriber: {
    receive(options?: { signal?: AbortSignal }): Promise<Uint8Array[]>;
  },
  message: string[] | string,
  attempts = 300,
): Promise<Uint8Array[]> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    publisher.sendSync(message);
    const received = await receiveWithin(subscriber, 10);
    if (received !== null) return received;
  }
  throw new Error(
    `The subscriber received nothing after ${attempts} publications`,
  );
}

/**
 * An assert.throws / assert.rejects validator: a ZmqError with this code
 * whose message matches `message` when given.
 */
export function zmqCode(
  code: string,
  message?: RegExp,
): (error: unknown) => boolean {
  return (error) => {
    const actual = error as { name?: string; code?: string; message?: string };
    if (actual?.name !== "ZmqError" || actual.code !== code) {
      throw new Error(
        `Expected ZmqError ${code}, got ${actual?.name} ${actual?.code}: ${actual?.message}`,
      );
    }
    if (message !== undefined && !message.test(actual.message ?? "")) {
      throw new Error(
        `ZmqError ${code} message ${
          JSON.stringify(actual.message)
        } does not match ${message}`,
      );
    }
    return true;
  };
}

/** A fresh CURVE key pair from libzmq (zmq_curve_keypair), as z85 strings. */
export function curveKeyPair(): { publicKey: string; secretKey: string } {
  const publicKey = new Uint8Array(41);
  const secretKey = new Uint8Array(41);
  if (loadLibzmq().zmq_curve_keypair(publicKey, secretKey) !== 0) {
    throw new Error("zmq_curve_keypair failed (libzmq without CURVE?)");
  }
  const decode = (bytes: Uint8Array) => text(bytes.subarray(0, 40));
  return { publicKey: decode(publicKey), secretKey: decode(secretKey) };
}

/** The 32 bytes a z85 CURVE key stands for (zmq_z85_decode). */
export function z85Decode(key: string): Uint8Array {
  const bytes = new Uint8Array(32);
  const source = new TextEncoder().encode(key + "\0");
  if (loadLibzmq().zmq_z85_decode(bytes, source) === null) {
    throw new Error(`Not a z85 key: ${key}`);
  }
  return bytes;
}

/**
 * Resolves or rejects as `promise` does, but rejects with an Error naming
 * `what` if that takes longer than `milliseconds`: a hang becomes a failure.
 * The timer is cleared either way, so nothing outlives the test.
 */
export function within<T>(
  promise: Promise<T>,
  milliseconds: number,
  what: string,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Timed out after ${milliseconds} ms: ${what}`)),
      milliseconds,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Resolves after the current macrotask (one turn of the event loop). */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Result of {@link runChildUntil}. */
export interface WatchedChildResult extends ChildResult {
  /** Milliseconds from the start until `marker` appeared on stdout (null: never). */
  markerAt: number | null;
  /** True when the test killed the child because it was still running `aliveFor` ms after the marker. */
  killed: boolean;
}

/**
 * Runs a program like {@link runChild}, and once a line of its stdout
 * contains `marker`, gives it `aliveFor` more milliseconds: if it is still
 * running then, it is killed (`killed` is true). `timeout` bounds the whole
 * run (default 20 s) in case the marker never comes.
 */
export async function runChildUntil(
  args: string[],
  options: { marker: string; aliveFor: number; timeout?: number },
): Promise<WatchedChildResult> {
  const { spawn } = await import("node:child_process");
  const started = performance.now();
  return await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, runtimeArgs(args), {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let markerAt: number | null = null;
    let killed = false;
    let aliveTimer: ReturnType<typeof setTimeout> | undefined;
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
      if (markerAt === null && stdout.includes(options.marker)) {
        markerAt = performance.now() - started;
        aliveTimer = setTimeout(() => {
          killed = true;
          child.kill("SIGKILL");
        }, options.aliveFor);
      }
    });
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const timer = setTimeout(
      () => child.kill("SIGKILL"),
      options.timeout ?? 20000,
    );
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      clearTimeout(aliveTimer);
      resolve({
        code,
        signal,
        stdout,
        stderr,
        milliseconds: performance.now() - started,
        markerAt,
        killed,
      });
    });
  });
}

/** A program started by {@link startChild}, still running or not. */
export interface StartedChild {
  /** Settles once the program has exited (killed at its time limit at worst). */
  result: Promise<ChildResult>;
  /** Stops the program: SIGTERM, then SIGKILL if it is still there 2 s later. */
  stop(): void;
}

/**
 * Starts a program without waiting for it: a TypeScript file on the same
 * runtime as the tests (as {@link runChild}), or, with `program`, any
 * executable given its arguments as they are (e.g. `python3`). `timeout`
 * (default 20 s) kills it if it has not exited by then.
 */
export function startChild(
  args: string[],
  options: {
    program?: string;
    env?: Record<string, string>;
    timeout?: number;
  } = {},
): StartedChild {
  let stopRequested = false;
  let stopChild = () => {
    stopRequested = true;
  };
  const result = import("node:child_process").then(({ spawn }) => {
    const [program, programArgs] = options.program !== undefined
      ? [options.program, args]
      : [process.execPath, runtimeArgs(args)];
    const started = performance.now();
    return new Promise<ChildResult>((resolve, reject) => {
      const child = spawn(program, programArgs, {
        env: { ...process.env, ...options.env },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk) => (stdout += chunk));
      child.stderr.on("data", (chunk) => (stderr += chunk));
      let killTimer: ReturnType<typeof setTimeout> | undefined;
      const timer = setTimeout(
        () => child.kill("SIGKILL"),
        options.timeout ?? 20000,
      );
      stopChild = () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill("SIGTERM");
        killTimer ??= setTimeout(() => child.kill("SIGKILL"), 2000);
      };
      if (stopRequested) stopChild();
      child.on("error", reject);
      child.on("close", (code, signal) => {
        clearTimeout(timer);
        clearTimeout(killTimer);
        resolve({
          code,
          signal,
          stdout,
          stderr,
          milliseconds: performance.now() - started,
        });
      });
    });
  });
  return { result, stop: () => stopChild() };
}

/** The lines a program printed, without the empty last one. */
export function lines(output: string): string[] {
  const all = output.split("\n");
  if (all.at(-1) === "") all.pop();
  return all;
}

/** How a {@link Peer} ended. */
export interface PeerExit {
  code: number | null;
  signal: string | null;
}

/** A child program that keeps running until the test stops it. */
export interface Peer {
  /** Every complete line the child printed on stdout so far. */
  readonly lines: string[];
  /** The last 20,000 characters of its stderr. */
  readonly stderr: string;
  /** True once the child has exited. */
  readonly done: boolean;
  /** Resolves when the child has exited, however it ended. */
  readonly exited: Promise<PeerExit>;
  /**
   * Resolves with the first stdout line (already printed or still to come)
   * that matches `pattern`; rejects if the child exits first or after
   * `timeout` ms.
   */
  line(pattern: RegExp, timeout?: number): Promise<string>;
  /** Sends `signal` (default SIGKILL) and waits until the child is gone. */
  kill(signal?: "SIGKILL" | "SIGTERM" | "SIGINT"): Promise<PeerExit>;
}

/**
 * Starts `args` (a TypeScript file and its arguments) on the same runtime as
 * the tests, as a long-running peer to talk to and to kill. `prefix` runs it
 * under another command (e.g. `["ip", "netns", "exec", "a"]`). The child is
 * killed after `limit` ms (default 60 s) whatever happens, so none outlives a
 * test run; always await `kill()` or `exited` before the test ends.
 */
export async function startPeer(
  args: string[],
  options: { prefix?: string[]; limit?: number; env?: Record<string, string> } =
    {},
): Promise<Peer> {
  const { spawn } = await import("node:child_process");
  const [command, ...rest] = [
    ...(options.prefix ?? []),
    process.execPath,
    ...runtimeArgs(args),
  ];
  const child = spawn(command!, rest, {
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  let partial = "";
  let stderr = "";
  let done = false;
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const waiter of [...waiters]) waiter();
  };
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => {
    const parts = (partial + chunk).split("\n");
    partial = parts.pop()!;
    lines.push(...parts);
    notify();
  });
  child.stderr.on("data", (chunk) => {
    stderr = (stderr + chunk).slice(-20000);
  });
  const limit = setTimeout(() => child.kill("SIGKILL"), options.limit ?? 60000);
  const exited = new Promise<PeerExit>((resolve) => {
    child.on("close", (code, signal) => {
      clearTimeout(limit);
      done = true;
      notify();
      resolve({ code, signal });
    });
  });
  child.on("error", () => {
    // Reported through `close` with a null code.
  });
  return {
    lines,
    get stderr() {
      return stderr;
    },
    get done() {
      return done;
    },
    exited,
    line(pattern: RegExp, timeout = 20000): Promise<string> {
      return new Promise((resolve, reject) => {
        let seen = 0;
        const check = () => {
          for (; seen < lines.length; seen++) {
            if (pattern.test(lines[seen]!)) {
              finish();
              return resolve(lines[seen]!);
            }
          }
          if (done) {
            finish();
            reject(
              new Error(
                `The peer exited before printing ${pattern}; stderr: ${stderr}`,
              ),
            );
          }
        };
        const timer = setTimeout(() => {
          finish();
          reject(
            new Error(
              `The peer printed nothing matching ${pattern} in ${timeout} ms; stderr: ${stderr}`,
            ),
          );
        }, timeout);
        const finish = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    kill(signal = "SIGKILL") {
      if (!done) child.kill(signal);
      return exited;
    },
  };
}

/** A socket class of mod.ts, constructed with options. */
// deno-lint-ignore no-explicit-any
export type SocketClass = new (options?: any) => Socket;

/** The twelve (non-draft) socket classes, for tests that cover each one. */
export const socketClasses: SocketClass[] = [
  Pair,
  Publisher,
  Subscriber,
  Request,
  Reply,
  Dealer,
  Router,
  Pull,
  Push,
  XPublisher,
  XSubscriber,
  Stream,
];

/**
 * Receives events until one of `type` arrives, at most `timeout` ms; the
 * types seen on the way are appended to `seen`.
 */
export async function nextEvent<E extends EventType>(
  events: Observer,
  type: E,
  seen: EventType[] = [],
  timeout = 5000,
): Promise<EventOfType<E>> {
  const controller = new AbortController();
  const timer = setTimeout(
    () =>
      controller.abort(
        new Error(`no '${type}' event within ${timeout} ms; saw ${seen}`),
      ),
    timeout,
  );
  try {
    for (;;) {
      const event = await events.receive({ signal: controller.signal });
      seen.push(event.type);
      if (event.type === type) return event as EventOfType<E>;
    }
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Why tests that build network namespaces cannot run here, or false when
 * they can: they need Linux, root (as CI runs) and iproute2's `ip`.
 */
export function namespacesSkipReason(): string | false {
  if (process.platform !== "linux") return "network namespaces are Linux-only";
  if (process.getuid?.() !== 0) {
    return "needs root for ip netns (CI runs as root)";
  }
  try {
    execFileSync("ip", ["-V"], { stdio: "ignore" });
  } catch {
    return "needs iproute2's ip (apt-get install iproute2)";
  }
  return false;
}

const ip = (...args: string[]) =>
  execFileSync("ip", args, { stdio: ["ignore", "ignore", "pipe"] });

/** Two network namespaces joined by a veth pair, from {@link namespacePair}. */
export interface NamespacePair extends Disposable {
  /** The namespaces' names, for `ip netns exec NAME`. */
  names: { a: string; b: string };
  /** Each side's address on the link (a /24). */
  addresses: { a: string; b: string };
  /** Takes side a's end of the link down or up. */
  link(state: "up" | "down"): void;
}

/**
 * Two namespaces joined by a veth pair with multicast on (what a LAN looks
 * like to a program: its own interface, its own address, a peer beyond a
 * link); removes them on dispose. Names come from the process id, so
 * parallel test processes do not collide; one pair at a time per process.
 * Check {@link namespacesSkipReason} first.
 */
export function namespacePair(): NamespacePair {
  const id = `${process.pid % 100000}`;
  const names = { a: `zf${id}a`, b: `zf${id}b` };
  const links = { a: `zfa${id}`, b: `zfb${id}` };
  const addresses = { a: "10.213.7.1", b: "10.213.7.2" };
  const remove = () => {
    for (const name of Object.values(names)) {
      try {
        ip("netns", "del", name);
      } catch {
        // Not there.
      }
    }
  };
  remove(); // leftovers of a killed run
  ip("netns", "add", names.a);
  ip("netns", "add", names.b);
  try {
    ip("link", "add", links.a, "type", "veth", "peer", "name", links.b);
    ip("link", "set", links.a, "netns", names.a);
    ip("link", "set", links.b, "netns", names.b);
    for (const side of ["a", "b"] as const) {
      ip(
        "-n",
        names[side],
        "addr",
        "add",
        `${addresses[side]}/24`,
        "dev",
        links[side],
      );
      ip("-n", names[side], "link", "set", links[side], "multicast", "on");
      ip("-n", names[side], "link", "set", links[side], "up");
      ip("-n", names[side], "link", "set", "lo", "up");
    }
  } catch (error) {
    remove();
    throw error;
  }
  return {
    names,
    addresses,
    link(state: "up" | "down") {
      ip("-n", names.a, "link", "set", links.a, state);
    },
    [Symbol.dispose]: remove,
  };
}

/** Waits until `condition` holds, polling; fails after `milliseconds`. */
export async function until(
  condition: () => boolean,
  milliseconds: number,
  what: string,
): Promise<void> {
  const deadline = performance.now() + milliseconds;
  while (!condition()) {
    if (performance.now() >= deadline) throw new Error(`timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
