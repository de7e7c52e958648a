// Builds the API docs into docs/ (gitignored) with `deno doc --html`, one
// sidebar entry per concern: every name exported by mod.ts and draft.ts goes
// to the concern of the file it comes from, through a generated module per
// concern that re-exports it. Fails if a public name would be left out.
// Then each class page gets every member it has, inherited ones and typed
// options included, as the TypeScript checker sees them (.ci/docs_members.mjs),
// and the members tagged @internal are taken out (.ci/docs_pages.mjs edits
// the pages). The build fails if "@internal" remains or a socket page lacks
// its send or receive.
//
//   node .ci/docs.mjs [output directory, default docs/]
import { spawn } from "node:child_process";
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { readClasses } from "./docs_members.mjs";
import { addMemberSections, checkDocs, removeInternal } from "./docs_pages.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const output = resolve(process.argv[2] ?? join(root, "docs"));
const name = JSON.parse(readFileSync(join(root, "deno.json"), "utf8")).name;

// Concern by source file; the order is the sidebar's (deno doc sorts by name,
// hence the numbers).
const concerns = [
  {
    file: "1-start.ts",
    title: "Start here: context, errors, the loaded libzmq",
    sources: [
      "src/context.ts",
      "src/capability.ts",
      "src/errors.ts",
      "ffi/load.ts",
    ],
    overview: "mod.ts",
  },
  {
    file: "2-sockets.ts",
    title: "Sockets: one class per socket type, sending and receiving",
    sources: [
      "src/sockets.ts",
      "src/socket_bases.ts",
      "src/routing_sockets.ts",
      "src/socket.ts",
      "src/boundary.ts",
      "src/pending.ts",
      "src/brief_wait.ts",
      "src/socket_wait.ts",
      "src/socket_io.ts",
      "src/socket_receive.ts",
    ],
  },
  {
    file: "3-options.ts",
    title: "Socket options: typed properties, the option table",
    sources: ["src/options.ts"],
  },
  {
    file: "4-poller.ts",
    title: "Poller: waiting on several sockets or file descriptors at once",
    sources: ["src/poller.ts"],
  },
  {
    file: "5-proxy.ts",
    title: "Proxy: libzmq's forwarding device on its own thread",
    sources: ["src/proxy.ts"],
  },
  {
    file: "6-events.ts",
    title: "Events: what happens to a socket's connections (sock.events)",
    sources: [
      "src/observer.ts",
      "src/observer_events.ts",
      "src/socket_internals.ts",
    ],
  },
  {
    file: "7-security.ts",
    title: "Security: CURVE keys, z85, the ZAP Authenticator",
    sources: ["src/auth.ts", "src/keys.ts", "src/z85.ts"],
  },
  {
    file: "8-draft.ts",
    title: `Draft sockets, from "${name}/draft"`,
    entry: "draft.ts",
    overview: "draft.ts",
  },
];

/** The names a module re-exports, with the file each comes from. */
function reexports(file) {
  const text = readFileSync(join(root, file), "utf8");
  const found = [];
  const pattern = /export\s+(type\s+)?\{([^}]*)\}\s*from\s*"\.\/([^"]+)";/g;
  for (const [, typeOnly, list, source] of text.matchAll(pattern)) {
    for (let item of list.split(",").map((part) => part.trim())) {
      if (item === "") continue;
      const isType = typeOnly !== undefined || item.startsWith("type ");
      item = item.replace(/^type\s+/, "");
      found.push({ name: item, isType, source });
    }
  }
  return found;
}

/** A module's leading JSDoc, without its @module tag and comment markers. */
function moduleDoc(file) {
  const text = readFileSync(join(root, file), "utf8");
  const doc = /^\/\*\*([\s\S]*?)\*\//.exec(text)?.[1] ?? "";
  return doc.split("\n").map((line) => line.replace(/^\s*\* ?/, ""))
    .filter((line) => line.trim() !== "@module").join("\n").trim();
}

const publicNames = [
  ...reexports("mod.ts").map((entry) => ({ ...entry, entry: "mod.ts" })),
  ...reexports("draft.ts").map((entry) => ({ ...entry, entry: "draft.ts" })),
];
const assigned = new Map(concerns.map((concern) => [concern.file, []]));
const leftOut = [];
for (const entry of publicNames) {
  const concern = concerns.find((candidate) =>
    candidate.entry === entry.entry ||
    (entry.entry === "mod.ts" && candidate.sources?.includes(entry.source))
  );
  if (concern === undefined) leftOut.push(`${entry.name} (${entry.source})`);
  else assigned.get(concern.file).push(entry);
}
if (leftOut.length > 0) {
  console.error(
    `.ci/docs.mjs: no concern for ${
      leftOut.join(", ")
    }: add its file to a concern`,
  );
  process.exit(1);
}

