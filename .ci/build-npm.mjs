// Builds what the npm package runs: JavaScript and .d.ts files in dist/,
// compiled by tsc from the entry points and the worker modules (loaded by URL,
// so tsc would not reach them from mod.ts). Node strips no types under
// node_modules, so the package cannot run its TypeScript there; JSR keeps
// publishing the TypeScript sources. Runs as the `prepack` script.
//
//   node .ci/build-npm.mjs [--out DIR] [ENTRY.ts ...]
//
// --out builds elsewhere than dist/ (bench/run.ts builds its Node peer this
// way, with bench/peer.ts as one more entry).
import { spawnSync } from "node:child_process";
import {
  existsSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const args = process.argv.slice(2);
const outAt = args.indexOf("--out");
const output = resolve(root, outAt < 0 ? "dist" : args.splice(outAt, 2)[1]);
const entries = [
  "mod.ts",
  "draft.ts",
  "compat.ts",
  "compat_draft.ts",
  "src/watcher_worker.ts",
  "src/proxy_worker.ts",
  ...args,
];

rmSync(output, { recursive: true, force: true });
// A config file of its own: tsc takes no `files` list with -p.
const config = join(root, "tsconfig.npm.json");
writeFileSync(
  config,
  JSON.stringify({
    compilerOptions: {
      target: "es2022",
      lib: ["esnext"],
      module: "nodenext",
      moduleResolution: "nodenext",
      types: ["node"],
      // "./x.ts" imports become "./x.js" in the JavaScript and the .d.ts.
      rewriteRelativeImportExtensions: true,
      declaration: true,
      rootDir: ".",
      outDir: output,
      strict: true,
      // The sources are type-checked by .ci/test; this only emits.
      noCheck: true,
      removeComments: false,
    },
    files: entries,
  }),
);
try {
  const tsc = join(root, "node_modules", ".bin", "tsc");
  const result = spawnSync(existsSync(tsc) ? tsc : "tsc", ["-p", config], {
    cwd: root,
    stdio: "inherit",
  });
  if (result.status !== 0) {
    console.error(".ci/build-npm.mjs: tsc failed");
    process.exit(1);
  }
} finally {
  rmSync(config, { force: true });
}
// tsc rewrites "./x.ts" in the JavaScript but keeps it in the .d.ts files,
// which projects without allowImportingTsExtensions then refuse.
const relativeTs = /((?:from|import)\s*\(?\s*["'])(\.{1,2}\/[^"']*)\.ts(["'])/g;
for (const file of readdirSync(output, { recursive: true })) {
  if (!String(file).endsWith(".d.ts")) continue;
  const path = join(output, String(file));
  let text = readFileSync(path, "utf8").replace(relativeTs, "$1$2.js$3");
  // `using` support names Symbol.dispose: bring its declarations along, so
  // that a project whose target predates them still type-checks.
  if (/\b(Symbol\.(async)?[dD]ispose|(Async)?Disposable)\b/.test(text)) {
    text = `/// <reference lib="esnext.disposable" />\n${text}`;
  }
  writeFileSync(path, text);
}
for (const entry of entries) {
  for (const extension of [".js", ".d.ts"]) {
    const file = join(output, entry.replace(/\.ts$/, extension));
    if (!existsSync(file)) {
      console.error(`.ci/build-npm.mjs: ${file} was not built`);
      process.exit(1);
    }
  }
}
// Silent on success: `npm pack --json` prints this script's output first.
