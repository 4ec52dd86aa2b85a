/**
 * The real Electron app under Playwright's `_electron` (test/support/desktop.ts): wherever an
 * Electron binary exists (ELECTRON_OVERRIDE_DIST_PATH, KEYBRIDGE_ELECTRON_PATH or an installed
 * node_modules/electron/dist) and a display is there (run under xvfb-run on Linux). Elsewhere
 * each test reports itself skipped with the reason.
 *
 * It checks what only the real shell can show: the window loads app://keybridge, the renderer
 * has exactly the contract API and no Node, the webPreferences Electron actually applied, new
 * windows / navigation / permissions refused, the CSP blocks network access, and a password
 * sign-in through the preload leaves no token in the page. Run against the unfused dev build
 * (`electron <repo>`): Playwright needs the inspector fuse that packaging turns off.
 */
import type * as Keytar from 'keytar';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, test, type TestContext } from 'vitest';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import { apiKeys } from '../../electron/ipc/contract';
import { createApiClient } from '../../electron/services/api-client';
import { VAULT_SERVICE } from '../../electron/services/token-vault';
import { findElectronBinary } from '../support/desktop';
import { REPO_ROOT } from '../support/renderer-static';
import { startTestServer, type TestServer } from '../support/server';

const binary = findElectronBinary();
const hasDisplay =
  process.platform !== 'linux' || Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
const skipReason = !binary
  ? 'no Electron binary: the electron npm package (>= 42) downloads it on first use and this ' +
    'machine cannot; set ELECTRON_OVERRIDE_DIST_PATH to an unpacked Electron to run this spec'
  : !hasDisplay
    ? `no display for Electron (${binary}); run the tests under xvfb-run`
    : null;

let server: TestServer | undefined;
let app: ElectronApplication | undefined;
let page: Page | undefined;
let userData: string | undefined;
const service = `${VAULT_SERVICE}.test-electron-${randomBytes(4).toString('hex')}`;

function skipped(t: TestContext): boolean {
  if (!skipReason) return false;
  console.log(`electron-app: skipped — ${skipReason}`);
  t.skip(skipReason);
  return true;
}

