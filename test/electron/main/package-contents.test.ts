/**
 * What the installer ships (issue 11, item 6), without an Electron binary: electron-vite builds
 * out/ exactly as `npm run package` does, then electron-builder itself packs the app for
 * linux `dir` with electron-builder.yml — only the Electron folder is a stand-in
 * (electronDist) and the fuses are skipped (they patch the real binary). app.asar is then
 * listed with @electron/asar: out/, package.json and keytar's runtime files, nothing of the
 * server, a size in the low megabytes. The packed main.js runs from an extracted copy outside
 * the repo (no node_modules to fall back on) under the electron stub, and the preload has no
 * zod in it.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { test } from 'vitest';
import asar from '@electron/asar';
import { getConfig } from 'app-builder-lib/out/util/config/config.js';
import { build, Platform } from 'electron-builder';
import { log } from 'builder-util';
import { REPO_ROOT } from '../../support/renderer-static';

// electron-builder logs to stdout, which node:test's runner reads as its own message stream
// (a stray chunk there can break the run): its lines go to stderr instead.
(log as unknown as { stream: NodeJS.WritableStream }).stream = process.stderr;

const KEYTAR_RUNTIME = [
  '/node_modules/keytar/package.json',
  '/node_modules/keytar/lib/keytar.js',
  '/node_modules/keytar/build/Release/keytar.node',
];
const MAX_ASAR_BYTES = 3 * 1024 * 1024;

/** Bare specifiers a bundle still loads: its top-level imports and its literal require() calls. */
function externalsOf(code: string): string[] {
  const found = new Set<string>();
  for (const m of code.matchAll(/^import\s(?:[^;"']*?\sfrom\s*)?["']([^"']+)["'];?$/gm))
    found.add(m[1]!);
  for (const m of code.matchAll(/require\(\s*["']([^"'\s]+)["']\s*\)/g)) found.add(m[1]!);
  return [...found].sort();
}
const isBuiltin = (s: string) => s.startsWith('node:') || builtinModules.includes(s);

test('app.asar holds only the bundles, package.json and keytar; the packed app runs', async (t) => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kb-pack-'));
  t.onTestFinished(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const vite = spawnSync(
    process.execPath,
    [path.join(REPO_ROOT, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'],
    { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 },
  );
  assert.equal(vite.status, 0, `electron-vite build failed:\n${vite.stdout}\n${vite.stderr}`);

  // A stand-in for the unpacked Electron folder electron-builder copies the app into.
  const electronDist = path.join(tmp, 'electron-dist');
  fs.mkdirSync(electronDist);
  fs.writeFileSync(path.join(electronDist, 'electron'), '#!/bin/sh\n', { mode: 0o755 });
  const config = await getConfig(REPO_ROOT, 'electron-builder.yml', null);
  const output = path.join(tmp, 'release');
  await build({
    projectDir: REPO_ROOT,
    targets: Platform.LINUX.createTarget('dir'),
    publish: 'never',
    config: {
      ...config,
      electronDist,
      electronVersion: JSON.parse(
        fs.readFileSync(path.join(REPO_ROOT, 'node_modules', 'electron', 'package.json'), 'utf8'),
      ).version,
      // Fuses patch the real Electron binary; the stand-in has none to patch.
      electronFuses: null,
      directories: { ...config.directories, output },
    },
  });

  const resources = path.join(output, 'linux-unpacked', 'resources');
  const archive = path.join(resources, 'app.asar');
  const files = asar.listPackage(archive, { isPack: false }).filter((f) => {
    const entry = asar.statFile(archive, f.slice(1), false) as object;
    return !('files' in entry); // directories have `files`
  });
  const size = fs.statSync(archive).size;
  void t.annotate(`app.asar: ${(size / 1024).toFixed(0)} KiB, ${files.length} files`);
  for (const f of files) void t.annotate(`  ${f}`);

  const unexpected = files.filter(
    (f) => !f.startsWith('/out/') && f !== '/package.json' && !KEYTAR_RUNTIME.includes(f),
  );
  assert.deepEqual(unexpected, [], 'nothing but the bundles, package.json and keytar');
  for (const f of ['/out/main/main.js', '/out/preload/preload.cjs', '/out/renderer/index.html']) {
    assert.ok(files.includes(f), f);
  }
  for (const f of KEYTAR_RUNTIME) assert.ok(files.includes(f), f);
  assert.ok(size < MAX_ASAR_BYTES, `app.asar is ${size} bytes`);
  // The native module is unpacked next to the archive (smartUnpack), where dlopen can load it.
  assert.ok(
    fs.existsSync(
      path.join(
        resources,
        'app.asar.unpacked',
        'node_modules',
        'keytar',
        'build',
        'Release',
        'keytar.node',
      ),
    ),
  );

  // main.js needs nothing from node_modules but keytar (createRequire at run time) and ws's
  // optional speed-ups; the preload needs only electron and has no zod in it.
  const mainJs = asar.extractFile(archive, 'out/main/main.js').toString('utf8');
  const mainExternals = externalsOf(mainJs).filter((s) => !isBuiltin(s));
  assert.deepEqual(mainExternals, ['bufferutil', 'electron', 'utf-8-validate']);
  const preload = asar.extractFile(archive, 'out/preload/preload.cjs');
  assert.deepEqual(externalsOf(preload.toString('utf8')), ['electron']);
  assert.ok(
    preload.length < 10 * 1024,
    `preload.cjs is ${preload.length} bytes (zod made it 186 KB)`,
  );
  // zod's own identifiers (the preload's comments may still say the word)
  assert.doesNotMatch(preload.toString('utf8'), /ZodError|\$ZodType|safeParse/);

  // The packed app starts from an extracted copy outside the repo.
  const extracted = path.join(tmp, 'extracted');
  asar.extractAll(archive, extracted);
  const run = execFileSync(
    process.execPath,
    [
      path.join(REPO_ROOT, 'test', 'electron', 'fixtures', 'run-bundled-main.mjs'),
      path.join(extracted, 'out', 'main', 'main.js'),
      '--server=http://127.0.0.1:9',
    ],
    {
      cwd: tmp,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, KEYBRIDGE_VAULT_SERVICE: 'com.keybridge.desktop.test-package' },
    },
  );
  const answer = JSON.parse(run.trim().split('\n').at(-1)!) as {
    info: { ok: boolean; value: { version: string; mode: string } };
    index: number;
    name: string;
  };
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
  assert.deepEqual(answer.info.ok && answer.info.value.version, pkg.version);
  assert.equal(answer.name, 'Keybridge');
  assert.equal(answer.index, 200, 'app:// serves the packed renderer');
});
