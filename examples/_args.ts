/**
 * The command line shared by every example: `--bind ENDPOINT` and
 * `--connect ENDPOINT` (repeatable where several make sense) override the
 * guide's defaults, `--count N` makes a program stop by itself after N
 * messages, `--help` prints the usage, and a socket with another role gets a
 * flag of its own (the ventilator's `--sink`). Both `--flag value` and
 * `--flag=value` work.
 *
 * @module
 */
import process from "node:process";

/** One command-line flag of an example. */
export type Flag =
  | { kind: "list"; description: string; default: string[] }
  | { kind: "string"; description: string; default: string }
  | {
    kind: "number";
    description: string;
    default: number;
    /** How --help shows the default, when the number says too little. */
    shownDefault?: string;
  }
  | { kind: "boolean"; description: string };

/** The parsed value of each flag, under its camelCase name. */
export type Values<F extends Record<string, Flag>> = {
  [K in keyof F]: F[K] extends { kind: "list" } ? string[]
    : F[K] extends { kind: "number" } ? number
    : F[K] extends { kind: "boolean" } ? boolean
    : string;
};

/** What a program says about itself in `--help`. */
export interface Program<F extends Record<string, Flag>> {
  /** The file name without `.ts`, e.g. "hwserver". */
  name: string;
  /** One line: what the program does. */
  summary: string;
  /** Positional arguments in the usage line, e.g. "client|server". */
  positionals?: string;
  flags: F;
}

const kebab = (name: string) =>
  name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);

function shown(flag: Flag): string {
  if (flag.kind === "boolean") return "";
  if (flag.kind === "number" && flag.shownDefault) {
    return ` (default: ${flag.shownDefault})`;
  }
  const value = flag.default;
  if (Array.isArray(value)) return ` (default: ${value.join(", ") || "none"})`;
  if (value === Infinity) return " (default: no limit)";
  return ` (default: ${value})`;
}

/** The `--help` text of a program. */
export function usage<F extends Record<string, Flag>>(
  program: Program<F>,
): string {
  const lines = [
    `${program.name}: ${program.summary}`,
    "",
    `usage: ${program.name}${
      program.positionals ? ` ${program.positionals}` : ""
    } [options]`,
    "",
  ];
  const entries: [string, string][] = Object.entries(program.flags).map((
    [name, flag],
  ) => [
    `--${kebab(name)}${flag.kind === "boolean" ? "" : " VALUE"}${
      flag.kind === "list" ? " (repeatable)" : ""
    }`,
    `${flag.description}${shown(flag)}`,
  ]);
  entries.push(["--help", "print this help and exit"]);
  const width = Math.max(...entries.map(([left]) => left.length));
  for (const [left, right] of entries) {
    lines.push(`  ${left.padEnd(width)}  ${right}`);
  }
  return lines.join("\n");
}

function fail(message: string, program: Program<Record<string, Flag>>): never {
  console.error(`${program.name}: ${message}\n\n${usage(program)}`);
  process.exit(2);
}

/**
 * Parses the command line of an example. `--help` prints the usage and
 * exits; a bad flag prints the error and the usage and exits with status 2.
 * A list flag given on the command line replaces its default.
 */
export function parseArgs<F extends Record<string, Flag>>(
  program: Program<F>,
  argv: string[] = process.argv.slice(2),
): Values<F> & { positionals: string[] } {
  const byFlag = new Map<string, string>();
  for (const name of Object.keys(program.flags)) {
    byFlag.set(`--${kebab(name)}`, name);
  }
  const values: Record<string, unknown> = {};
  for (const [name, flag] of Object.entries(program.flags)) {
    values[name] = flag.kind === "boolean"
      ? false
      : Array.isArray(flag.default)
      ? [...flag.default]
      : flag.default;
  }
  const given = new Set<string>();
  const positionals: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index]!;
    if (argument === "--help" || argument === "-h") {
      console.log(usage(program));
      process.exit(0);
    }
    if (!argument.startsWith("--")) {
      positionals.push(argument);
      continue;
    }
    const equals = argument.indexOf("=");
    const option = equals < 0 ? argument : argument.slice(0, equals);
    const name = byFlag.get(option);
    if (name === undefined) fail(`unknown option ${option}`, program);
    const flag = program.flags[name]!;
    if (flag.kind === "boolean") {
      if (equals >= 0) fail(`${option} takes no value`, program);
      values[name] = true;
      continue;
    }
    let value: string;
    if (equals >= 0) value = argument.slice(equals + 1);
    else if (index + 1 < argv.length) value = argv[++index]!;
    else fail(`${option} needs a value`, program);
    if (flag.kind === "list") {
      if (!given.has(name)) values[name] = [];
      (values[name] as string[]).push(value);
    } else if (flag.kind === "number") {
      const number = Number(value);
      if (!Number.isInteger(number) || number < 0) {
        fail(`${option} needs a whole number, got "${value}"`, program);
      }
      values[name] = number;
    } else {
      values[name] = value;
    }
    given.add(name);
  }
  return { ...values, positionals } as Values<F> & { positionals: string[] };
}

/** Declares a program (keeps its flags' types for {@link parseArgs}). */
export function program<F extends Record<string, Flag>>(
  declared: Program<F>,
): Program<F> {
  return declared;
}

/** The `--count` flag: after how many messages the program stops. */
export function countFlag(description: string, defaultCount = Infinity): {
  kind: "number";
  description: string;
  default: number;
} {
  return { kind: "number", description, default: defaultCount };
}

/** Waits `milliseconds` (a stand-in for real work in the examples). */
export function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}
