// The edits .ci/docs.mjs makes to deno doc's HTML: the members tagged
// @internal taken out, each class page given every member it has (inherited
// included) and its options, and the checks that the result says so.
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, posix } from "node:path";

/** Text for HTML content and attribute values. */
export function escapeHtml(text) {
  return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;")
    .replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

// The entities deno doc writes, undone as often as it wrote them: some ids
// are escaped twice (`id="method_[symbol_for(&amp;quot;deno_...`) where the
// links to them are escaped once.
function unescapeHtml(text) {
  for (;;) {
    const once = text.replace(/&#x2F;/g, "/").replace(/&#x27;/g, "'")
      .replace(/&quot;/g, '"').replace(/&lt;/g, "<").replace(/&gt;/g, ">")
      .replace(/&amp;/g, "&");
    if (once === text) return text;
    text = once;
  }
}

/** Every file of the output, relative to it, with "/" (sorted). */
function listFiles(output) {
  return readdirSync(output, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) =>
      posix.join(
        posix.relative(output, entry.parentPath).split("\\").join("/"),
        entry.name,
      )
    )
    .sort();
}

// A symbol's page ("2-sockets.ts/~/Pull.html") gives its name; a member's
// ("2-sockets.ts/~/Socket.prototype.bind.html") has a dot in its name.
const symbolPage = /^[^/]+\/~\/([^/.]+)\.html$/;
const memberPage = /^[^/]+\/~\/[^/]+\.[^/]+\.html$/;

/** The output-relative target of a link on `page`, with its #fragment. */
function resolveLink(page, href) {
  const target = unescapeHtml(href);
  if (target.startsWith("#")) return page + target;
  return posix.normalize(posix.join(posix.dirname(page), target));
}

/** Where the element opening at `start` ends (just past its closing tag). */
function elementEnd(html, start, tag) {
  const pattern = new RegExp(`<(/?)${tag}[\\s>]`, "g");
  pattern.lastIndex = start;
  let depth = 0;
  for (let match; (match = pattern.exec(html)) !== null;) {
    depth += match[1] === "/" ? -1 : 1;
    if (depth === 0) return html.indexOf(">", match.index) + 1;
  }
  throw new Error(`an unclosed <${tag}> at ${start}`);
}

/** `html` without the [start, end) ranges (overlapping ones allowed). */
function cut(html, ranges) {
  let kept = "";
  let at = 0;
  for (const [start, end] of ranges.sort((a, b) => a[0] - b[0])) {
    if (start >= at) kept += html.slice(at, start);
    at = Math.max(at, end);
  }
  return kept + html.slice(at);
}

/**
 * Takes out the members tagged @internal, which deno doc shows with the tag
 * as text: their entries on class pages (the whole docEntry block), their
 * pages, the list items linking to them (concern indexes, all symbols, the
 * page navigation) and their search entries. `internal` lists [class name,
 * member name] of those the checker knows (a tag on a line of its own leaves
 * no text to find). Returns the removed pages, relative to `output`, and
 * every removed link target (those pages and "page#entry id").
 */
export function removeInternal(output, internal) {
  const files = listFiles(output);
  const tagged = new Set(
    internal.map(([owner, member]) => `${owner}.prototype.${member}.html`),
  );
  const removedPages = new Set();
  const removedTargets = new Set();
  for (const page of files.filter((file) => symbolPage.test(file))) {
    const html = readFileSync(join(output, page), "utf8");
    const ranges = [];
    const entries = /<div class="anchorable docEntry" id="([^"]*)">/g;
    for (const match of html.matchAll(entries)) {
      const end = elementEnd(html, match.index, "div");
      const block = html.slice(match.index, end);
      const link = /class="font-bold font-lg link" href="([^"]*)"/.exec(block);
      const target = link ? resolveLink(page, link[1]) : undefined;
      if (
        block.includes("@internal") ||
        (target !== undefined && tagged.has(posix.basename(target)))
      ) {
        ranges.push([match.index, end]);
        removedTargets.add(`${page}#${unescapeHtml(match[1])}`);
        if (target !== undefined) removedPages.add(target);
      }
    }
    if (ranges.length > 0) writeFileSync(join(output, page), cut(html, ranges));
  }
  for (const page of files.filter((file) => memberPage.test(file))) {
    if (readFileSync(join(output, page), "utf8").includes("@internal")) {
      removedPages.add(page);
    }
  }
  for (const page of removedPages) {
    rmSync(join(output, page), { force: true });
    removedTargets.add(page);
  }

  for (const page of files.filter((file) => file.endsWith(".html"))) {
    if (removedPages.has(page)) continue;
    const html = readFileSync(join(output, page), "utf8");
    const ranges = [];
    for (const match of html.matchAll(/<li>\s*<a href="([^"]*)"/g)) {
      const target = resolveLink(page, match[1]);
      if (
        removedTargets.has(target) || removedTargets.has(target.split("#")[0])
      ) {
        ranges.push([match.index, elementEnd(html, match.index, "li")]);
      }
    }
    if (ranges.length > 0) writeFileSync(join(output, page), cut(html, ranges));
  }

  const searchIndex = join(output, "search_index.js");
  const script = readFileSync(searchIndex, "utf8");
  const parts = /^([^=]*=\s*)(\{[\s\S]*\})(;\s*\}\)\(\)\s*)$/.exec(script);
  if (parts === null) {
    throw new Error(
      "deno doc's search_index.js changed: update removeInternal",
    );
  }
  const index = JSON.parse(parts[2]);
  index.nodes = index.nodes.filter((node) =>
    !removedPages.has(posix.normalize(node.url)) &&
    !String(node.doc).includes("@internal")
  );
  writeFileSync(searchIndex, parts[1] + JSON.stringify(index) + parts[3]);
  return { pages: [...removedPages].sort(), targets: removedTargets };
}

