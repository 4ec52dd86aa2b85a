#!/usr/bin/env node
// The per-module gate of `npm run test:mutation` (issue 12): every mutated module must score at
// least the threshold. Stryker's `thresholds.break` is one score over all files together, so a
// weak module can hide behind strong ones; this reads Stryker's JSON report and judges each file.
// Usage: node scripts/mutation-check.mjs [report.json] [threshold]
import fs from 'node:fs';

const reportPath = process.argv[2] ?? 'reports/mutation/mutation.json';
const threshold = Number(process.argv[3] ?? 85);

/** Stryker's "mutation score": killed + timed out over all valid mutants (no coverage counts as survived). */
const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);

export function scoreFiles(report) {
  return Object.entries(report.files)
    .map(([file, { mutants }]) => {
      const detected = mutants.filter((m) => DETECTED.has(m.status)).length;
      const undetected = mutants.filter((m) => UNDETECTED.has(m.status)).length;
      const valid = detected + undetected;
      // No valid mutant (e.g. only static ones, skipped by --ignoreStatic): nothing was judged.
      return { file, detected, valid, score: valid === 0 ? null : (100 * detected) / valid };
    })
    .sort((a, b) => a.file.localeCompare(b.file));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (!fs.existsSync(reportPath)) {
    console.error(`mutation-check: ${reportPath} is missing (run npx stryker run first)`);
    process.exit(2);
  }
  const scores = scoreFiles(JSON.parse(fs.readFileSync(reportPath, 'utf8')));
  for (const s of scores) {
    const score = s.score === null ? '   n/a ' : `${s.score.toFixed(1).padStart(6)}%`;
    console.log(
      `${score}  ${String(s.detected).padStart(4)}/${String(s.valid).padEnd(4)} ${s.file}${s.score === null ? ' (no mutant tested: static only?)' : ''}`,
    );
  }
  const low = scores.filter((s) => s.score !== null && s.score < threshold);
  if (low.length > 0) {
    console.error(`\nmutation-check: ${low.length} module(s) under ${threshold}%:`);
    for (const s of low) console.error(`  ${s.file}: ${s.score.toFixed(1)}%`);
    process.exit(1);
  }
  console.log(`\nmutation-check: all ${scores.length} modules at or above ${threshold}%`);
}
