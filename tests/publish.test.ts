// What users install, checked the way they would use it: the npm tarball (its
// JavaScript and .d.ts, built by .ci/build-npm.mjs at pack time) in fresh Bun,
// Node and Deno (npm:) projects, type-checked with each one's usual settings;
// the TypeScript sources through a Deno import map and served
// over http (as JSR serves them); a single executable from `bun build
// --compile` / `deno compile` that runs with only libzmq on the machine. Each
// runner checks its own runtime, so nothing is built twice in one CI run; the
// packed file lists are checked once, by Deno.
import { describe, test } from "./leakcheck.ts";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import {
  mkdir,
  mkdtemp,
  readFile,
  rm,
  symlink,
  writeFile,
} from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { runtime } from "./helpers.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const tool = (name: string) => {
  const local = join(root, "node_modules", ".bin", name);
  return existsSync(local) ? local : name;
};
// Deno is started by path, never as process.execPath: Deno's node:child_process
// hands its own permissions down to a child started through that path, and
// the permissions a program needs are part of what is checked here.
const deno = tool("deno");
const tsc = tool("tsc");

/**
 * Gives a fresh project the checkout's copies of type packages (no download
 * in a test): `links` maps a path under the project's node_modules to one
 * under ours.
 */
async function linkTypes(
  project: string,
  links: Record<string, string>,
): Promise<void> {
  for (const [target, source] of Object.entries(links)) {
    const path = join(project, "node_modules", target);
    await mkdir(join(path, ".."), { recursive: true });
    await symlink(join(root, "node_modules", source), path, "dir");
  }
}

// The tsconfig.json that `bun init` writes (Bun 1.4), without its comments.
const bunInitTsconfig = {
  compilerOptions: {
    lib: ["ESNext"],
    target: "ESNext",
    module: "Preserve",
    moduleDetection: "force",
    jsx: "react-jsx",
    allowJs: true,
    types: ["bun"],
    moduleResolution: "bundler",
    allowImportingTsExtensions: true,
    verbatimModuleSyntax: true,
    noEmit: true,
    strict: true,
    skipLibCheck: true,
    noFallthroughCasesInSwitch: true,
    noUncheckedIndexedAccess: true,
    noImplicitOverride: true,
    noUnusedLocals: false,
    noUnusedParameters: false,
    noPropertyAccessFromIndexSignature: false,
  },
};

// A Node project's: ES modules resolved as Node does, strict, and the library
// checks of the package's .d.ts on (tsc's default).
const nodeTsconfig = {
  compilerOptions: {
    module: "nodenext",
    strict: true,
    noEmit: true,
  },
};

interface Ran {
  code: number | null;
  output: string;
}

