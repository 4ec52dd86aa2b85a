// Prints the one line CI reads at the end of `npm test`: `N passed, N failed[, N skipped]`,
// added up from vitest's JSON reporter and Playwright Test's JSON reporter. A runner whose
// report is missing (it crashed before writing one) counts as one failure.
import fs from 'node:fs';

const [vitestFile, playwrightFile] = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;

function read(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    failed += 1;
    console.error(`test-summary: no report at ${file}`);
    return undefined;
  }
}

const v = vitestFile ? read(vitestFile) : undefined;
if (v) {
  passed += v.numPassedTests;
  failed += v.numFailedTests;
  skipped += v.numPendingTests + v.numTodoTests;
  // A file that fails to load has no tests to count: count it once.
  failed += v.testResults.filter(
    (f) => f.status === 'failed' && f.assertionResults.length === 0,
  ).length;
}
const p = playwrightFile ? read(playwrightFile) : undefined;
if (p) {
  passed += p.stats.expected + p.stats.flaky;
  failed += p.stats.unexpected;
  skipped += p.stats.skipped;
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
