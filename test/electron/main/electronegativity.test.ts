/**
 * The Electronegativity gate (scripts/electronegativity.mjs) fails on findings: the tool
 * itself exits 0 whatever it finds, so this proves the SARIF count really stops the build.
 * (The gate over electron/ and renderer/ runs in scripts/test.sh before the tests.)
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'vitest';

const SCRIPT = path.resolve(import.meta.dirname, '../../../scripts/electronegativity.mjs');

test('a window without isolation or sandbox, in an app without limits, fails the gate, with the findings listed', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keybridge-eng-bad-'));
  t.onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(
    path.join(dir, 'main.js'),
    "const { BrowserWindow } = require('electron');\n" +
      'new BrowserWindow({ webPreferences: { nodeIntegration: true, contextIsolation: false, sandbox: false } });\n',
  );
  const run = spawnSync(process.execPath, [SCRIPT, dir], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(run.status, 1, run.stdout + run.stderr);
  // Global checks that our own main.ts satisfies (navigation limits, permission handler, CSP).
  assert.match(run.stdout, /LIMIT_NAVIGATION_GLOBAL_CHECK/);
  assert.match(run.stdout, /PERMISSION_REQUEST_HANDLER_GLOBAL_CHECK/);
  assert.match(run.stdout, /CSP_GLOBAL_CHECK/);
  assert.match(run.stdout, /CONTEXT_ISOLATION_JS_CHECK/);
  assert.match(run.stdout, /SANDBOX_JS_CHECK/);
  assert.match(run.stdout, /electronegativity: \d+ finding\(s\)/);
});
