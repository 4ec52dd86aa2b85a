// Security gate: Electronegativity over the desktop app's code (electron/ and renderer/).
// The tool exits 0 whatever it finds, so this writes SARIF, counts
// runs[0].results, prints each finding and exits 1 when there is any.
//
// Its CLI takes ONE --input (commander keeps the last -i), so both folders are copied into one
// temp dir and scanned together; that also lets
// its global checks (CSP, navigation limits, permission handler) see main.ts and the renderer
// at once. AvailableSecurityFixesGlobalCheck is excluded: it needs the network.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const work = mkdtempSync(path.join(tmpdir(), 'keybridge-eng-'));
const sarifPath = path.join(work, 'electronegativity.sarif');
const scanDir = path.join(work, 'app');

try {
  // Default: the app's two folders. Other folders may be given (the gate's own test uses that).
  const dirs = process.argv.length > 2 ? process.argv.slice(2) : ['electron', 'renderer'];
  for (const dir of dirs) {
    cpSync(path.resolve(root, dir), path.join(scanDir, path.basename(dir)), { recursive: true });
  }
  // package.json stays out: its only check just records the Electron version (an informational
  // "finding" every run); the version is passed with -e instead.

  const require = createRequire(import.meta.url);
  const cli = path.join(
    path.dirname(require.resolve('@doyensec/electronegativity/package.json')),
    'dist/index.js',
  );
  const electronVersion = require('electron/package.json').version;
  const args = [
    cli,
    '-i',
    scanDir,
    '-o',
    sarifPath,
    '-r',
    '-e',
    electronVersion,
    '-x',
    'AvailableSecurityFixesGlobalCheck',
  ];
  // LANG=en-US keeps its translation lookup on the bundled file (it tries S3 first, 1 s timeout).
  const run = spawnSync(process.execPath, args, {
    encoding: 'utf8',
    env: { ...process.env, LANG: 'en-US' },
    timeout: 120_000,
  });
  if (run.status !== 0) {
    console.error(run.stdout, run.stderr);
    console.error(`electronegativity itself failed (exit ${run.status ?? run.signal})`);
    process.exit(1);
  }

  const sarif = JSON.parse(readFileSync(sarifPath, 'utf8'));
  const results = sarif.runs?.[0]?.results;
  if (!Array.isArray(results)) {
    console.error('electronegativity wrote no results list; treating as a failure');
    process.exit(1);
  }
  const rules = new Map((sarif.runs[0].tool?.driver?.rules ?? []).map((r) => [r.id, r]));
  for (const r of results) {
    const loc = r.locations?.[0]?.physicalLocation;
    const file = loc?.artifactLocation?.uri ?? '?';
    const line = loc?.region?.startLine ?? '?';
    const rule = rules.get(r.ruleId);
    const text = r.message?.text ?? rule?.shortDescription?.text ?? '';
    console.log(`  ${r.ruleId} ${file}:${line} ${text}`);
  }
  console.log(`electronegativity: ${results.length} finding(s) in ${dirs.join(', ')}`);
  process.exit(results.length === 0 ? 0 : 1);
} finally {
  rmSync(work, { recursive: true, force: true });
}
