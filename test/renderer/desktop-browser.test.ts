/**
 * `npm run desktop:browser` refuses plainly, before building or launching anything, when it
 * cannot work: a headed window with no display, or a server URL that is not one.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { test, type TestContext } from 'vitest';

const SCRIPT = path.resolve(import.meta.dirname, '../support/desktop-browser.ts');

async function run(t: TestContext, args: string[], env: Record<string, string> = {}) {
  const base = { ...process.env };
  delete base.DISPLAY;
  delete base.WAYLAND_DISPLAY;
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, ...args], {
    env: { ...base, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (err += c));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, stdout: out, stderr: err };
}

test('headed with no DISPLAY or WAYLAND_DISPLAY: one plain line, exit 1', async (t) => {
  const result = await run(t, ['--server', 'http://127.0.0.1:1']);
  assert.equal(result.code, 1);
  assert.equal(
    result.stderr,
    'desktop:browser: no display: run it under xvfb-run, or pass --headless\n',
  );
  assert.equal(result.stdout, '');
});

test('a bad --server: one plain line naming it, exit 2', async (t) => {
  const result = await run(t, ['--headless', '--server=foo']);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /^desktop:browser: Not a server URL: foo \(expected http[^\n]*\n$/);
  assert.doesNotMatch(result.stderr, /Invalid URL/);
});
