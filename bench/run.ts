/**
 * The benchmark runner: runs each workload through native C peers
 * (bench/native/, built by bench/run.sh), through the libraries people would
 * pick instead of zmq-ffi (pyzmq and zeromq.js, bench/peers/) and through
 * zmq-ffi's public API on Deno, Bun and Node (bench/peer.ts), in the same
 * run, and prints one markdown table of results as ratios to native. Start it
 * through bench/run.sh, which builds the C programs first:
 *
 *   bench/run.sh [--quick] [--repeat N] [--only pushpull,reqrep,inproc,wake,ops]
 *                [--columns pyzmq,zeromqjs,deno,bun,node] [--json out.json]
 *
 * Every side runs in its own process with a `READY <endpoint>` handshake on
 * stdout; every wait has a timeout, and a failed measurement shows up in its
 * cell instead of stopping the run.
 *
 * @module
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
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
// Debian's python3-zmq is installed for the system interpreter, which a
// python3 earlier on PATH (pyenv, a virtualenv) may not see.
const python = process.env.BENCH_PYTHON ?? "/usr/bin/python3";
// zeromq.js runs on the Node on PATH, from its own directory under
// bench/build/: it is never a dependency of zmq-ffi.
const node = process.env.BENCH_NODE ?? "node";
// zmq-ffi's Node column: the Node of the dev dependencies (26.1 or later, for
// node:ffi), whatever the Node on PATH is.
const nodeFfi = process.env.BENCH_FFI_NODE ?? `${root}node_modules/.bin/node`;
const ZEROMQJS_VERSION = "6.8.0";
const zeromqjsPrefix = `${build}/zeromqjs-${ZEROMQJS_VERSION}`;

// Per measurement; a child process also kills itself after its lifetime.
const READY_TIMEOUT = 30_000;
const MEASURE_TIMEOUT = quick ? 30_000 : 60_000;
const LIFETIME_SECONDS = String((READY_TIMEOUT + MEASURE_TIMEOUT) / 1000 + 30);

// ---- columns ------------------------------------------------------------

/** A command and its arguments: never empty. */
type Argv = [string, ...string[]];

/** The native program that plays a role; the other columns run one program for all. */
type Program = "push_pull" | "req_rep" | "inproc" | "ops";

/** A workload, for the APIs that run it with fewer messages. */
type Workload =
  | "tcp64"
  | "tcp1k"
  | "tcp64k"
  | "reqrep"
  | "inproc"
  | "wake"
  | "ops";

/** One way of using a column's library: its main API, or the reference one. */
interface Api {
  /** Trailing arguments that select this API in the peer ([] for the main one). */
  mode: string[];
  /** What it is, for the notes under the table. */
  name: string;
  /**
   * Workloads this API runs with fewer messages (count / divisor), so that a
   * slow library's runs fit in the time budget; rates are per second either way.
   */
  fewer?: Partial<Record<Workload, number>>;
}

/**
 * One column of the table: an implementation, measured through its main API
 * on the main lines and through a second API on the reference lines.
 */
interface Column {
  /** Used in --columns, the progress lines and the JSON output. */
  key: string;
  /** The library (and runtime) in the notes under the table. */
  name: string;
  /** The table's header for this column: the name and its main API. */
  header: string;
  /** Versions for the header line of the table. */
  version: string;
  /** zmq-ffi: also gets the diagnostic lines that pair it with native peers. */
  ours: boolean;
  /** The argv that plays `role`; arguments follow it. */
  command: (program: Program, role: string) => Argv;
  main: Api;
  reference?: Api;
  /** Why the column is left out of this run (shown under the table). */
  missing?: string;
  /** Anything else a reader of the table should know about this column. */
  note?: string;
}

/** A command's stdout, and the last line of its stderr if it failed. */
function output(command: string, args: string[]) {
  const run = spawnSync(command, args, { encoding: "utf8", timeout: 30_000 });
  const failure = run.error?.message ??
    (run.status === 0 ? undefined : (run.stderr || `exit ${run.status}`)
      .trim().split("\n").slice(-1)[0]);
  return { text: run.stdout ?? "", failure };
}