// deno doc's own "Methods" and "Properties" list what a class declares.
const sections = [
  ["all-methods", "Methods (inherited included)", ["method"]],
  ["all-properties", "Properties (inherited included)", [
    "accessor",
    "property",
  ]],
  ["all-options", "Options", ["option"]],
];

/**
 * Adds to each class page of `classes` (from readClasses) the sections
 * "Methods (inherited included)", "Properties (inherited included)" and
 * "Options", in deno doc's markup, each member linked to its entry on the
 * page of the class or interface that declares it. `concernOf` gives each exported name's concern
 * ("2-sockets.ts"). Returns the pages written.
 */
export function addMemberSections(output, classes, concernOf) {
  const pages = new Map();
  for (const file of listFiles(output)) {
    const name = symbolPage.exec(file)?.[1];
    if (name !== undefined) pages.set(name, [...pages.get(name) ?? [], file]);
  }
  const pageOf = (name, concern) => {
    const found = pages.get(name.replace(/<.*$/, "")) ?? [];
    return found.find((page) => page.startsWith(`${concern}/`)) ?? found[0];
  };
  const ids = new Map();
  const anchor = (page, kind, name) => {
    if (!ids.has(page)) {
      const html = readFileSync(join(output, page), "utf8");
      ids.set(
        page,
        [...html.matchAll(/ id="([^"]+)"/g)].map((match) =>
          unescapeHtml(match[1])
        ),
      );
    }
    const key = name.toLowerCase().replaceAll(".", "_");
    const prefixes = kind === "method"
      ? ["method_"]
      : kind === "accessor"
      ? ["accessor_", "property_"]
      : ["property_", "accessor_"];
    for (const prefix of prefixes) {
      const found = ids.get(page).find((id) =>
        id === prefix + key ||
        (id.startsWith(`${prefix}${key}_`) &&
          /^\d+$/.test(id.slice(prefix.length + key.length + 1)))
      );
      if (found !== undefined) return found;
    }
    return undefined;
  };

  const written = [];
  for (const described of classes) {
    const concern = concernOf.get(described.name);
    const page = pageOf(described.name, concern);
    if (page === undefined) {
      throw new Error(`no page for class ${described.name}`);
    }
    const link = (target, fragment) => {
      const href = posix.relative(posix.dirname(page), target) +
        (fragment === undefined ? "" : `#${fragment}`);
      return escapeHtml(href);
    };
    const html = readFileSync(join(output, page), "utf8");
    const end = html.lastIndexOf("</article></main>");
    if (end === -1) {
      throw new Error(
        `${page}: deno doc's page layout changed (no </article></main>)`,
      );
    }
    // The heading anchors' link icon, as deno doc draws it on this page.
    const anchorLink = '" class="anchor" aria-label="Anchor" tabIndex="-1">';
    const icon = html.split(anchorLink)[1]?.match(/^<svg[\s\S]*?<\/svg>/)
      ?.[0] ?? "#";

    const rows = (kinds) =>
      described.members.filter((member) => kinds.includes(member.kind)).map(
        (member) => {
          // Options link to their row in the option table.
          const options = member.kind === "option" &&
            member.declaredIn.startsWith("SocketOptionsOf<");
          const declaring = pageOf(member.declaredIn, concern);
          const target = options ? pageOf("socketOptions", concern) : declaring;
          const fragment = target &&
            anchor(target, member.kind, member.name);
          return memberRow(member, {
            id: `member_${member.name.replace(/[^\w$]/g, "_").toLowerCase()}`,
            href: target && link(target, fragment),
            from: declaring && link(declaring),
          });
        },
      );
    const added = [];
    const navigation = [];
    for (const [id, title, kinds] of sections) {
      const entries = rows(kinds);
      if (entries.length === 0) continue;
      added.push(
        `<section class="section" id="${id}"><div>\n      ` +
          `<h2 class="anchorable mb-1"><a href="#${id}${anchorLink}${icon}` +
          `</a>\n${escapeHtml(title)}</h2></div><div class="space-y-8">${
            entries.join("\n")
          }</div>` +
          `</section>\n`,
      );
      navigation.push(
        `<li><a href="#${id}" title="${escapeHtml(title)}">` +
          `${escapeHtml(title)}</a></li>`,
      );
    }
    if (added.length === 0) continue;
    let edited = html.slice(0, end) +
      `<div class="space-y-7">${added.join("")}</div>\n` + html.slice(end);
    const nav = edited.indexOf('<nav class="documentNavigation">');
    const navEnd = nav === -1 ? -1 : edited.indexOf("</ul></nav>", nav);
    if (navEnd !== -1) {
      edited = edited.slice(0, navEnd) + navigation.join("") +
        edited.slice(navEnd);
    }
    writeFileSync(join(output, page), edited);
    written.push(page);
  }
  return written;
}

