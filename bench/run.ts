/**
 * The benchmark runner: runs each workload through native C peers
 * (bench/native/, built by bench/run.sh) and through zmq-ffi's public API on
 * Deno and on Bun (bench/peer.ts), in the same run, and prints one markdown
 * table of results as ratios to native. Start it through bench/run.sh, which
 * builds the C programs first:
 *
 *   bench/run.sh [--quick] [--repeat N] [--only pushpull,reqrep,inproc,wake,ops]
 *                [--json out.json]
 *
 * Every side runs in its own process with a `READY <endpoint>` handshake on
 * stdout; every wait has a timeout, and a failed measurement shows up in its
 * cell instead of stopping the run.
 *
 * @module
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import process from "node:process";
import { libzmqVersion } from "../mod.ts";

// ---- options ----------------------------------------------------------

const argv = process.argv.slice(2);
const quick = argv.includes("--quick");
const flagValue = (flag: string) => {
  const index = argv.indexOf(flag);
  return index >= 0 ? argv[index + 1] : undefined;
};
const groups = ["pushpull", "reqrep", "inproc", "wake", "ops"];
const only = flagValue("--only")?.split(",") ?? groups;
for (const group of only) {
  if (!groups.includes(group)) {
    console.error(`unknown group ${group}; use ${groups.join(",")}`);
    process.exit(2);
  }
}
const jsonPath = flagValue("--json");
const scale = quick ? 10 : 1;
// Each configuration runs this many times, interleaved with the others.
const repeat = Number(flagValue("--repeat") ?? (quick ? 1 : 3));
if (!Number.isInteger(repeat) || repeat < 1) {
  console.error("--repeat takes a positive integer");
  process.exit(2);
}

const root = new URL("..", import.meta.url).pathname;
const build = `${root}bench/build`;
const peer = `${root}bench/peer.ts`;
const deno = process.env.DENO ?? "deno";
const bun = process.env.BUN ?? "bun";

type Runtime = "native" | "deno" | "bun";
const runtimes: Runtime[] = ["native", "deno", "bun"];
const ours: Record<Exclude<Runtime, "native">, string[]> = {
  deno: [deno, "run", "--allow-ffi", "--allow-env", "--allow-read", peer],
  bun: [bun, peer],
};
// The command that plays a role for a runtime: a native program or peer.ts.
function program(runtime: Runtime, native: string): string[] {
  return runtime === "native" ? [`${build}/${native}`] : ours[runtime];
}

// Per measurement; a child process also kills itself after its lifetime.
const READY_TIMEOUT = 30_000;
const MEASURE_TIMEOUT = quick ? 30_000 : 60_000;
const LIFETIME_SECONDS = String((READY_TIMEOUT + MEASURE_TIMEOUT) / 1000 + 30);

// ---- child processes --------------------------------------------------

const live = new Set<ChildProcess>();
// Ctrl-C: take the peers down too (native ones also die with us on their own).
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    for (const child of live) child.kill("SIGKILL");
    process.exit(130);
  });
}

/** One side of a benchmark: a child process speaking the stdout line protocol. */
class Peer {
  #child: ChildProcess;
  #lines: string[] = [];
  #partial = "";
  #stderr = "";
  #exited: string | null = null;
  #wake: () => void = () => {};