const staging = mkdtempSync(join(tmpdir(), "zmq-ffi-docs-"));
try {
  const files = [];
  for (const concern of concerns) {
    const bySource = new Map();
    for (const entry of assigned.get(concern.file)) {
      const list = bySource.get(entry.source) ?? [];
      list.push(entry.isType ? `type ${entry.name}` : entry.name);
      bySource.set(entry.source, list);
    }
    const doc = [
      concern.title,
      ...(concern.overview ? ["", moduleDoc(concern.overview)] : []),
      "",
      "@module",
    ].map((line) =>
      ` *${line === "" ? "" : ` ${line}`}`.replaceAll("*/", "*\\/")
    );
    const lines = ["/**", ...doc, " */"];
    for (const [source, names] of bySource) {
      const url = pathToFileURL(join(root, source)).href;
      lines.push(`export { ${names.join(", ")} } from "${url}";`);
    }
    const path = join(staging, concern.file);
    writeFileSync(path, lines.join("\n") + "\n");
    files.push(path);
  }

  rmSync(output, { recursive: true, force: true });
  const denoDoc = spawn("deno", [
    "doc",
    "--html",
    `--name=${name}`,
    `--output=${output}`,
    ...files,
  ], { cwd: root, stdio: "inherit" });
  const denoDocDone = new Promise((resolve) => {
    denoDoc.on("error", (error) => {
      console.error(`.ci/docs.mjs: cannot run deno doc: ${error.message}`);
      resolve(1);
    });
    denoDoc.on("close", (status) => resolve(status ?? 1));
  });
  // The checker reads the classes while deno doc writes (each takes most of
  // a second).
  const { classes, internal } = readClasses(root, staging, [
    "mod.ts",
    "draft.ts",
  ]);
  const status = await denoDocDone;
  if (status !== 0) process.exit(status);

  // Usage blocks name the generated module; users import the package.
  const usage = new Map(concerns.map((concern) => [
    concern.file,
    concern.entry === "draft.ts" ? `${name}/draft` : name,
  ]));
  const rewrite = (directory) => {
    for (const entry of readdirSync(directory)) {
      const path = join(directory, entry);
      if (statSync(path).isDirectory()) rewrite(path);
      else if (/\.(html|js)$/.test(entry)) {
        const text = readFileSync(path, "utf8");
        const fixed = text.replace(
          /(&quot;|")(\d-[a-z]+\.ts)(&quot;|")/g,
          (match, open, file, close) =>
            usage.has(file) ? `${open}${usage.get(file)}${close}` : match,
        );
        if (fixed !== text) writeFileSync(path, fixed);
      }
    }
  };
  rewrite(output);

  // With several modules deno doc leaves the front page empty: list the
  // concerns there, each with what it holds.
  const escape = (text) =>
    text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  const summary = moduleDoc("mod.ts").split("\n\n")[0].replace(/\n/g, " ");
  const items = concerns.map((concern) => {
    const names = assigned.get(concern.file).map((entry) => entry.name);
    return `<li style="margin: 0.75rem 0"><a href="./${concern.file}/index.html"` +
      ` style="font-weight: 600; text-decoration: underline">` +
      `${escape(concern.title)}</a><br><span style="font-size: 0.9em">` +
      `${escape(names.join(", "))}</span></li>`;
  });
  const front = `<main><h1 style="font-size: 1.5rem; font-weight: 600">` +
    `${escape(name)}</h1><p style="margin: 1rem 0">${escape(summary)}</p>` +
    `<ul>${items.join("")}</ul></main>`;
  const index = join(output, "index.html");
  const page = readFileSync(index, "utf8");
  if (!page.includes("<main></main>")) {
    console.error(
      ".ci/docs.mjs: deno doc's front page changed: update the list",
    );
    process.exit(1);
  }
  writeFileSync(index, page.replace("<main></main>", front));

  const concernOf = new Map();
  for (const [file, entries] of assigned) {
    for (const entry of entries) {
      if (!concernOf.has(entry.name)) concernOf.set(entry.name, file);
    }
  }
  const removed = removeInternal(output, internal);
  const extended = addMemberSections(output, classes, concernOf);
  const problems = checkDocs(output, classes, removed, concernOf);
  if (problems.length > 0) {
    console.error(
      `.ci/docs.mjs: the built docs are wrong:\n  ${problems.join("\n  ")}`,
    );
    process.exit(1);
  }
  console.log(
    `API docs for ${publicNames.length} exports in ${concerns.length} ` +
      `concerns (${extended.length} class pages list inherited members and ` +
      `options; ${removed.pages.length} @internal member pages left out): ` +
      join(output, "index.html"),
  );
} finally {
  rmSync(staging, { recursive: true, force: true });
}
