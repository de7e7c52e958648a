/**
 * A quick comparison of Node (node:ffi) with Deno and Bun in one run, until
 * bench/run.ts has a Node column: 64 B Push/Pull over tcp (awaited, both ends
 * on the same runtime), a REQ/REP round trip (awaited) and inproc Push/Pull in
 * one event loop, each through bench/peer.ts. Runs on any of the three:
 *
 *   node bench/node_probe.ts [repeat, default 2]
 *
 * @module
 */
import { spawn } from "node:child_process";
import process from "node:process";

const root = new URL("..", import.meta.url).pathname;
const bin = (name: string) => `${root}node_modules/.bin/${name}`;
const peer = `${root}bench/peer.ts`;
const commands: Record<string, string[]> = {
  deno: [bin("deno"), "run", "--allow-ffi", "--allow-env", "--allow-read"],
  bun: [bin("bun")],
  node: [bin("node"), "--disable-warning=ExperimentalWarning"],
};
const repeat = Number(process.argv[2] ?? 2);

interface Child {
  line(prefix: string): Promise<string>;
  stop(): void;
}

function start(runtime: string, args: string[]): Child {
  const [program, ...flags] = commands[runtime]!;
  const child = spawn(program!, [...flags, peer, ...args], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let buffered = "";
  const waiting: [string, (line: string) => void][] = [];
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => {
    buffered += chunk;
    for (const [prefix, resolve] of [...waiting]) {
      const match = new RegExp(`^${prefix} (.*)$`, "m").exec(buffered);
      if (match) {
        waiting.splice(waiting.findIndex(([p]) => p === prefix), 1);
        resolve(match[1]!);
      }
    }
  });
  return {
    line: (prefix) =>
      new Promise((resolve) => {
        const match = new RegExp(`^${prefix} (.*)$`, "m").exec(buffered);
        if (match) resolve(match[1]!);
        else waiting.push([prefix, resolve]);
      }),
    stop: () => child.kill("SIGKILL"),
  };
}

async function pushPull(runtime: string, count: number): Promise<number> {
  const pull = start(runtime, ["recv", "64", String(count)]);
  const endpoint = await pull.line("READY");
  const push = start(runtime, ["send", endpoint, "64", String(count)]);
  try {
    const result = JSON.parse(await pull.line("RESULT"));
    return result.count / result.seconds;
  } finally {
    push.stop();
    pull.stop();
  }
}

async function requestReply(runtime: string, count: number): Promise<number> {
  const rep = start(runtime, ["server"]);
  const endpoint = await rep.line("READY");
  const req = start(runtime, ["client", endpoint, "64", String(count), "0"]);
  try {
    return JSON.parse(await req.line("RESULT")).p50Us;
  } finally {
    req.stop();
    rep.stop();
  }
}

async function inproc(runtime: string, count: number): Promise<number> {
  const child = start(runtime, ["inproc", "64", String(count)]);
  try {
    const result = JSON.parse(await child.line("RESULT"));
    return result.count / result.seconds;
  } finally {
    child.stop();
  }
}

const results: Record<string, Record<string, number[]>> = {};
const record = (workload: string, runtime: string, value: number) => {
  ((results[workload] ??= {})[runtime] ??= []).push(value);
};
for (let round = 0; round < repeat; round++) {
  for (const runtime of Object.keys(commands)) {
    const scale = runtime === "node" ? 4 : 1;
    record(
      "64 B Push/Pull tcp, awaited (msg/s)",
      runtime,
      await pushPull(runtime, 400_000 / scale),
    );
    record(
      "REQ/REP round trip tcp, awaited (p50 µs)",
      runtime,
      await requestReply(runtime, 2_000),
    );
    record(
      "64 B Push/Pull inproc, one event loop (msg/s)",
      runtime,
      await inproc(runtime, 400_000 / scale),
    );
  }
}
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};
console.log("| workload | Deno | Bun | Node |");
console.log("| --- | --- | --- | --- |");
for (const [workload, byRuntime] of Object.entries(results)) {
  const cells = ["deno", "bun", "node"].map((runtime) => {
    const values = byRuntime[runtime] ?? [];
    return values.map((value) => Math.round(value).toLocaleString("en"))
      .join(" / ") +
      ` (median ${Math.round(median(values)).toLocaleString("en")})`;
  });
  console.log(`| ${workload} | ${cells.join(" | ")} |`);
}
