/**
 * The app's name and version however Electron was started (electron/shell/app-identity.ts),
 * on the Electron stub's `app`, which starts out as `electron out/main/main.js` leaves it:
 * named "Electron", Electron's own version, userData ~/.config/Electron.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'vitest';
import { useElectronStub } from '../fixtures/electron-stub';

const stub = useElectronStub();
const { app } = (await import('electron')) as unknown as {
  app: { name: string; getPath(n: string): string; getVersion(): string } & Record<string, unknown>;
};
const { applyAppIdentity, readPackageVersion } =
  await import('../../../electron/shell/app-identity');
const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8')) as { version: string };
const main = stub.main!;
const ELECTRON_VERSION = '45.4.1';

test('started as a file: the name becomes Keybridge, userData its own, the version ours', () => {
  assert.equal(app.name, 'Electron', 'the stub starts like `electron out/main/main.js`');
  const id = applyAppIdentity(app as never, {
    mainDir: path.resolve('out', 'main'),
    electronVersion: ELECTRON_VERSION,
  });
  assert.deepEqual(id, { name: 'Keybridge', version: pkg.version });
  assert.equal(app.name, 'Keybridge');
  assert.equal(main.paths.userData, path.join('/stub/appData', 'Keybridge'));
  assert.notEqual(id.version, ELECTRON_VERSION);
});

test('--user-data-dir (tests, a person) wins over our folder', () => {
  app.name = 'Electron';
  delete main.paths.userData;
  main.switches.set('user-data-dir', '/tmp/somewhere');
  try {
    applyAppIdentity(app as never, { mainDir: 'electron', electronVersion: ELECTRON_VERSION });
    assert.equal(app.name, 'Keybridge');
    assert.equal(main.paths.userData, undefined);
  } finally {
    main.switches.delete('user-data-dir');
  }
});

test("packaged (or the app folder launched): Electron's answers are kept", () => {
  app.name = 'Keybridge';
  delete main.paths.userData;
  const getVersion = app.getVersion;
  app.getVersion = () => '9.9.9';
  try {
    const id = applyAppIdentity(app as never, {
      mainDir: '/nowhere',
      electronVersion: ELECTRON_VERSION,
    });
    assert.deepEqual(id, { name: 'Keybridge', version: '9.9.9' });
    assert.equal(main.paths.userData, undefined, 'packaged userData is left as Electron set it');
  } finally {
    app.getVersion = getVersion;
  }
});

test('readPackageVersion finds our package.json from out/main, electron/ or inside an app dir', (t) => {
  assert.equal(readPackageVersion(path.resolve('out', 'main')), pkg.version);
  assert.equal(readPackageVersion(path.resolve('electron')), pkg.version);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kb-id-'));
  t.onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.mkdirSync(path.join(dir, 'app', 'out', 'main'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'other', version: '1' }));
  assert.equal(
    readPackageVersion(path.join(dir, 'app', 'out', 'main')),
    null,
    "not someone else's",
  );
  fs.writeFileSync(
    path.join(dir, 'app', 'package.json'),
    JSON.stringify({ name: 'keybridge', version: '2.3.4' }),
  );
  assert.equal(readPackageVersion(path.join(dir, 'app', 'out', 'main')), '2.3.4');
});