  constructor(readonly label: string, command: string[]) {
    this.#child = spawn(command[0], command.slice(1), {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, BENCH_LIFETIME: LIFETIME_SECONDS },
    });
    live.add(this.#child);
    this.#child.stdout!.setEncoding("utf8");
    this.#child.stdout!.on("data", (chunk: string) => {
      const parts = (this.#partial + chunk).split("\n");
      this.#partial = parts.pop()!;
      this.#lines.push(...parts);
      this.#wake();
    });
    this.#child.stderr!.setEncoding("utf8");
    this.#child.stderr!.on("data", (chunk: string) => {
      this.#stderr = (this.#stderr + chunk).slice(-2000);
    });
    this.#child.on("error", (error) => {
      this.#exited = `could not start: ${error.message}`;
      this.#wake();
    });
    this.#child.on("exit", (code, signal) => {
      live.delete(this.#child);
      this.#exited = `exited with ${signal ?? code}`;
      this.#wake();
    });
  }

  /** The rest of the first line that starts with `prefix`, waiting up to `timeout` ms. */
  async line(prefix: string, timeout: number): Promise<string> {
    const deadline = Date.now() + timeout;
    for (;;) {
      const found = this.#lines.find((line) => line.startsWith(`${prefix} `));
      if (found !== undefined) return found.slice(prefix.length + 1);
      if (this.#exited !== null) {
        throw new Error(
          `${this.label} ${this.#exited} before ${prefix}: ${this.#stderr.trim()}`,
        );
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`${this.label}: no ${prefix} within ${timeout} ms`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** Kills the process and waits for it to be gone, so it cannot disturb the next measurement. */
  async stop(): Promise<void> {
    if (this.#exited !== null) return;
    const gone = new Promise<void>((resolve) =>
      this.#child.once("exit", () => resolve())
    );
    this.#child.kill("SIGKILL");
    await gone;
  }
}

// ---- measurements -----------------------------------------------------

interface Throughput {
  msgsPerSecond: number;
  megabytesPerSecond: number;
}

interface Latency {
  meanUs: number;
  p50Us: number;
  p99Us: number;
}

function checkSizes(result: { wrongSize: number }): void {
  if (result.wrongSize !== 0) {
    throw new Error(`${result.wrongSize} messages had the wrong size`);
  }
}

function throughputOf(
  result: { count: number; size: number; seconds: number },
): Throughput {
  // Measured from the first to the last message: count - 1 intervals.
  const msgsPerSecond = (result.count - 1) / result.seconds;
  return {
    msgsPerSecond,
    megabytesPerSecond: msgsPerSecond * result.size / 1e6,
  };
}

/** PUSH -> PULL over tcp, receiver and sender in separate processes. */
async function pushPull(
  receiver: Runtime,
  sender: Runtime,
  size: number,
  count: number,
  sync: boolean,
): Promise<Throughput> {
  const mode = sync ? ["sync"] : [];
  const pull = new Peer(`${receiver} receiver`, [
    ...program(receiver, "push_pull"),
    "recv",
    String(size),
    String(count),
    ...mode,
  ]);
  let push: Peer | undefined;
  try {
    const endpoint = await pull.line("READY", READY_TIMEOUT);
    push = new Peer(`${sender} sender`, [
      ...program(sender, "push_pull"),
      "send",
      endpoint,
      String(size),
      String(count),
      ...mode,
    ]);
    const result = JSON.parse(await pull.line("RESULT", MEASURE_TIMEOUT));
    checkSizes(result);
    return throughputOf(result);
  } finally {
    await push?.stop();
    await pull.stop();
  }
}

/**
 * REQ client against a REP echo server over tcp, in separate processes.
 * `sync` makes our peers (never the native ones) use the blocking API.
 */
async function requestReply(
  server: Runtime,
  client: Runtime,
  count: number,
  gapUs: number,
  sync: boolean,
): Promise<Latency> {
  const mode = (runtime: Runtime) =>
    sync && runtime !== "native" ? ["sync"] : [];
  const rep = new Peer(`${server} server`, [
    ...program(server, "req_rep"),
    "server",
    ...mode(server),
  ]);
  let req: Peer | undefined;
  try {
    const endpoint = await rep.line("READY", READY_TIMEOUT);
    req = new Peer(`${client} client`, [
      ...program(client, "req_rep"),
      "client",
      endpoint,
      "64",
      String(count),
      String(gapUs),
      ...mode(client),
    ]);
    const result = JSON.parse(await req.line("RESULT", MEASURE_TIMEOUT));
    return { meanUs: result.meanUs, p50Us: result.p50Us, p99Us: result.p99Us };
  } finally {
    await req?.stop();
    await rep.stop();
  }
}

/** inproc PUSH -> PULL in one process. */
async function inproc(runtime: Runtime, count: number): Promise<Throughput> {
  const child = new Peer(`${runtime} inproc`, [
    ...program(runtime, "inproc"),
    ...(runtime === "native" ? [] : ["inproc"]),
    "64",
    String(count),
  ]);
  try {
    const result = JSON.parse(await child.line("RESULT", MEASURE_TIMEOUT));
    checkSizes(result);
    return throughputOf(result);
  } finally {
    await child.stop();
  }
}

type Costs = Record<string, number>;

/** Per-call costs in one process (bench/native/ops.c, peer.ts ops). */
async function ops(runtime: Runtime, count: number): Promise<Costs> {
  const child = new Peer(`${runtime} ops`, [
    ...program(runtime, "ops"),
    ...(runtime === "native" ? [] : ["ops"]),
    String(count),
  ]);
  try {
    return JSON.parse(await child.line("RESULT", MEASURE_TIMEOUT));
  } finally {
    await child.stop();
  }
}

// ---- repeated, interleaved runs ---------------------------------------

/** All runs of one configuration, and the best of those that succeeded. */
interface Outcome<T> {
  values: T[];
  errors: string[];
  best: T | undefined;
}

const bestThroughput = (values: Throughput[]): Throughput =>
  values.reduce((best, value) =>
    value.msgsPerSecond > best.msgsPerSecond ? value : best
  );

const bestLatency = (values: Latency[]): Latency => ({
  meanUs: Math.min(...values.map((value) => value.meanUs)),
  p50Us: Math.min(...values.map((value) => value.p50Us)),
  p99Us: Math.min(...values.map((value) => value.p99Us)),
});

const raw: Record<string, Record<string, Outcome<unknown>>> = {};

/**
 * Runs every configuration `repeat` times, interleaved (A B C A B C ...) so
 * that changes in the load of the shared machine hit all of them alike, and
 * keeps the best run of each.
 */
async function rounds<T>(
  name: string,
  configs: Record<string, () => Promise<T>>,
  best: (values: T[]) => T,
): Promise<Record<string, Outcome<T>>> {
  console.error(name);
  const outcomes: Record<string, Outcome<T>> = {};
  for (const key of Object.keys(configs)) {
    outcomes[key] = { values: [], errors: [], best: undefined };
  }
  for (let round = 1; round <= repeat; round++) {
    for (const [key, measure] of Object.entries(configs)) {
      const started = performance.now();
      const label = `  ${key} (run ${round}/${repeat})`;
      try {
        const value = await measure();
        outcomes[key].values.push(value);
        const seconds = ((performance.now() - started) / 1000).toFixed(1);
        console.error(`${label}: ${summary(value)} in ${seconds} s`);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        outcomes[key].errors.push(message);
        console.error(`${label}: FAILED ${message}`);
      }
    }
  }
  for (const outcome of Object.values(outcomes)) {
    if (outcome.values.length > 0) outcome.best = best(outcome.values);
  }
  raw[name] = outcomes;
  return outcomes;
}

function summary(value: unknown): string {
  return Object.entries(value as Record<string, number>)
    .map(([key, number]) => `${key} ${Number(number.toFixed(1))}`)
    .join(", ");
}

const bestCosts = (values: Costs[]): Costs =>
  Object.fromEntries(
    Object.keys(values[0]).map((
      key,
    ) => [key, Math.min(...values.map((value) => value[key]))]),
  );

// ---- the table --------------------------------------------------------

interface Row {
  workload: string;
  cells: Record<Runtime, string>;
  target: string;
}
const rows: Row[] = [];

function row(workload: string, cells: Record<Runtime, string>, target = "") {
  rows.push({ workload, cells, target });
}

function millions(value: number): string {
  return value >= 1e6
    ? `${(value / 1e6).toFixed(2)} M`
    : `${(value / 1e3).toFixed(value >= 1e5 ? 0 : 1)} k`;
}

function throughputText(value: Throughput): string {
  return `${millions(value.msgsPerSecond)} msg/s, ${
    value.megabytesPerSecond.toFixed(0)
  } MB/s`;
}

/** A cell: the best value, its comparison with native, and any failed runs. */
function cell<T>(
  outcome: Outcome<T> | undefined,
  native: Outcome<T> | undefined,
  text: (value: T) => string,
  compare: (ours: T, native: T) => string,
): string {
  if (outcome === undefined) return "—";
  const runs = outcome.values.length + outcome.errors.length;
  if (outcome.best === undefined) {
    return `failed: ${outcome.errors[0].split("\n")[0].slice(0, 100)}`;
  }
  let result = text(outcome.best);
  if (outcome !== native && native?.best !== undefined) {
    result += ` (${compare(outcome.best, native.best)})`;
  }
  if (outcome.errors.length > 0) {
    result += ` [${outcome.errors.length} of ${runs} runs failed]`;
  }
  return result;
}

/** Cells of a throughput row, as a percentage of native msg/s. */
function throughputCells(
  native: Outcome<Throughput>,
  outcomes: Partial<Record<Runtime, Outcome<Throughput>>>,
): Record<Runtime, string> {
  const percent = (ours: Throughput, base: Throughput) =>
    `${(100 * ours.msgsPerSecond / base.msgsPerSecond).toFixed(0)}%`;
  return {
    native: cell(native, native, throughputText, percent),
    deno: cell(outcomes.deno, native, throughputText, percent),
    bun: cell(outcomes.bun, native, throughputText, percent),
  };
}

/** Cells of a latency row: "x" compares as times native, "+" as µs added over native. */
function latencyCells(
  key: keyof Latency,
  native: Outcome<Latency>,
  outcomes: Partial<Record<Runtime, Outcome<Latency>>>,
  compare: "x" | "+",
): Record<Runtime, string> {
  const text = (value: Latency) => `${value[key].toFixed(1)} µs`;
  const against = (ours: Latency, base: Latency) => {
    if (compare === "x") return `${(ours[key] / base[key]).toFixed(2)}×`;
    const added = ours[key] - base[key];
    return `${added >= 0 ? "+" : "−"}${Math.abs(added).toFixed(1)} µs`;
  };
  return {
    native: cell(native, native, text, against),
    deno: cell(outcomes.deno, native, text, against),
    bun: cell(outcomes.bun, native, text, against),
  };
}

const count = (full: number) => Math.max(2, Math.floor(full / scale));
const thousands = (value: number) => value.toLocaleString("en-US");
const sizeName = (size: number) =>
  size >= 1024 ? `${size / 1024} KiB` : `${size} B`;

// ---- workloads --------------------------------------------------------

async function pushPullGroup(): Promise<void> {
  const workloads: [number, number, string][] = [
    [64, count(1_000_000), "≥ 80% of native msg/s"],
    [1024, count(200_000), "≥ 80% of native msg/s"],
    [65536, count(20_000), ""],
  ];
  for (const [size, messages, target] of workloads) {
    const name = `PUSH→PULL tcp ${sizeName(size)} × ${thousands(messages)}`;
    const send = (receiver: Runtime, sender: Runtime, sync = false) => () =>
      pushPull(receiver, sender, size, messages, sync);
    const configs: Record<string, () => Promise<Throughput>> = {
      native: send("native", "native"),
      deno: send("deno", "deno"),
      bun: send("bun", "bun"),
      "deno sync": send("deno", "deno", true),
      "bun sync": send("bun", "bun", true),
    };
    if (size === 64) {
      // Which side limits throughput: one side ours, the other native.
      configs["native -> deno"] = send("deno", "native");
      configs["native -> bun"] = send("bun", "native");
      configs["deno -> native"] = send("native", "deno");
      configs["bun -> native"] = send("native", "bun");
    }
    const results = await rounds(name, configs, bestThroughput);
    const native = results.native;
    row(
      `${name}: awaited send → for await`,
      throughputCells(native, results),
      target,
    );
    row(
      `${name}: sendSync → receiveSync (reference)`,
      throughputCells(native, {
        deno: results["deno sync"],
        bun: results["bun sync"],
      }),
    );
    if (size === 64) {
      row(
        `${name}: native Push → our awaited Pull (diagnostic)`,
        throughputCells(native, {
          deno: results["native -> deno"],
          bun: results["native -> bun"],
        }),
      );
      row(
        `${name}: our awaited Push → native Pull (diagnostic)`,
        throughputCells(native, {
          deno: results["deno -> native"],
          bun: results["bun -> native"],
        }),
      );
    }
  }
}

async function requestReplyGroup(): Promise<void> {
  const trips = count(20_000);
  const name = `REQ/REP tcp 64 B × ${thousands(trips)}`;
  const both = (runtime: Runtime, sync = false) => () =>
    requestReply(runtime, runtime, trips, 0, sync);
  const results = await rounds(name, {
    native: both("native"),
    deno: both("deno"),
    bun: both("bun"),
    "deno sync": both("deno", true),
    "bun sync": both("bun", true),
  }, bestLatency);
  const native = results.native;
  const sync = { deno: results["deno sync"], bun: results["bun sync"] };
  row(
    `${name}: mean round trip, awaited on both sides`,
    latencyCells("meanUs", native, results, "x"),
    "≤ 1.2× native",
  );
  row(
    `${name}: p99 round trip, awaited on both sides`,
    latencyCells("p99Us", native, results, "x"),
  );
  row(
    `${name}: mean round trip, sync API (reference)`,
    latencyCells("meanUs", native, sync, "x"),
  );
}

async function inprocGroup(): Promise<void> {
  const messages = count(1_000_000);
  const name = `inproc PUSH→PULL 64 B × ${thousands(messages)}, one process`;
  const results = await rounds(name, {
    native: () => inproc("native", messages),
    deno: () => inproc("deno", messages),
    bun: () => inproc("bun", messages),
  }, bestThroughput);
  row(
    `${name}: awaited send → for await`,
    throughputCells(results.native, results),
    "≥ 70% of native msg/s",
  );
}

async function wakeGroup(): Promise<void> {
  const trips = count(2_000);
  const gapUs = 1000;
  const name = `Idle wake-up, REQ → native REP tcp 64 B, ${
    gapUs / 1000
  } ms idle × ${thousands(trips)}`;
  const client = (runtime: Runtime, sync = false) => () =>
    requestReply("native", runtime, trips, gapUs, sync);
  const results = await rounds(name, {
    native: client("native"),
    deno: client("deno"),
    bun: client("bun"),
    "deno sync": client("deno", true),
    "bun sync": client("bun", true),
  }, bestLatency);
  const native = results.native;
  const sync = { deno: results["deno sync"], bun: results["bun sync"] };
  row(
    `${name}: median round trip, awaited`,
    latencyCells("p50Us", native, results, "+"),
    "≤ +20 µs over native",
  );
  row(
    `${name}: p99 round trip, awaited`,
    latencyCells("p99Us", native, results, "+"),
  );
  row(
    `${name}: median round trip, sync API (reference)`,
    latencyCells("p50Us", native, sync, "+"),
  );
}

async function opsGroup(): Promise<void> {
  const calls = count(200_000);
  const name = "Per call, inproc 64 B, nothing to wait for";
  const results = await rounds(name, {
    native: () => ops("native", calls),
    deno: () => ops("deno", calls),
    bun: () => ops("bun", calls),
  }, bestCosts);
  // Each line: our key, the native key it compares with, and what it is.
  const lines: [string, string | null, string][] = [
    ["trySendNs", "sendNs", "trySend (C: zmq_send DONTWAIT)"],
    ["sendNs", "sendNs", "await send() completing at once"],
    ["sendSyncNs", "sendNs", "sendSync"],
    ["tryReceiveNs", "receiveNs", "tryReceive (C: zmq_msg_recv, no copy)"],
    ["receiveNs", "receiveNs", "await receive() of a queued message"],
    ["forAwaitNs", "receiveNs", "one for await step over queued messages"],
    ["receiveSyncNs", "receiveNs", "receiveSync"],
    ["emptyTryReceiveNs", "emptyReceiveNs", "tryReceive on an empty socket"],
    [
      "plainForAwaitNs",
      null,
      "one for await step over a plain iterator of resolved promises (no libzmq)",
    ],
  ];
  for (const [key, nativeKey, label] of lines) {
    const native = nativeKey === null ? undefined : results.native;
    const text = (costs: Costs, field: string) =>
      `${costs[field].toFixed(0)} ns`;
    const against = (ours: Costs, base: Costs) =>
      `${(ours[key] / base[nativeKey!]).toFixed(1)}×`;
    row(`${name}: ${label}`, {
      native: native === undefined
        ? "—"
        : cell(native, native, (costs) => text(costs, nativeKey!), against),
      deno: cell(results.deno, native, (costs) => text(costs, key), against),
      bun: cell(results.bun, native, (costs) => text(costs, key), against),
    });
  }
}

// ---- main -------------------------------------------------------------

function output(command: string, args: string[]): string {
  return spawnSync(command, args, { encoding: "utf8", timeout: 10_000 })
    .stdout ?? "";
}

const started = performance.now();
const gitHead = output("git", ["-C", root, "rev-parse", "--short", "HEAD"])
  .trim();
const changed = output("git", [
  "-C",
  root,
  "status",
  "--porcelain",
  "--",
  "src",
  "ffi",
  "mod.ts",
]).split("\n").filter(Boolean).map((line) => line.slice(3));
const environment = [
  `libzmq ${libzmqVersion()}`,
  output(deno, ["--version"]).split("\n")[0].split(" (")[0],
  `bun ${output(bun, ["--version"]).trim()}`,
  `${navigator.hardwareConcurrency} CPUs`,
  `commit ${gitHead}${
    changed.length ? ` + uncommitted changes to ${changed.join(", ")}` : ""
  }`,
  `${quick ? "--quick (counts / 10)" : "full counts"}, best of ${repeat} ${
    repeat === 1 ? "run" : "interleaved runs"
  }`,
];
console.error(`zmq-ffi benchmarks: ${environment.join("; ")}`);

const runners: Record<string, () => Promise<void>> = {
  pushpull: pushPullGroup,
  reqrep: requestReplyGroup,
  inproc: inprocGroup,
  wake: wakeGroup,
  ops: opsGroup,
};
for (const group of groups) {
  if (only.includes(group)) await runners[group]();
}

const seconds = ((performance.now() - started) / 1000).toFixed(0);
const escape = (text: string) => text.replaceAll("|", "\\|");
const lines = [
  "",
  `zmq-ffi vs native libzmq in the same run (${
    environment.join("; ")
  }; took ${seconds} s)`,
  "",
  "| workload | native | Deno (ratio) | Bun (ratio) | target |",
  "| --- | --- | --- | --- | --- |",
  ...rows.map((entry) =>
    `| ${
      [
        entry.workload,
        ...runtimes.map((runtime) => entry.cells[runtime]),
        entry.target || "—",
      ].map(escape).join(" | ")
    } |`
  ),
];
console.log(lines.join("\n"));
if (jsonPath !== undefined) {
  writeFileSync(
    jsonPath,
    JSON.stringify({ environment, quick, repeat, results: raw }, null, 2) +
      "\n",
  );
}
process.exit(0);