beforeAll(async () => {
  if (skipReason) return;
  const main = path.join(REPO_ROOT, 'out', 'main', 'main.js');
  if (!fs.existsSync(main)) {
    const r = spawnSync(
      process.execPath,
      [path.join(REPO_ROOT, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'],
      { cwd: REPO_ROOT, stdio: 'inherit' },
    );
    assert.equal(r.status, 0, 'electron-vite build');
  }
  server = await startTestServer({ logLevel: 'warn' });
  userData = fs.mkdtempSync(path.join(os.tmpdir(), 'keybridge-electron-'));
  app = await _electron.launch({
    executablePath: binary!,
    // The app folder, as `npm start` launches it: Electron reads package.json (name, version,
    // main). `electron out/main/main.js` would run as "Electron" with Electron's version.
    args: [REPO_ROOT, `--server=${server.url}`, `--user-data-dir=${userData}`, '--no-sandbox'],
    env: { ...(process.env as Record<string, string>), KEYBRIDGE_VAULT_SERVICE: service },
    timeout: 30_000,
  });
  page = await app.firstWindow();
  await page.waitForLoadState('domcontentloaded');
});

afterAll(async () => {
  await app?.close().catch(() => undefined);
  await server?.close();
  if (userData) fs.rmSync(userData, { recursive: true, force: true });
  if (!skipReason) {
    const keytar = createRequire(import.meta.url)('keytar') as typeof Keytar;
    for (const c of await keytar.findCredentials(service).catch(() => [])) {
      await keytar.deletePassword(service, c.account);
    }
  }
});

test('the window is app://keybridge with exactly the contract API and no Node', async (t) => {
  if (skipped(t)) return;
  assert.match(page!.url(), /^app:\/\/keybridge\//);
  const keys = await page!.evaluate(() => Object.keys(window.keybridge).sort());
  assert.deepEqual(keys, apiKeys);
  const globals = await page!.evaluate(() => {
    const w = window as unknown as Record<string, unknown>;
    return [typeof w.require, typeof w.process, typeof w.module, typeof w.ipcRenderer];
  });
  assert.deepEqual(globals, ['undefined', 'undefined', 'undefined', 'undefined']);
});

test('the app runs as Keybridge with its own version and the user data dir it was given', async (t) => {
  if (skipped(t)) return;
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
    version: string;
  };
  const [name, version, data] = await app!.evaluate(({ app: a }) => [
    a.getName(),
    a.getVersion(),
    a.getPath('userData'),
  ]);
  assert.equal(name, 'Keybridge');
  assert.equal(version, pkg.version, "the app's version, not Electron's");
  assert.equal(data, userData, '--user-data-dir wins over ~/.config/Keybridge');
  const info = await page!.evaluate(() => window.keybridge.getAppInfo());
  assert.equal(info.ok && info.value.version, pkg.version, 'the UI is told the same version');
  // Our menu replaced Electron's default one (whose View menu has the developer tools).
  const menu = await app!.evaluate(({ Menu }) =>
    (Menu.getApplicationMenu()?.items ?? []).map((i) => i.label),
  );
  assert.ok(menu.includes('Edit'), menu.join(', '));
});

test('the API crosses the context bridge (isolated world), one window, app session', async (t) => {
  if (skipped(t)) return;
  // contextBridge hands the page proxies of the preload's functions, not the functions.
  const source = await page!.evaluate(() => window.keybridge.getSession.toString());
  assert.match(source, /\[native code\]/);
  const windows = await app!.evaluate(({ BrowserWindow }) =>
    BrowserWindow.getAllWindows().map((w) => w.webContents.getURL()),
  );
  assert.equal(windows.length, 1);
  assert.match(windows[0]!, /^app:\/\/keybridge\//);
});

test('new windows, navigation, permissions and network are refused', async (t) => {
  if (skipped(t)) return;
  const opened = await page!.evaluate(() => window.open('https://example.com/') === null);
  assert.equal(opened, true, 'window.open is denied');
  assert.equal(app!.windows().length, 1);

  await page!.evaluate(() => {
    window.location.href = 'https://example.com/';
  });
  await page!.waitForLoadState();
  assert.match(page!.url(), /^app:\/\/keybridge\//, 'navigation away is refused');

  const permission = await page!.evaluate(() => Notification.requestPermission());
  assert.equal(permission, 'denied');

  const fetched = await page!.evaluate(
    (url) =>
      fetch(`${url}/healthz`).then(
        () => 'reached',
        () => 'blocked',
      ),
    server!.url,
  );
  assert.equal(fetched, 'blocked', "connect-src 'none' keeps the renderer off the network");
});

test('a password sign-in through the preload leaves no token in the page', async (t) => {
  if (skipped(t)) return;
  const email = `electron-${randomBytes(3).toString('hex')}@example.com`;
  const password = 'electron e2e password 1';
  const api = createApiClient({ serverUrl: server!.url });
  t.onTestFinished(() => api.close());
  await api.signUp(email, password);

  const result = await page!.evaluate(
    ([e, p]) => window.keybridge.signInWithPassword({ email: e, password: p }),
    [email, password] as const,
  );
  assert.equal(result.ok && result.value.status, 'signed-in');

  // The refresh token, from the keychain where the main process put it.
  const keytar = createRequire(import.meta.url)('keytar') as typeof Keytar;
  const tokens = (await keytar.findCredentials(service))
    .filter((c) => c.account !== 'current-account')
    .map((c) => c.password);
  assert.equal(tokens.length, 1, 'one refresh token in the keychain');

  // Whatever the page can see: its DOM, its storage.
  const visible = await page!.evaluate(() =>
    JSON.stringify({
      html: document.documentElement.outerHTML,
      local: { ...localStorage },
      session: { ...sessionStorage },
    }),
  );
  // And everything Electron wrote to the app's data directory (cache, prefs, storage, logs).
  const files = listFiles(userData!);
  assert.ok(files.length > 0, 'Electron wrote its profile to the data directory');
  for (const token of tokens) {
    assert.equal(visible.includes(token), false, 'the refresh token is visible to the page');
    for (const file of files) {
      assert.equal(
        fs.readFileSync(file).includes(Buffer.from(token)),
        false,
        `the refresh token is in ${path.relative(userData!, file)}`,
      );
    }
  }
  const signOut = await page!.evaluate(() => window.keybridge.signOut());
  assert.equal(signOut.ok && signOut.value.status, 'signed-out');
});

function listFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((d) => d.isFile())
    .map((d) => path.join(d.parentPath, d.name));
}