const native: Column = {
  key: "native",
  name: "C",
  header: "C (blocking)",
  version: "",
  ours: false,
  // inproc and ops are whole programs; push_pull and req_rep take the role.
  command: (program, role) =>
    program === "inproc" || program === "ops"
      ? [`${build}/${program}`]
      : [`${build}/${program}`, role],
  main: { mode: [], name: "zmq_send / zmq_msg_recv" },
};

/**
 * zmq-ffi on one runtime: bench/peer.ts, awaited, with the sync API as
 * reference; `fewer` applies to the main API, `missing` leaves the column out.
 */
function ours(
  key: string,
  name: string,
  command: Argv,
  { fewer, missing }: { fewer?: Api["fewer"]; missing?: string } = {},
): Column {
  // split() always returns at least one string.
  const version = output(command[0], ["--version"]).text.split("\n")[0]!
    .split(" (")[0]!.trim();
  return {
    key,
    name: `zmq-ffi ${name}`,
    header: `zmq-ffi ${name} (awaited)`,
    version: version.toLowerCase().startsWith(key)
      ? version
      : `${key} ${version}`,
    ours: true,
    command: (_program, role) => [...command, role],
    main: { mode: [], name: "await send(), for await", fewer },
    reference: { mode: ["sync"], name: "sendSync / receiveSync" },
    missing,
  };
}

/**
 * zmq-ffi on Node through node:ffi: bench/peer.ts and the library compiled to
 * JavaScript (see nodeJavaScript), as Node users run the npm package.
 * node:ffi came in Node 26.1, behind --experimental-ffi until 26.9; the
 * column is left out on an older Node or none. Its per-call run (every API
 * form, five passes) takes three times Deno's at full count, so it sends a
 * quarter of the messages.
 */
/**
 * bench/peer.ts and the library compiled to JavaScript into
 * bench/build/node-js/ by .ci/build-npm.mjs, the npm package's own build:
 * Node strips no types under node_modules, so JavaScript is what Node users
 * run, and zeromq.js's column runs JavaScript too. Run as TypeScript, Node's
 * type stripper stays loaded: a process holding zmq-ffi had 10.6 MB of live
 * heap instead of 6.3 MB, which every full collection marks. Falls back to
 * the TypeScript (with a note) if the build fails.
 */
function nodeJavaScript(): { script: string; note?: string } {
  const out = `${build}/node-js`;
  const compiled = spawnSync(
    nodeFfi,
    [`${root}.ci/build-npm.mjs`, "--out", out, "bench/peer.ts"],
    { encoding: "utf8", timeout: 120_000 },
  );
  if (compiled.status !== 0) {
    const why = (compiled.stdout || compiled.stderr || String(compiled.error))
      .trim().split("\n")[0];
    return {
      script: peer,
      note:
        `zmq-ffi Node ran bench/peer.ts as TypeScript: its build failed (${why})`,
    };
  }
  return { script: `${out}/bench/peer.js` };
}

function oursOnNode(): Column {
  const probe = output(nodeFfi, ["--version"]);
  const [, major = 0, minor = 0] =
    /^v(\d+)\.(\d+)\./.exec(probe.text.trim())?.map(Number) ?? [];
  const atLeast = (wantMajor: number, wantMinor: number) =>
    major > wantMajor || (major === wantMajor && minor >= wantMinor);
  const missing = probe.failure !== undefined
    ? `${nodeFfi} does not run (${probe.failure}); npm ci installs Node 26 ` +
      "into node_modules/.bin (Linux x64 and arm64), BENCH_FFI_NODE names " +
      "another"
    : !atLeast(26, 1)
    ? `${nodeFfi} is Node ${probe.text.trim()}, and node:ffi needs 26.1 or ` +
      "later"
    : undefined;
  const compiled = missing === undefined ? nodeJavaScript() : { script: peer };
  const column = ours("node", "Node", [
    nodeFfi,
    "--disable-warning=ExperimentalWarning",
    ...(atLeast(26, 9) ? [] : ["--experimental-ffi"]),
    compiled.script,
  ], { fewer: { ops: 4 }, missing });
  if (compiled.note !== undefined) column.note = compiled.note;
  return column;
}

