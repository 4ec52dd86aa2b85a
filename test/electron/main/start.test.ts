/**
 * `npm start` (scripts/start.mjs) as a person runs it: the embedded server comes up and is
 * reachable; with no Electron binary one paragraph says why no window opened and what to run
 * instead, and Ctrl-C stops everything; with a binary (here a stand-in executable, since no
 * real one exists on this machine) it is launched against the server, and closing it stops
 * the server too.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'vitest';

const START = path.resolve(import.meta.dirname, '../../../scripts/start.mjs');

type Run = { child: ChildProcess; output: () => string; exited: Promise<number | null> };

function runStart(t: TestContext, env: Record<string, string>): Run {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'keybridge-start-'));
  const base = { ...process.env };
  // The machine's own settings must not decide which branch runs.
  delete base.DISPLAY;
  delete base.WAYLAND_DISPLAY;
  delete base.KEYBRIDGE_ELECTRON_PATH;
  delete base.ELECTRON_OVERRIDE_DIST_PATH;
  const child = spawn(process.execPath, [START], {
    env: { ...base, PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (out += c));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  t.onTestFinished(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGINT');
      await exited;
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  return { child, output: () => out, exited };
}

function waitForOutput(run: Run, pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const m = pattern.exec(run.output());
      if (m) {
        run.child.stdout!.off('data', check);
        resolve(m);
      }
    };
    run.child.stdout!.on('data', check);
    run.child.once('exit', () => {
      const m = pattern.exec(run.output());
      if (m) resolve(m);
      else reject(new Error(`exited before ${pattern}:\n${run.output()}`));
    });
    check();
  });
}

async function reachable(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/healthz`)).ok;
  } catch {
    return false;
  }
}

test('no Electron binary: the server runs, one paragraph explains, Ctrl-C stops it', async (t) => {
  const run = runStart(t, {});
  const [, url] = await waitForOutput(run, /\[start\] server: (\S+)/);
  await waitForOutput(run, /Press Ctrl-C to stop the server\./);
  assert.equal(await reachable(url!), true, 'the server answers');

  const paragraph = /\nNo desktop window opened: [^\n]+\n/.exec(run.output())?.[0] ?? '';
  assert.match(paragraph, /no binary here/);
  assert.ok(paragraph.includes(`npx keybridge login --server ${url}`), paragraph);
  assert.match(paragraph, /npm run desktop:browser/);
  assert.ok(paragraph.includes(url!), 'the server URL is printed');

  run.child.kill('SIGINT');
  assert.equal(await run.exited, 0);
  assert.equal(await reachable(url!), false, 'the server stopped with it');
});

test('an Electron binary is launched against the server; closing the app stops everything', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keybridge-fake-electron-'));
  t.onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
  const argsFile = path.join(dir, 'args.txt');
  const fake = path.join(dir, 'electron');
  // Stands in for the Electron executable: records its arguments and pid, stays up until quit.
  fs.writeFileSync(
    fake,
    `#!${process.execPath}\n` +
      `require('fs').writeFileSync(${JSON.stringify(argsFile)}, JSON.stringify({pid: process.pid, args: process.argv.slice(2)}));\n` +
      `console.log('fake-electron-up');\nsetInterval(() => {}, 1000);\n`,
    { mode: 0o755 },
  );
  const run = runStart(t, { KEYBRIDGE_ELECTRON_PATH: fake, DISPLAY: ':99' });
  const [, url] = await waitForOutput(run, /\[start\] server: (\S+)/);
  await waitForOutput(run, /fake-electron-up/);
  const launched = JSON.parse(fs.readFileSync(argsFile, 'utf8')) as { pid: number; args: string[] };
  // The app folder (Electron reads its package.json: name, version, main), not main.js.
  assert.equal(launched.args[0], path.resolve(import.meta.dirname, '../../..'));
  const pkg = JSON.parse(fs.readFileSync(path.join(launched.args[0]!, 'package.json'), 'utf8'));
  assert.equal(pkg.main, 'out/main/main.js');
  assert.ok(launched.args.includes(`--server=${url}`), launched.args.join(' '));
  assert.doesNotMatch(run.output(), /No desktop window opened/);
  assert.equal(await reachable(url!), true);

  // The person quits the app: npm start ends, and the server with it.
  process.kill(launched.pid, 'SIGTERM');
  assert.equal(await run.exited, 0);
  assert.equal(await reachable(url!), false);
});
