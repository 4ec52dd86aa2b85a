/**
 * The Electron app's renderer build (electron-vite, out/renderer) must pin its script the same
 * way as the harness build: the page's CSP allows no script until the build writes the
 * bundle's sha384 into it. Without renderer/pin-script-hash.ts in electron.vite.config.ts the
 * Electron window would stay blank, and only a machine with an Electron binary would notice.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'vitest';
import { REPO_ROOT } from '../support/renderer-static';

test('electron-vite builds a renderer whose CSP runs exactly its bundle', (t) => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'keybridge-evb-'));
  t.onTestFinished(() => fs.rmSync(out, { recursive: true, force: true }));
  const run = spawnSync(
    process.execPath,
    [
      path.join(REPO_ROOT, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'),
      'build',
      '--outDir',
      out,
    ],
    { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 },
  );
  assert.equal(run.status, 0, `electron-vite build failed:\n${run.stdout}\n${run.stderr}`);
  const html = fs.readFileSync(path.join(out, 'renderer', 'index.html'), 'utf8');
  const tag = /<script[^>]*integrity="(sha384-[^"]+)"[^>]*src="\.\/(assets\/[^"]+\.js)"/.exec(html);
  assert.ok(
    tag,
    'out/renderer/index.html has no pinned script: add `plugins: [pinScriptHash()]` ' +
      "(import { pinScriptHash } from './renderer/pin-script-hash.js') to the renderer section of electron.vite.config.ts",
  );
  const bundle = fs.readFileSync(path.join(out, 'renderer', tag[2]!));
  const actual = `sha384-${createHash('sha384').update(bundle).digest('base64')}`;
  assert.equal(tag[1], actual, 'integrity matches the bundle');
  assert.ok(html.includes(`script-src '${actual}'`), 'the CSP pins the same hash');
});