/** Runs a program to its end (killed after `timeout` ms), stdout and stderr together. */
function run(
  program: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; timeout?: number } =
    {},
): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      cwd: options.cwd ?? root,
      env: options.env ?? { ...process.env, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    const timer = setTimeout(
      () => child.kill("SIGKILL"),
      options.timeout ?? 60000,
    );
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

async function succeed(
  program: string,
  args: string[],
  options: Parameters<typeof run>[2] = {},
): Promise<string> {
  const result = await run(program, args, options);
  assert.equal(
    result.code,
    0,
    `${program} ${args.join(" ")} failed:\n${result.output}`,
  );
  return result.output;
}

// A user's program: it imports the package by name, waits in receive() before
// anything was sent (so the watcher thread must start) and passes a message
// through a Proxy (so its thread must start too). The ts-expect-error line
// fails type-checking if the package's types resolved to `any`.
const program = `
import { Proxy, Pull, Push, version } from "@zmq-ffi/zmq";
import { Server } from "@zmq-ffi/zmq/draft";

const sink = new Pull();
await sink.bind("tcp://127.0.0.1:*");
const proxy = new Proxy(new Pull(), new Push());
await proxy.frontEnd.bind("tcp://127.0.0.1:*");
proxy.backEnd.connect(sink.lastEndpoint);
const source = new Push();
source.connect(proxy.frontEnd.lastEndpoint);
const done = proxy.run();

const received = sink.receive();
await source.send(["hello", "through the proxy"]);
const frames: Uint8Array[] = await received;
// @ts-expect-error lastEndpoint is a string
const wrong: number = sink.lastEndpoint;
const words = frames.map((frame) => new TextDecoder().decode(frame));
console.log(\`\${words.join(" ")} (libzmq \${version}, \${typeof Server}, \${typeof wrong})\`);

proxy.terminate();
await done;
for (const sock of [source, sink, proxy.frontEnd, proxy.backEnd]) sock.close();
`;
const expected =
  /^hello through the proxy \(libzmq \d+\.\d+\.\d+, function, string\)$/m;

let packed: Promise<string> | undefined;
/** `npm pack` of the checkout into a temporary directory: the tarball's path. */
function pack(directory: string): Promise<string> {
  packed ??= (async () => {
    const output = await succeed("npm", [
      "pack",
      "--silent",
      "--pack-destination",
      directory,
    ], { timeout: 60000 });
    return join(directory, output.trim().split("\n").pop()!);
  })();
  return packed;
}

// What a machine with only libzmq gives the executable: no PATH to our tools,
// no checkout, no project, an empty working directory.
function bareEnvironment(home: string): Record<string, string> {
  return { PATH: "/usr/bin:/bin", HOME: home, NO_COLOR: "1" };
}

/**
 * Why `deno compile` cannot make a standalone program here, or false. It
 * downloads its runtime binary (denort) on first use; a machine that cannot
 * reach Deno's servers can point DENORT_BIN at one instead.
 */
async function denoCompileUnavailable(): Promise<string | false> {
  if (process.env.DENORT_BIN) return false;
  const directory = await mkdtemp(join(tmpdir(), "zmq-ffi-denort-"));
  try {
    await writeFile(join(directory, "probe.ts"), "console.log(0);\n");
    const result = await run(deno, [
      "compile",
      "--no-check",
      "--output",
      join(directory, "probe"),
      "probe.ts",
    ], { cwd: directory, timeout: 120000 });
    if (result.code === 0 || !/denort|base binary/i.test(result.output)) {
      return false;
    }
    return "deno compile could not download its runtime binary (denort) and " +
      "DENORT_BIN is not set: the executable cannot run here";
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

const denortMissing = runtime === "deno"
  ? await denoCompileUnavailable()
  : false;
// Neither runner prints a skip reason: say it once.
if (denortMissing) console.log(`tests/publish.test.ts: ${denortMissing}`);

describe("the npm package", () => {
  let directory = "";
  const scratch = async () => {
    directory ||= await mkdtemp(join(tmpdir(), "zmq-ffi-publish-"));
    return directory;
  };

  if (runtime === "bun") {
    test("installs into a fresh Bun project and runs from there", async () => {
      const base = await scratch();
      const tarball = await pack(base);
      const project = join(base, "bun-project");
      await mkdir(project);
      await writeFile(
        join(project, "package.json"),
        JSON.stringify({ name: "app", private: true, type: "module" }),
      );
      await writeFile(join(project, "main.ts"), program);
      const env = {
        ...process.env,
        NO_COLOR: "1",
        // A cache of its own, so an older tarball of the same version is never reused.
        BUN_INSTALL_CACHE_DIR: join(base, "bun-cache"),
      };
      await succeed(process.execPath, ["add", tarball], {
        cwd: project,
        env,
        timeout: 60000,
      });
      const installed = JSON.parse(
        await readFile(
          join(project, "node_modules/@zmq-ffi/zmq/package.json"),
          "utf8",
        ),
      );
      assert.equal(installed.name, "@zmq-ffi/zmq");
      assert.match(
        await succeed(process.execPath, ["main.ts"], { cwd: project }),
        expected,
      );
      // The package's types, found through its exports, under the settings
      // of a `bun init` project (with @types/bun, as bun init adds it).
      await writeFile(
        join(project, "tsconfig.json"),
        JSON.stringify(bunInitTsconfig),
      );
      await linkTypes(project, {
        "bun-types": "bun-types",
        "@types/node": "@types/node",
      });
      await mkdir(join(project, "node_modules/@types/bun"));
      await writeFile(
        join(project, "node_modules/@types/bun/index.d.ts"),
        '/// <reference types="bun-types" />\n',
      );
      await succeed(tsc, ["--noEmit", "-p", "."], {
        cwd: project,
        timeout: 120000,
      });
    });

    test("bun build --compile makes one executable that needs only libzmq", async () => {
      const base = await scratch();
      const project = join(base, "bun-project");
      assert.ok(existsSync(project), "the install test ran first");
      const executable = join(base, "bun-app");
      const library = "node_modules/@zmq-ffi/zmq/src";
      // The README's command: the worker modules go in as extra entry points.
      await succeed(process.execPath, [
        "build",
        "--compile",
        "main.ts",
        `${library}/watcher_worker.ts`,
        `${library}/proxy_worker.ts`,
        "--outfile",
        executable,
      ], { cwd: project, timeout: 60000 });
      // Forgetting the extra entry points fails at once, saying what to add.
      const incomplete = join(base, "bun-app-without-workers");
      await succeed(process.execPath, [
        "build",
        "--compile",
        "main.ts",
        "--outfile",
        incomplete,
      ], { cwd: project, timeout: 60000 });
      await rm(project, { recursive: true, force: true });
      const empty = join(base, "empty");
      await mkdir(empty);
      const result = await run(executable, [], {
        cwd: empty,
        env: bareEnvironment(empty),
        timeout: 30000,
      });
      assert.equal(result.code, 0, result.output);
      assert.match(result.output, expected);
      const failed = await run(incomplete, [], {
        cwd: empty,
        env: bareEnvironment(empty),
        timeout: 30000,
      });
      assert.notEqual(failed.code, 0, failed.output);
      assert.match(
        failed.output,
        /watcher_worker\.ts is not inside this executable.*extra entry point/,
      );
      await rm(base, { recursive: true, force: true });
    });
  }

  if (runtime === "node") {
    test("installs into a fresh Node project, type-checks (nodenext, strict) and runs there", async () => {
      const base = await scratch();
      const tarball = await pack(base);
      const project = join(base, "node-project");
      await mkdir(project);
      await writeFile(
        join(project, "package.json"),
        JSON.stringify({ name: "app", private: true, type: "module" }),
      );
      await succeed("npm", [
        "install",
        "--no-audit",
        "--no-fund",
        "--cache",
        join(base, "npm-cache"),
        tarball,
      ], { cwd: project, timeout: 120000 });
      await writeFile(join(project, "main.ts"), program);
      await writeFile(
        join(project, "tsconfig.json"),
        JSON.stringify(nodeTsconfig),
      );
      await linkTypes(project, { "@types/node": "@types/node" });
      await succeed(tsc, ["--noEmit", "-p", "."], {
        cwd: project,
        timeout: 120000,
      });
      // Node runs the package's JavaScript (it strips no types under
      // node_modules), the program's own TypeScript, and the worker modules
      // from the package's dist/.
      assert.match(
        await succeed(process.execPath, [
          "--disable-warning=ExperimentalWarning",
          "main.ts",
        ], { cwd: project }),
        expected,
      );
      await rm(base, { recursive: true, force: true });
    });
  }

  if (runtime === "deno") {
    test("installs into a fresh Deno project and runs there through npm:", async () => {
      const base = await scratch();
      const tarball = await pack(base);
      const project = join(base, "deno-npm-project");
      await mkdir(project);
      await writeFile(
        join(project, "package.json"),
        JSON.stringify({ name: "app", private: true, type: "module" }),
      );
      // npm installs the tarball (Deno's npm: takes registry packages only);
      // Deno then resolves npm: specifiers from node_modules.
      await succeed("npm", [
        "install",
        "--no-audit",
        "--no-fund",
        "--cache",
        join(base, "npm-cache"),
        tarball,
      ], { cwd: project, timeout: 120000 });
      await writeFile(
        join(project, "deno.json"),
        JSON.stringify({ nodeModulesDir: "manual" }),
      );
      await writeFile(
        join(project, "main.ts"),
        program.replaceAll('from "@zmq-ffi/', 'from "npm:@zmq-ffi/'),
      );
      await succeed(deno, ["check", "main.ts"], {
        cwd: project,
        timeout: 60000,
      });
      assert.match(
        await succeed(deno, [
          "run",
          "--allow-ffi",
          "--allow-read",
          "main.ts",
        ], { cwd: project }),
        expected,
      );
    });

    test("its sources run under Deno through an import map, with --allow-ffi --allow-read", async () => {
      const base = await scratch();
      const tarball = await pack(base);
      const project = join(base, "deno-project");
      await mkdir(join(project, "vendor"), { recursive: true });
      await succeed("tar", ["-xzf", tarball, "-C", join(project, "vendor")]);
      await writeFile(
        join(project, "deno.json"),
        JSON.stringify({
          imports: {
            "@zmq-ffi/zmq": "./vendor/package/mod.ts",
            "@zmq-ffi/zmq/draft": "./vendor/package/draft.ts",
          },
        }),
      );
      await writeFile(join(project, "main.ts"), program);
      await succeed(deno, ["check", "main.ts"], {
        cwd: project,
        timeout: 60000,
      });
      // Exactly the permissions the README asks for.
      assert.match(
        await succeed(deno, [
          "run",
          "--allow-ffi",
          "--allow-read",
          "main.ts",
        ], { cwd: project }),
        expected,
      );
    });

    test("its sources run when loaded over http, as JSR serves them (no --allow-read)", async () => {
      const base = await scratch();
      const sources = join(base, "deno-project", "vendor", "package");
      assert.ok(existsSync(sources), "the import map test ran first");
      // A tiny static server for the unpacked sources, with the content type
      // Deno wants for TypeScript.
      const server = createServer(async (request, response) => {
        try {
          const path = decodeURIComponent(
            new URL(request.url!, "http://x").pathname,
          );
          const body = await readFile(join(sources, path));
          response.writeHead(200, { "content-type": "application/typescript" });
          response.end(body);
        } catch {
          response.writeHead(404).end();
        }
      });
      await new Promise<void>((resolve) =>
        server.listen(0, "127.0.0.1", resolve)
      );
      const { port } = server.address() as { port: number };
      try {
        const project = join(base, "remote-project");
        await mkdir(project);
        await writeFile(
          join(project, "deno.json"),
          JSON.stringify({
            imports: {
              "@zmq-ffi/zmq": `http://127.0.0.1:${port}/mod.ts`,
              "@zmq-ffi/zmq/draft": `http://127.0.0.1:${port}/draft.ts`,
            },
          }),
        );
        await writeFile(join(project, "main.ts"), program);
        assert.match(
          await succeed(deno, [
            "run",
            `--allow-import=127.0.0.1:${port}`,
            "--allow-ffi",
            "main.ts",
          ], {
            cwd: project,
            // A cache of its own: nothing left behind, nothing stale reused.
            env: {
              ...process.env as Record<string, string>,
              NO_COLOR: "1",
              DENO_DIR: join(base, "deno-dir"),
            },
            timeout: 60000,
          }),
          expected,
        );
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    });

    test("the npm and JSR packages hold the library and nothing else", async () => {
      const library = (files: string[]) =>
        files.filter((file) => /\.ts$/.test(file) && !file.startsWith("dist/"))
          .sort();
      const npm = JSON.parse(
        await succeed("npm", ["pack", "--dry-run", "--json", "--silent"]),
      )[0].files.map((file: { path: string }) => file.path) as string[];
      const published = await succeed(deno, [
        "publish",
        "--dry-run",
        "--allow-dirty",
      ], { timeout: 120000 });
      // Slow types fail the command; anything else it warns about fails here.
      assert.doesNotMatch(published, /warn/i);
      const prefix = pathToFileURL(root).href;
      const jsr = published.split("\n").map((line) => line.trim())
        .filter((line) => line.startsWith(prefix))
        .map((line) => line.slice(prefix.length).replace(/ \(.*$/, ""));
      for (const files of [npm, jsr]) {
        assert.ok(files.includes("README.md") && files.includes("LICENSE"));
        assert.ok(files.includes("src/watcher_worker.ts"));
        assert.ok(files.includes("src/proxy_worker.ts"));
        const stray = files.filter((file) =>
          /^(tests|bench|examples|docs|\.ci)\//.test(file)
        );
        assert.deepEqual(stray, []);
      }
      assert.deepEqual(library(npm), library(jsr));
      // What the npm package runs: JavaScript and types for each entry point
      // and worker module, and nothing of dist/ on JSR.
      for (
        const entry of [
          "mod",
          "draft",
          "src/watcher_worker",
          "src/proxy_worker",
        ]
      ) {
        assert.ok(npm.includes(`dist/${entry}.js`), `dist/${entry}.js`);
        assert.ok(npm.includes(`dist/${entry}.d.ts`), `dist/${entry}.d.ts`);
      }
      assert.deepEqual(jsr.filter((file) => file.startsWith("dist/")), []);
    });

    let denoExecutable = "";

    test("deno compile embeds the worker modules (--include)", async () => {
      const base = await scratch();
      const project = join(base, "deno-project");
      assert.ok(existsSync(project), "the import map test ran first");
      denoExecutable = join(base, "deno-app");
      const env: Record<string, string> = {
        ...process.env as Record<string, string>,
        NO_COLOR: "1",
      };
      // Without denort, build on the full deno binary: that lists what would
      // be embedded, but the result is no standalone program.
      if (denortMissing) env.DENORT_BIN = process.execPath;
      // The README's command: the watcher worker is loaded by URL, so it must
      // be named; the proxy worker is imported, so it is found on its own.
      const output = await succeed(deno, [
        "compile",
        "--allow-ffi",
        "--allow-read",
        "--include",
        "vendor/package/src/watcher_worker.ts",
        "--output",
        denoExecutable,
        "main.ts",
      ], { cwd: project, env, timeout: 120000 });
      // The list of embedded files names each one, or shows "src/*" when
      // every file of src/ is in (which it is not without --include).
      for (const worker of ["watcher_worker", "proxy_worker"]) {
        assert.match(output, new RegExp(`${worker}\\.ts|src/\\*`));
      }
      await rm(project, { recursive: true, force: true });
      if (denortMissing) await rm(base, { recursive: true, force: true });
    });

    test("the deno compile executable runs with only libzmq", {
      skip: denortMissing,
    }, async () => {
      const base = await scratch();
      assert.ok(existsSync(denoExecutable), "the compile test ran first");
      const empty = join(base, "empty");
      await mkdir(empty);
      const result = await run(denoExecutable, [], {
        cwd: empty,
        env: bareEnvironment(empty),
        timeout: 30000,
      });
      assert.equal(result.code, 0, result.output);
      assert.match(result.output, expected);
      await rm(base, { recursive: true, force: true });
    });
  }
});