function pyzmq(): Column {
  const probe = output(python, [
    "-c",
    "import sys, zmq; print(zmq.__version__, zmq.zmq_version(), sys.version.split()[0])",
  ]);
  const [version, libzmq, pythonVersion] = probe.text.trim().split(" ");
  const script = `${root}bench/peers/pyzmq_bench.py`;
  return {
    key: "pyzmq",
    name: "pyzmq",
    header: "pyzmq (blocking)",
    version: `pyzmq ${version} (libzmq ${libzmq}, Python ${pythonVersion})`,
    ours: false,
    command: (_program, role) => [python, script, role],
    // ops: its awaited forms (zmq.asyncio) run in the same process as the
    // blocking ones and take tens of µs per call.
    main: { mode: [], name: "blocking send() / recv()", fewer: { ops: 20 } },
    reference: {
      mode: ["asyncio"],
      name: "zmq.asyncio, await send() / recv()",
      fewer: { tcp64: 40, tcp1k: 10, tcp64k: 10, reqrep: 4, inproc: 40 },
    },
    missing: probe.failure === undefined
      ? undefined
      : `${python} cannot import zmq (${probe.failure}); install python3-zmq`,
  };
}

/**
 * Installs zeromq.js (pinned) into its own directory under bench/build/ unless
 * it is there already, and checks that its addon loads on this Node.
 * `--ignore-scripts`: the package ships prebuilt addons, and its install script
 * only checks that one loads, falling back to a build from source that
 * downloads a toolchain's worth of dependencies; we check the loading ourselves.
 */
function zeromqjs(): Column {
  const script = `${root}bench/peers/zeromqjs_bench.mjs`;
  process.env.BENCH_ZEROMQJS_PREFIX = zeromqjsPrefix;
  let installed: string | undefined;
  try {
    installed = JSON.parse(
      readFileSync(
        `${zeromqjsPrefix}/node_modules/zeromq/package.json`,
        "utf8",
      ),
    ).version;
  } catch {
    // not installed yet
  }
  let missing: string | undefined;
  if (installed !== ZEROMQJS_VERSION) {
    console.error(
      `installing zeromq@${ZEROMQJS_VERSION} into ${zeromqjsPrefix}`,
    );
    const install = spawnSync("npm", [
      "install",
      "--prefix",
      zeromqjsPrefix,
      "--ignore-scripts",
      "--no-save",
      "--no-package-lock",
      "--no-audit",
      "--no-fund",
      `zeromq@${ZEROMQJS_VERSION}`,
    ], { encoding: "utf8", timeout: 180_000 });
    if (install.status !== 0) {
      const why = install.error?.message ??
        (install.stderr || "").trim().split("\n").slice(-3).join(" ");
      missing = `npm install zeromq@${ZEROMQJS_VERSION} failed: ${why}`;
    }
  }
  let version = "";
  if (missing === undefined) {
    const probe = output(node, [script, "version"]);
    const line = probe.text.split("\n").find((text) =>
      text.startsWith("RESULT ")
    );
    if (probe.failure !== undefined || line === undefined) {
      missing = `zeromq.js ${ZEROMQJS_VERSION} does not load on ${node}: ${
        probe.failure ?? "no version"
      }`;
    } else {
      const versions = JSON.parse(line.slice("RESULT ".length));
      const nodeVersion = output(node, ["--version"]).text.trim();
      version =
        `zeromq.js ${versions.zeromqjs} (its own libzmq ${versions.libzmq}, Node ${nodeVersion})`;
    }
  }
  return {
    key: "zeromqjs",
    name: "zeromq.js",
    header: "zeromq.js (awaited)",
    version,
    ours: false,
    command: (_program, role) => [node, script, role],
    // Each awaited call takes several µs (see the per-call lines).
    main: {
      mode: [],
      name: "await send(), for await",
      fewer: { tcp64: 10, tcp1k: 4, reqrep: 2, inproc: 10, ops: 20 },
    },
    missing,
  };
}

