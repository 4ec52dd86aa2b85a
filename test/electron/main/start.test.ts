/**
 * `npm start` (scripts/start.mjs) as a person runs it: the embedded server comes up and is
 * reachable; with no Electron binary one paragraph says why no window opened and what to run
 * instead, and Ctrl-C stops everything; with a binary (here a stand-in executable, since no
 * real one exists on this machine) it is launched against the server, and closing it stops
 * the server too. With a display and no binary it fetches one with the electron package's own
 * installer (from a local mirror here, holding a stand-in), or says within seconds that the
 * download host cannot be reached.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
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

/** A copy of the electron npm package (no binary) whose installer writes into the copy. */
function electronPackageCopy(t: TestContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keybridge-electron-pkg-'));
  t.onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
  const modules = path.resolve(import.meta.dirname, '../../../node_modules');
  const pkg = path.join(dir, 'electron');
  fs.cpSync(path.join(modules, 'electron'), pkg, {
    recursive: true,
    filter: (src) => !/[\\/](dist|path\.txt)$/.test(src),
  });
  // The installer's own dependencies (@electron/get, the zip extractor) resolve from here.
  fs.symlinkSync(modules, path.join(dir, 'node_modules'));
  return pkg;
}

test('with a display and no binary, the download host is checked first: unreachable says why', async (t) => {
  // A port nobody listens on stands in for a network that reaches no download host.
  const closed = net.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const { port } = closed.address() as net.AddressInfo;
  await new Promise((resolve) => closed.close(resolve));
  const pkg = electronPackageCopy(t);
  const run = runStart(t, {
    DISPLAY: ':99',
    KEYBRIDGE_ELECTRON_PACKAGE_DIR: pkg,
    ELECTRON_MIRROR: `http://127.0.0.1:${port}/`,
  });
  const [, url] = await waitForOutput(run, /\[start\] server: (\S+)/);
  await waitForOutput(run, /Press Ctrl-C to stop the server\./);
  const paragraph = /\nNo desktop window opened: [^\n]+\n/.exec(run.output())?.[0] ?? '';
  assert.match(paragraph, new RegExp(`cannot reach 127\\.0\\.0\\.1:${port} to download Electron`));
  assert.match(paragraph, /ECONNREFUSED/);
  assert.doesNotMatch(run.output(), /\[start\] downloading Electron/);
  assert.equal(fs.existsSync(path.join(pkg, 'dist')), false, 'nothing half-installed');
  assert.equal(await reachable(url!), true, 'the server still runs');
});

test('with a display and no binary, npm start fetches Electron with its installer and opens it', async (t) => {
  const pkg = electronPackageCopy(t);
  const version = (
    JSON.parse(fs.readFileSync(path.join(pkg, 'package.json'), 'utf8')) as {
      version: string;
    }
  ).version;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'keybridge-mirror-'));
  t.onTestFinished(() => fs.rmSync(work, { recursive: true, force: true }));
  const argsFile = path.join(work, 'args.txt');
  // The release zip a mirror serves, holding a stand-in `electron` executable (no real
  // binary can be downloaded here): records its arguments, stays up until quit.
  const stand = path.join(work, 'electron');
  fs.writeFileSync(
    stand,
    `#!${process.execPath}\n` +
      `require('fs').writeFileSync(${JSON.stringify(argsFile)}, JSON.stringify({pid: process.pid, args: process.argv.slice(2)}));\n` +
      `console.log('fetched-electron-up');\nsetInterval(() => {}, 1000);\n`,
    { mode: 0o755 },
  );
  const zipName = `electron-v${version}-${process.platform}-${process.arch}.zip`;
  const zipPath = path.join(work, zipName);
  const zipped = spawnSync('python3', [
    '-c',
    'import sys, zipfile\n' +
      'z = zipfile.ZipFile(sys.argv[1], "w")\n' +
      'i = zipfile.ZipInfo("electron"); i.external_attr = 0o100755 << 16\n' +
      'z.writestr(i, open(sys.argv[2], "rb").read()); z.close()',
    zipPath,
    stand,
  ]);
  assert.equal(zipped.status, 0, String(zipped.stderr));
  const zip = fs.readFileSync(zipPath);
  const sums = `${createHash('sha256').update(zip).digest('hex')} *${zipName}\n`;
  const requested: string[] = [];
  const mirror = http.createServer((req, res) => {
    requested.push(req.url ?? '');
    if (req.url === `/v${version}/${zipName}`) res.end(zip);
    else if (req.url === `/v${version}/SHASUMS256.txt`) res.end(sums);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => mirror.listen(0, '127.0.0.1', resolve));
  t.onTestFinished(() => new Promise((resolve) => mirror.close(() => resolve())));
  const { port } = mirror.address() as net.AddressInfo;

  const run = runStart(t, {
    DISPLAY: ':99',
    KEYBRIDGE_ELECTRON_PACKAGE_DIR: pkg,
    ELECTRON_MIRROR: `http://127.0.0.1:${port}/`,
    // The mirror's own SHASUMS256.txt, since the package's checksums are for the real zips.
    electron_use_remote_checksums: '1',
    electron_config_cache: path.join(work, 'cache'),
  });
  await waitForOutput(run, /\[start\] downloading Electron/);
  const [, url] = await waitForOutput(run, /\[start\] server: (\S+)/);
  await waitForOutput(run, /fetched-electron-up/);
  assert.ok(requested.includes(`/v${version}/${zipName}`), requested.join(' '));
  assert.equal(fs.readFileSync(path.join(pkg, 'path.txt'), 'utf8'), 'electron');
  const launched = JSON.parse(fs.readFileSync(argsFile, 'utf8')) as { pid: number; args: string[] };
  assert.ok(launched.args.includes(`--server=${url}`), launched.args.join(' '));
  assert.doesNotMatch(run.output(), /No desktop window opened/);

  process.kill(launched.pid, 'SIGTERM');
  assert.equal(await run.exited, 0);
});