// A doc summary in HTML: `code` spans as deno doc's markdown would show them.
function summaryHtml(text) {
  return escapeHtml(text).replace(/`([^`]+)`/g, "<code>$1</code>");
}

/**
 * One member as a docEntry block, in deno doc's markup and classes (without
 * its anchor icon: a hundred copies of the SVG would triple a page's size).
 */
function memberRow(member, { id, href, from }) {
  const name = href === undefined
    ? `<span class="font-bold font-lg">${escapeHtml(member.name)}</span>`
    : `<a class="font-bold font-lg link" href="${href}">` +
      `${escapeHtml(member.name)}</a>`;
  const type = member.kind === "method"
    ? member.type.split("\n").map((signature, index) =>
      (index === 0 ? name : "<br>" + name) +
      `<span class="font-medium text-stone-500 dark:text-stone-200">` +
      `${escapeHtml(signature.slice(member.name.length))}</span>`
    ).join("")
    : name + `<span class="font-medium text-stone-500 dark:text-stone-200">` +
      `: ${escapeHtml(member.type)}</span>`;
  const badge = member.readonly && member.kind !== "method"
    ? `<div class="space-x-1 mb-1"><div class="text-readonly border ` +
      `border-readonly/50 bg-readonly/5 inline-flex items-center gap-0.5 ` +
      `*:flex-none rounded-md leading-none text-sm py-1 px-2">readonly</div>` +
      `</div>`
    : "";
  const declaredIn = escapeHtml(member.declaredIn);
  const body = [
    member.summary === "" ? "" : `<p>${summaryHtml(member.summary)}</p>`,
    `<p class="text-sm">from ${
      from === undefined
        ? declaredIn
        : `<a class="link" href="${from}">${declaredIn}</a>`
    }</p>`,
    member.example === ""
      ? ""
      : `<pre class="highlight"><code class="language-typescript">` +
        `${escapeHtml(member.example)}\n</code></pre>`,
  ].join("");
  return `<div class="anchorable docEntry" id="${escapeHtml(id)}">\n` +
    `  <div class="docEntryHeader">\n    <div>${badge}<code>` +
    `${type}\n      </code>\n    </div>\n  </div>` +
    `<div class="max-w-[75ch]"><div class="markdown">${body}</div></div>` +
    `</div>`;
}

/**
 * What the build must not ship, as messages (empty when all is well): text
 * "@internal" anywhere, links to what removeInternal took out, and a socket
 * class page without the send or receive it has (or, for a socket type,
 * inherits).
 */
export function checkDocs(output, classes, removed, concernOf) {
  const problems = [];
  const files = listFiles(output);
  for (const file of files) {
    const text = readFileSync(join(output, file), "utf8");
    if (text.includes("@internal")) problems.push(`${file} says "@internal"`);
    const links = file.endsWith(".html")
      ? / href="([^"]*)"/g
      : file === "search_index.js"
      ? /"url":"([^"]*)"/g
      : null;
    if (links === null) continue;
    for (const [, href] of text.matchAll(links)) {
      const target = resolveLink(file, href);
      if (
        removed.targets.has(target) || removed.targets.has(target.split("#")[0])
      ) problems.push(`${file} links to ${target}, which was removed`);
    }
  }
  for (const described of classes) {
    if (!described.socket || described.abstract) continue;
    const has = new Set(described.members.map((member) => member.name));
    const expected = [];
    if (
      has.has("send") || described.chain.includes("WritableSocket") ||
      described.chain.includes("DuplexSocket")
    ) expected.push("send");
    if (has.has("receive") || described.chain.includes("ReadableSocket")) {
      expected.push("receive");
    }
    const page = `${concernOf.get(described.name)}/~/${described.name}.html`;
    if (expected.length === 0) {
      problems.push(`${described.name} has neither send nor receive`);
    }
    const html = files.includes(page)
      ? readFileSync(join(output, page), "utf8")
      : "";
    for (const method of expected) {
      if (!html.includes(`id="member_${method.toLowerCase()}"`)) {
        problems.push(`${page} does not list ${method}`);
      }
    }
  }
  return problems;
}
