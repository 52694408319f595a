// Sums the test results written by every package's `test` script (vitest JSON reports and,
// for the native core, ctest JUnit files) and prints one line: "N passed, N failed".
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
let passed = 0;
let failed = 0;
let skipped = 0;
const reports = [];

for (const name of readdirSync(join(root, "packages"))) {
  const file = join(root, "packages", name, "test-results.json");
  if (!existsSync(file)) continue;
  const report = JSON.parse(readFileSync(file, "utf8"));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + report.numTodoTests;
  // A suite that fails to load has no failed tests but is not a pass.
  failed += report.testResults.filter(
    (suite) => suite.status === "failed" && suite.assertionResults.length === 0,
  ).length;
  reports.push(name);
}

const nativeDir = join(root, "native");
if (existsSync(nativeDir)) {
  for (const name of readdirSync(nativeDir)) {
    const file = join(nativeDir, name, "ctest-results.xml");
    if (!existsSync(file)) continue;
    const xml = readFileSync(file, "utf8");
    const header = /<testsuite\b[^>]*>/.exec(xml)?.[0] ?? "";
    const attr = (key) => Number(new RegExp(`\\b${key}="(\\d+)"`).exec(header)?.[1] ?? 0);
    const total = attr("tests");
    const bad = attr("failures") + attr("errors");
    const skip = attr("skipped") + attr("disabled");
    passed += total - bad - skip;
    failed += bad;
    skipped += skip;
    reports.push(`native/${name}`);
  }
}

if (reports.length === 0) failed += 1;
console.error(`test reports: ${reports.join(", ") || "none found"}`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
