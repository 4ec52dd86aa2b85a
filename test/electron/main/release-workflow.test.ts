/**
 * .github/workflows/release.yml cannot run here (no GitHub); this pins what it must do: Linux,
 * macOS and Windows each on their own runner (keytar is packed as built, npmRebuild: false),
 * install, test, build the installers, and on Linux the Playwright _electron specs under
 * xvfb-run, after the suite (whose Electron specs skip while no binary is installed).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'vitest';

// electron-builder's own YAML parser (a dependency of app-builder-lib), which reads
// electron-builder.yml too; no extra package for one test.
const yaml = createRequire(import.meta.url)('js-yaml') as { load(text: string): unknown };

type Step = { run?: string; uses?: string };
type Job = {
  'runs-on': string;
  steps: Step[];
  strategy?: { matrix: { include: { os: string; target: string }[] } };
};

const workflow = yaml.load(readFileSync('.github/workflows/release.yml', 'utf8')) as {
  jobs: Record<string, Job>;
};
const runs = (job: Job) => job.steps.map((s) => s.run ?? '').join('\n');

test('one runner per OS: Linux, macOS, Windows', () => {
  const { linux, desktop } = workflow.jobs;
  assert.match(linux!['runs-on'], /^ubuntu-/);
  const oses = desktop!.strategy!.matrix.include.map((i) => i.os);
  assert.ok(oses.some((o) => o.startsWith('macos-')));
  assert.ok(oses.some((o) => o.startsWith('windows-')));
  assert.deepEqual(desktop!.strategy!.matrix.include.map((i) => i.target).sort(), [
    '--mac',
    '--win',
  ]);
});

test('Linux: install, the whole suite, installers, then the Electron specs under xvfb-run', () => {
  const script = runs(workflow.jobs.linux!);
  const order = [
    'npm ci',
    'npm test',
    'npm run package -- --linux',
    'npx install-electron',
    'xvfb-run',
  ];
  const at = order.map((s) => script.indexOf(s));
  assert.ok(
    at.every((i) => i >= 0),
    `missing one of ${order.join(', ')}`,
  );
  assert.deepEqual(
    [...at].sort((a, b) => a - b),
    at,
    'in this order',
  );
  assert.match(script, /xvfb-run[^\n]*\\\n[^\n]*test\/e2e\/electron-app\.test\.ts/);
  assert.doesNotMatch(script, /--no-sandbox/, 'nothing shipped or run with the sandbox off here');
});

test('macOS and Windows: install, tests, installer', () => {
  const script = runs(workflow.jobs.desktop!);
  for (const s of ['npm ci', 'npx vitest run', 'npm run package -- ${{ matrix.target }}']) {
    assert.ok(script.includes(s), s);
  }
});