// The table's columns, left to right, each made only when it is wanted (a
// column's setup may install or probe things). Another runtime for zmq-ffi is
// one more line here, like ["bun", () => ours("bun", "Bun", [bun, peer])].
const columnMakers: [string, () => Column][] = [
  ["native", () => native],
  ["pyzmq", pyzmq],
  ["zeromqjs", zeromqjs],
  ["deno", () =>
    ours("deno", "Deno", [
      deno,
      "run",
      "--allow-ffi",
      "--allow-env",
      "--allow-read",
      peer,
    ])],
  ["bun", () => ours("bun", "Bun", [bun, peer])],
  ["node", oursOnNode],
];
const wanted = flagValue("--columns")?.split(",");
for (const key of wanted ?? []) {
  if (!columnMakers.some(([known]) => known === key)) {
    console.error(
      `unknown column ${key}; use ${
        columnMakers.slice(1).map(([known]) => known).join(",")
      }`,
    );
    process.exit(2);
  }
}
// Native is every ratio's base, so it always runs.
const columns = columnMakers
  .filter(([key]) => key === "native" || !wanted || wanted.includes(key))
  .map(([, make]) => make());
const running = columns.filter((column) => column.missing === undefined);
const oursColumns = running.filter((column) => column.ours);

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
  readonly label: string;
  #child: ChildProcess;
  #lines: string[] = [];
  #partial = "";
  #stderr = "";
  #exited: string | null = null;
  #wake: () => void = () => {};

  constructor(label: string, command: Argv) {
    this.label = label;
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

/** One side of a measurement: a column through one of its APIs. */
interface Side {
  column: Column;
  api: Api;
}
const mainOf = (column: Column): Side => ({ column, api: column.main });
const nativeSide = mainOf(native);

function start(
  side: Side,
  label: string,
  program: Program,
  role: string,
  args: (string | number)[],
): Peer {
  return new Peer(`${side.column.key} ${label}`, [
    ...side.column.command(program, role),
    ...args.map(String),
    ...side.api.mode,
  ]);
}

/** PUSH -> PULL over tcp, receiver and sender in separate processes. */
async function pushPull(
  receiver: Side,
  sender: Side,
  size: number,
  count: number,
): Promise<Throughput> {
  const pull = start(receiver, "receiver", "push_pull", "recv", [size, count]);
  let push: Peer | undefined;
  try {
    const endpoint = await pull.line("READY", READY_TIMEOUT);
    push = start(sender, "sender", "push_pull", "send", [
      endpoint,
      size,
      count,
    ]);
    const result = JSON.parse(await pull.line("RESULT", MEASURE_TIMEOUT));
    checkSizes(result);
    return throughputOf(result);
  } finally {
    await push?.stop();
    await pull.stop();
  }
}

/** REQ client against a REP echo server over tcp, in separate processes. */
async function requestReply(
  server: Side,
  client: Side,
  count: number,
  gapUs: number,
): Promise<Latency> {
  const rep = start(server, "server", "req_rep", "server", []);
  let req: Peer | undefined;
  try {
    const endpoint = await rep.line("READY", READY_TIMEOUT);
    req = start(client, "client", "req_rep", "client", [
      endpoint,
      64,
      count,
      gapUs,
    ]);
    const result = JSON.parse(await req.line("RESULT", MEASURE_TIMEOUT));
    return { meanUs: result.meanUs, p50Us: result.p50Us, p99Us: result.p99Us };
  } finally {
    await req?.stop();
    await rep.stop();
  }
}

/** inproc PUSH -> PULL in one process. */
async function inproc(side: Side, count: number): Promise<Throughput> {
  const child = start(side, "inproc", "inproc", "inproc", [64, count]);
  try {
    const result = JSON.parse(await child.line("RESULT", MEASURE_TIMEOUT));
    checkSizes(result);
    return throughputOf(result);
  } finally {
    await child.stop();
  }
}

type Costs = Record<string, number>;

/** Per-call costs in one process (bench/native/ops.c, the peers' ops). */
async function ops(side: Side, count: number): Promise<Costs> {
  const child = start(side, "ops", "ops", "ops", [count]);
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
  const runs: [string, () => Promise<T>, Outcome<T>][] = [];
  for (const [key, measure] of Object.entries(configs)) {
    const outcome: Outcome<T> = { values: [], errors: [], best: undefined };
    outcomes[key] = outcome;
    runs.push([key, measure, outcome]);
  }
  for (let round = 1; round <= repeat; round++) {
    for (const [key, measure, outcome] of runs) {
      const started = performance.now();
      const label = `  ${key} (run ${round}/${repeat})`;
      try {
        const value = await measure();
        outcome.values.push(value);
        const seconds = ((performance.now() - started) / 1000).toFixed(1);
        console.error(`${label}: ${summary(value)} in ${seconds} s`);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        outcome.errors.push(message);
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

/** The fastest of each cost over the runs (a key missing from a run is skipped). */
const bestCosts = (values: Costs[]): Costs => {
  const best: Costs = {};
  for (const value of values) {
    for (const [key, cost] of Object.entries(value)) {
      best[key] = Math.min(best[key] ?? Infinity, cost);
    }
  }
  return best;
};

/**
 * The configurations of one workload: each column through its main API, then
 * through its reference API, keyed by `referenceKey`.
 */
function configsOf<T>(
  measure: (side: Side) => Promise<T>,
): Record<string, () => Promise<T>> {
  const configs: Record<string, () => Promise<T>> = {};
  for (const column of running) {
    configs[column.key] = () => measure(mainOf(column));
  }
  for (const column of running) {
    const api = column.reference;
    if (api !== undefined) {
      configs[referenceKey(column)] = () => measure({ column, api });
    }
  }
  return configs;
}
const referenceKey = (column: Column) =>
  `${column.key} ${column.reference!.mode.join(" ")}`;

// ---- the table --------------------------------------------------------

interface Row {
  workload: string;
  /** By column key; a column without a cell shows "—". */
  cells: Record<string, string>;
  target: string;
}
const rows: Row[] = [];

function row(workload: string, cells: Record<string, string>, target = "") {
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

/**
 * A cell: native's shows its value; the others lead with the comparison to
 * native, then their value; failed runs are counted.
 */
function cell<T>(
  outcome: Outcome<T> | undefined,
  base: Outcome<T> | undefined,
  text: (value: T) => string,
  compare: (value: T, base: T) => string,
): string {
  if (outcome === undefined) return "—";
  const runs = outcome.values.length + outcome.errors.length;
  if (outcome.best === undefined) {
    // No run succeeded, and every configuration runs at least once: there is
    // an error (and split() always returns at least one string).
    return `failed: ${outcome.errors[0]!.split("\n")[0]!.slice(0, 100)}`;
  }
  let result = text(outcome.best);
  if (outcome !== base && base?.best !== undefined) {
    result = `${compare(outcome.best, base.best)} (${result})`;
  }
  if (outcome.errors.length > 0) {
    result += ` [${outcome.errors.length} of ${runs} runs failed]`;
  }
  return result;
}

/**
 * A row's cells: native's from `outcomes.native`, every other column's from
 * the configuration `keyOf` names for it (none: "—").
 */
function cells<T>(
  outcomes: Record<string, Outcome<T>>,
  keyOf: (column: Column) => string | undefined,
  text: (value: T) => string,
  compare: (value: T, base: T) => string,
): Record<string, string> {
  const base = outcomes.native;
  const result: Record<string, string> = {
    native: cell(base, base, text, compare),
  };
  for (const column of running) {
    const key = column === native ? undefined : keyOf(column);
    if (key !== undefined) {
      result[column.key] = cell(outcomes[key], base, text, compare);
    }
  }
  return result;
}

const main = (column: Column) => column.key;
const reference = (column: Column) =>
  column.reference === undefined ? undefined : referenceKey(column);

/** Cells of a throughput row, as a percentage of native msg/s. */
function throughputCells(
  outcomes: Record<string, Outcome<Throughput>>,
  keyOf: (column: Column) => string | undefined,
): Record<string, string> {
  const percent = (value: Throughput, base: Throughput) =>
    `${(100 * value.msgsPerSecond / base.msgsPerSecond).toFixed(0)}%`;
  return cells(outcomes, keyOf, throughputText, percent);
}

/** Cells of a latency row: "x" compares as times native, "+" as µs added over native. */
function latencyCells(
  statistic: keyof Latency,
  outcomes: Record<string, Outcome<Latency>>,
  keyOf: (column: Column) => string | undefined,
  compare: "x" | "+",
): Record<string, string> {
  const text = (value: Latency) => `${value[statistic].toFixed(1)} µs`;
  const against = (value: Latency, base: Latency) => {
    if (compare === "x") {
      return `${(value[statistic] / base[statistic]).toFixed(2)}×`;
    }
    const added = value[statistic] - base[statistic];
    return `${added >= 0 ? "+" : "−"}${Math.abs(added).toFixed(1)} µs`;
  };
  return cells(outcomes, keyOf, text, against);
}

/** The message count of `workload` for one API (some run fewer, see Api.fewer). */
const count = (full: number, workload: Workload, api: Api = native.main) =>
  Math.max(2, Math.floor(full / scale / (api.fewer?.[workload] ?? 1)));
const thousands = (value: number) => value.toLocaleString("en-US");
const sizeName = (size: number) =>
  size >= 1024 ? `${size / 1024} KiB` : `${size} B`;

// Names of the workloads for the notes on fewer messages.
const workloadNames: Record<Workload, string> = {
  tcp64: "tcp 64 B",
  tcp1k: "tcp 1 KiB",
  tcp64k: "tcp 64 KiB",
  reqrep: "REQ/REP",
  inproc: "inproc",
  wake: "idle wake-up",
  ops: "per call",
};
const workloadsRun = new Set<Workload>();

// ---- workloads --------------------------------------------------------

async function pushPullGroup(): Promise<void> {
  const workloads: [Workload, number, number, string][] = [
    ["tcp64", 64, 1_000_000, "≥ 80% of native msg/s"],
    ["tcp1k", 1024, 200_000, "≥ 80% of native msg/s"],
    ["tcp64k", 65536, 10_000, ""],
  ];
  for (const [workload, size, full, target] of workloads) {
    workloadsRun.add(workload);
    const name = `PUSH→PULL tcp ${sizeName(size)} × ${
      thousands(count(full, workload))
    }`;
    // Both sides use the same API; the receiver measures.
    const configs = configsOf((side) =>
      pushPull(side, side, size, count(full, workload, side.api))
    );
    if (size === 64) {
      // Which side limits throughput: one side ours, the other native.
      for (const column of oursColumns) {
        configs[`native -> ${column.key}`] = () =>
          pushPull(mainOf(column), nativeSide, size, count(full, workload));
      }
      for (const column of oursColumns) {
        configs[`${column.key} -> native`] = () =>
          pushPull(nativeSide, mainOf(column), size, count(full, workload));
      }
    }
    const results = await rounds(name, configs, bestThroughput);
    row(name, throughputCells(results, main), target);
    row(`${name}: reference API`, throughputCells(results, reference));
    if (size === 64) {
      row(
        `${name}: native Push → our awaited Pull (diagnostic)`,
        throughputCells(
          results,
          (column) => column.ours ? `native -> ${column.key}` : undefined,
        ),
      );
      row(
        `${name}: our awaited Push → native Pull (diagnostic)`,
        throughputCells(
          results,
          (column) => column.ours ? `${column.key} -> native` : undefined,
        ),
      );
    }
  }
}

async function requestReplyGroup(): Promise<void> {
  workloadsRun.add("reqrep");
  const full = 10_000;
  const name = `REQ/REP tcp 64 B × ${thousands(count(full, "reqrep"))}`;
  const results = await rounds(
    name,
    configsOf((side) =>
      requestReply(side, side, count(full, "reqrep", side.api), 0)
    ),
    bestLatency,
  );
  row(
    `${name}: mean round trip, same library on both sides`,
    latencyCells("meanUs", results, main, "x"),
    "≤ 1.2× native",
  );
  row(
    `${name}: p99 round trip, same library on both sides`,
    latencyCells("p99Us", results, main, "x"),
  );
  row(
    `${name}: mean round trip, reference API`,
    latencyCells("meanUs", results, reference, "x"),
  );
}

async function inprocGroup(): Promise<void> {
  workloadsRun.add("inproc");
  const full = 1_000_000;
  const name = `inproc PUSH→PULL 64 B × ${
    thousands(count(full, "inproc"))
  }, one process`;
  const results = await rounds(
    name,
    configsOf((side) => inproc(side, count(full, "inproc", side.api))),
    bestThroughput,
  );
  row(name, throughputCells(results, main), "≥ 70% of native msg/s");
  row(`${name}: reference API`, throughputCells(results, reference));
}

async function wakeGroup(): Promise<void> {
  workloadsRun.add("wake");
  const full = 1_000;
  const gapUs = 1000;
  const name = `Idle wake-up, REQ → native REP tcp 64 B, ${
    gapUs / 1000
  } ms idle × ${thousands(count(full, "wake"))}`;
  const results = await rounds(
    name,
    configsOf((side) =>
      requestReply(nativeSide, side, count(full, "wake", side.api), gapUs)
    ),
    bestLatency,
  );
  row(
    `${name}: median round trip`,
    latencyCells("p50Us", results, main, "+"),
    "≤ +20 µs over native",
  );
  row(
    `${name}: p99 round trip`,
    latencyCells("p99Us", results, main, "+"),
  );
  row(
    `${name}: median round trip, reference API`,
    latencyCells("p50Us", results, reference, "+"),
  );
}

async function opsGroup(): Promise<void> {
  workloadsRun.add("ops");
  const full = 200_000;
  const name = "Per call, inproc 64 B, nothing to wait for";
  const results: Record<string, Outcome<Costs>> = await rounds(name, {
    // One process measures every API form of its library.
    ...Object.fromEntries(
      running.map((column) => [
        column.key,
        () => ops(mainOf(column), count(full, "ops", column.main)),
      ]),
    ),
  }, bestCosts);
  // Each line: the peers' key, the native key it compares with, and what it
  // is; a library without that form shows "—".
  const lines: [string, string | null, string][] = [
    [
      "trySendNs",
      "sendNs",
      "trySend (pyzmq: send(NOBLOCK); C: zmq_send DONTWAIT)",
    ],
    ["sendNs", "sendNs", "await send() completing at once (pyzmq: asyncio)"],
    ["sendSyncNs", "sendNs", "sendSync (pyzmq: blocking send())"],
    [
      "tryReceiveNs",
      "receiveNs",
      "tryReceive (pyzmq: recv(NOBLOCK); C: zmq_msg_recv, no copy)",
    ],
    [
      "receiveNs",
      "receiveNs",
      "await receive() of a queued message (pyzmq: asyncio)",
    ],
    ["forAwaitNs", "receiveNs", "one for await step over queued messages"],
    ["receiveSyncNs", "receiveNs", "receiveSync (pyzmq: blocking recv())"],
    [
      "emptyTryReceiveNs",
      "emptyReceiveNs",
      "tryReceive on an empty socket (pyzmq: recv(NOBLOCK) raising zmq.Again)",
    ],
    [
      "plainForAwaitNs",
      null,
      "one for await step over a plain iterator of resolved promises (no libzmq)",
    ],
  ];
  for (const [key, nativeKey, label] of lines) {
    const base = nativeKey === null ? undefined : results.native;
    // Only called with costs that have `field`: native's with its own keys
    // (ops.c prints all three), the others' once `key` is checked below.
    const text = (costs: Costs, field: string) =>
      `${costs[field]!.toFixed(0)} ns`;
    const against = (costs: Costs, baseCosts: Costs) =>
      `${(costs[key]! / baseCosts[nativeKey!]!).toFixed(1)}×`;
    const lineCells: Record<string, string> = {
      native: base === undefined
        ? "—"
        : cell(base, base, (costs) => text(costs, nativeKey!), against),
    };
    for (const column of running) {
      if (column === native) continue;
      const outcome = results[column.key]!; // every running column has one
      // A library without this form has no cell (a failed run still shows).
      if (outcome.best !== undefined && outcome.best[key] === undefined) {
        continue;
      }
      lineCells[column.key] = cell(
        outcome,
        base,
        (costs) => text(costs, key),
        against,
      );
    }
    row(`${name}: ${label}`, lineCells);
  }
}

// ---- main -------------------------------------------------------------

const started = performance.now();
const gitHead = output("git", ["-C", root, "rev-parse", "--short", "HEAD"])
  .text.trim();
const changed = output("git", [
  "-C",
  root,
  "status",
  "--porcelain",
  "--",
  "src",
  "ffi",
  "mod.ts",
]).text.split("\n").filter(Boolean).map((line) => line.slice(3));
const environment = [
  `libzmq ${libzmqVersion()}`,
  ...running.map((column) => column.version).filter(Boolean),
  `${navigator.hardwareConcurrency} CPUs`,
  `commit ${gitHead}${
    changed.length ? ` + uncommitted changes to ${changed.join(", ")}` : ""
  }`,
  `${quick ? "--quick (counts / 10)" : "full counts"}, best of ${repeat} ${
    repeat === 1 ? "run" : "interleaved runs"
  }`,
];
console.error(`zmq-ffi benchmarks: ${environment.join("; ")}`);
for (const column of columns) {
  if (column.missing !== undefined) {
    console.error(`${column.name} left out: ${column.missing}`);
  }
}

const runners: Record<string, () => Promise<void>> = {
  pushpull: pushPullGroup,
  reqrep: requestReplyGroup,
  inproc: inprocGroup,
  wake: wakeGroup,
  ops: opsGroup,
};
for (const group of groups) {
  if (only.includes(group)) await runners[group]!(); // one for each group
}

// Under the table: what each column's lines measure, which ran fewer
// messages, and which columns were left out and why.
const withReference = running.filter((column) => column.reference);
const notes: string[] = [
  `Main lines: ${
    running.map((column) => `${column.name}: ${column.main.name}`).join("; ")
  }.${
    withReference.length === 0
      ? ""
      : ` Reference lines: ${
        withReference.map((column) =>
          `${column.name}: ${column.reference!.name}`
        ).join("; ")
      }.`
  }`,
];
const fewer: string[] = [];
for (const column of running) {
  for (const api of [column.main, column.reference]) {
    const divisors = Object.entries(api?.fewer ?? {})
      .filter(([workload]) => workloadsRun.has(workload as Workload))
      .map(([workload, divisor]) =>
        `${workloadNames[workload as Workload]} ÷ ${divisor}`
      );
    if (api !== undefined && divisors.length > 0) {
      const which = api === column.main ? "" : ` ${api.mode.join(" ")}`;
      fewer.push(
        `${column.name}${which}: ${divisors.join(", ")}`,
      );
    }
  }
}
if (fewer.length > 0) {
  notes.push(
    `Fewer messages per run, so that the run fits in minutes (rates are per second either way): ${
      fewer.join("; ")
    }.`,
  );
}
for (const column of columns) {
  if (column.missing !== undefined) {
    notes.push(`${column.name} left out: ${column.missing}.`);
  } else if (column.note !== undefined) {
    notes.push(`${column.note}.`);
  }
}

const seconds = ((performance.now() - started) / 1000).toFixed(0);
const escape = (text: string) => text.replaceAll("|", "\\|");
const lines = [
  "",
  `zmq-ffi and the libraries people pick instead, against native libzmq in the same run (${
    environment.join("; ")
  }; took ${seconds} s)`,
  "",
  `| workload | ${
    running.map((column) => column.header).join(" | ")
  } | target |`,
  `| --- | ${running.map(() => "---").join(" | ")} | --- |`,
  ...rows.map((entry) =>
    `| ${
      [
        entry.workload,
        ...running.map((column) => entry.cells[column.key] ?? "—"),
        entry.target || "—",
      ].map(escape).join(" | ")
    } |`
  ),
  "",
  ...notes.flatMap((note) => [note, ""]),
];
console.log(lines.join("\n").trimEnd());
if (jsonPath !== undefined) {
  writeFileSync(
    jsonPath,
    JSON.stringify({ environment, quick, repeat, results: raw }, null, 2) +
      "\n",
  );
}
process.exit(0);
