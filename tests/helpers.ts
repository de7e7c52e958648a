/**
 * Test helpers: unique endpoints per transport, and running a child program.
 *
 * @module
 */
import { createServer } from "node:net";
import { tmpdir } from "node:os";

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

/** Text of a frame. */
export function text(frame: Uint8Array | undefined): string {
  return new TextDecoder().decode(frame);
}

/** Text of every frame. */
export function texts(frames: Uint8Array[]): string[] {
  return frames.map((frame) => text(frame));
}

/** The runtime running the tests, and how to start a child on it. */
export const runtime: "deno" | "bun" = typeof (globalThis as { Bun?: unknown })
    .Bun !== "undefined"
  ? "bun"
  : "deno";

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
export async function runChild(
  args: string[],
  options: { env?: Record<string, string>; timeout?: number } = {},
): Promise<ChildResult> {
  const { spawn } = await import("node:child_process");
  const runtimeArgs = runtime === "deno"
    ? ["run", "--allow-all", "--quiet", ...args]
    : args;
  const started = performance.now();
  return await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, runtimeArgs, {
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const timer = setTimeout(
      () => child.kill("SIGKILL"),
      options.timeout ?? 20000,
    );
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({
        code,
        signal,
        stdout,
        stderr,
        milliseconds: performance.now() - started,
      });
    });
  });
}
