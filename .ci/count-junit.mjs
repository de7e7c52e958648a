// Counts leaf test cases and failures in JUnit reports from deno test, bun test and
// node --test, prints them per runtime and as one closing line "N passed, N failed".
// Deno also reports each describe() block as a test case: only leaves count (Node
// reports describe() blocks as nested testsuites instead).
import { existsSync, readFileSync } from "node:fs";

const unescape = (text) =>
  text.replace(/&gt;/g, ">").replace(/&lt;/g, "<").replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'").replace(/&amp;/g, "&");

// A failure's message and body (its stack, in most runners).
const detailOf = (testcase) => {
  const tag = /<(?:failure|error)\b[^>]*>/.exec(testcase)?.[0] ?? "";
  const message = /\bmessage="([^"]*)"/.exec(tag)?.[1] ?? "";
  const body = /<(?:failure|error)\b[^>]*>([\s\S]*?)<\/(?:failure|error)>/
    .exec(testcase)?.[1] ?? "";
  return unescape(`${message}\n${body}`);
};

let passed = 0;
let failed = 0;
// The failures are printed again here, at the end, where a CI log's tail shows them.
const failures = [];
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
      detail: detailOf(testcase),
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
      if (!leafFailed) {
        fileFailed++;
        failures.push(
          `${file.split("/").pop()}: ${testcase.name}\n${testcase.detail}`,
        );
      }
      continue;
    }
    if (testcase.failed) {
      fileFailed++;
      failures.push(
        `${file.split("/").pop()}: ${testcase.name}\n${testcase.detail}`,
      );
    } else filePassed++;
  }
  console.log(
    `${file.split("/").pop()}: ${filePassed} passed, ${fileFailed} failed`,
  );
  passed += filePassed;
  failed += fileFailed;
}
for (const failure of failures) {
  const lines = failure.split("\n").filter((line) => line.trim() !== "");
  console.log(`FAILED ${lines[0]}`);
  for (const line of lines.slice(1, 13)) console.log(`    ${line}`);
}
if (missing) failed++;
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
