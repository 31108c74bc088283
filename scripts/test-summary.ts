/**
 * Prints the plain closing line CI reads ("N passed, N failed, N skipped") from vitest's JSON
 * report, and exits non-zero when the report is missing or counts no test at all.
 */
import { existsSync, readFileSync } from "node:fs";

const file = process.argv[2] ?? "test-artifacts/vitest-results.json";
if (!existsSync(file)) {
  console.error(`test-summary: ${file} not found (did the test run start?)`);
  process.exit(1);
}
const report = JSON.parse(readFileSync(file, "utf8")) as {
  numPassedTests?: number;
  numFailedTests?: number;
  numPendingTests?: number;
  numTodoTests?: number;
};
const passed = report.numPassedTests ?? 0;
const failed = report.numFailedTests ?? 0;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
