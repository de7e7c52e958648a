// Counts leaf test cases and failures in JUnit reports from deno test, bun test and
// node --test, prints them per runtime and as one closing line "N passed, N failed".
// Deno also reports each describe() block as a test case: only leaves count (Node
// reports describe() blocks as nested testsuites instead).
import { existsSync, readFileSync } from "node:fs";

const unescape = (text) =>
  text.replace(/&gt;/g, ">").replace(/&lt;/g, "<").replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'").replace(/&amp;/g, "&");

let passed = 0;
let failed = 0;
let missing = false;
for (const file of process.argv.slice(2)) {
  if (!existsSync(file)) {
    console.log(`${file}: no report (the runner crashed)`);
    missing = true;
    continue;
  }
  const xml = readFileSync(file, "utf8");
  const cases = (xml.match(/<testcase\b[\s\S]*?(?:\/>|<\/testcase>)/g) ?? [])
    .map((testcase) => ({
      name: unescape(/\bname="([^"]*)"/.exec(testcase)?.[1] ?? ""),
      failed: /<(failure|error)\b/.test(testcase),
      skipped: /<skipped\b/.test(testcase),
    }));
  const names = cases.map((testcase) => testcase.name);
  let filePassed = 0;
  let fileFailed = 0;
  for (const testcase of cases) {
    const isGroup = names.some((name) =>
      name.startsWith(`${testcase.name} > `)
    );
    if (testcase.skipped || (isGroup && !testcase.failed)) continue;
    if (isGroup) {
      // A failing group counts only if none of its leaves reported the failure.
      const leafFailed = cases.some((other) =>
        other.failed && other.name.startsWith(`${testcase.name} > `)
      );
      if (!leafFailed) fileFailed++;
      continue;
    }
    if (testcase.failed) fileFailed++;
    else filePassed++;
  }
  console.log(
    `${file.split("/").pop()}: ${filePassed} passed, ${fileFailed} failed`,
  );
  passed += filePassed;
  failed += fileFailed;
}
if (missing) failed++;
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
