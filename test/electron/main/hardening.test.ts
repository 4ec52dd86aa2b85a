/**
 * Window, session and protocol hardening helpers (electron/window/), tested as the plain
 * functions main.ts hands to Electron.
 */
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'vitest';
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config.js';
import { DebugLogger, log } from 'builder-util';
import { isTrustedSender, originOf } from '../../../electron/ipc/sender';
import { resolveAppPath, serveAppRequest } from '../../../electron/window/app-protocol';
import { RENDERER_CSP } from '../../../electron/window/csp';
import { externalOriginsFor, isAllowedExternalUrl } from '../../../electron/window/external-links';
import { decideWindowOpen, isAllowedNavigation } from '../../../electron/window/navigation';
import { denyPermissionCheck, denyPermissionRequest } from '../../../electron/window/permissions';

// electron-builder logs to stdout, which node:test's runner reads as its own message stream
// (a stray chunk there can break the run): its lines go to stderr instead.
(log as unknown as { stream: NodeJS.WritableStream }).stream = process.stderr;

const ALLOWED = ['https://keybridge.localhost', 'https://exchange.example'];

test('openExternal allow-list: https on listed origins only', () => {
  for (const ok of [
    'https://keybridge.localhost/help',
    'https://exchange.example/m/security?x=1#y',
  ]) {
    assert.equal(isAllowedExternalUrl(ok, ALLOWED), true, ok);
  }
  for (const bad of [
    'http://keybridge.localhost/help',
    'https://keybridge.localhost.evil.example/',
    'https://evil.example/',
    'https://user:pw@exchange.example/',
    'file:///etc/passwd',
    'javascript:alert(1)',
    'smb://exchange.example/share',
    'ms-settings:privacy',
    'not a url',
    '',
  ]) {
    assert.equal(isAllowedExternalUrl(bad, ALLOWED), false, bad);
  }
});

test('the allow-list adds the server only when it is https', () => {
  assert.deepEqual(externalOriginsFor('http://127.0.0.1:8787'), ['https://keybridge.localhost']);
  assert.deepEqual(externalOriginsFor('https://id.exchange.example/api'), [
    'https://keybridge.localhost',
    'https://id.exchange.example',
  ]);
});

test('navigation: only the app origin; new windows always denied, maybe sent to the browser', () => {
  assert.equal(isAllowedNavigation('app://keybridge/index.html'), true);
  for (const url of [
    'https://evil.example/',
    'app://keybridge.evil/',
    'file:///index.html',
    'about:blank',
    'data:text/html,hi',
  ]) {
    assert.equal(isAllowedNavigation(url), false, url);
  }
  assert.deepEqual(decideWindowOpen('https://keybridge.localhost/help', ALLOWED), {
    action: 'deny',
    openExternally: 'https://keybridge.localhost/help',
  });
  assert.deepEqual(decideWindowOpen('https://evil.example/', ALLOWED), {
    action: 'deny',
    openExternally: null,
  });
});

test('sender check: trusted window id and the exact app origin', () => {
  assert.equal(originOf('app://keybridge/deep/path?q#f'), 'app://keybridge');
  const trusted = new Set([3]);
  assert.equal(
    isTrustedSender({ frameUrl: 'app://keybridge/', webContentsId: 3, topFrame: true }, trusted),
    true,
  );
  assert.equal(
    isTrustedSender({ frameUrl: 'app://keybridge/', webContentsId: 4, topFrame: true }, trusted),
    false,
  );
  assert.equal(
    isTrustedSender({ frameUrl: 'app://KEYBRIDGE.x/', webContentsId: 3, topFrame: true }, trusted),
    false,
  );
  assert.equal(
    isTrustedSender({ frameUrl: undefined, webContentsId: 3, topFrame: true }, trusted),
    false,
  );
  assert.equal(
    isTrustedSender({ frameUrl: 'app://keybridge/', webContentsId: 3, topFrame: false }, trusted),
    false,
    'a child frame, even on the app origin',
  );
  assert.equal(
    isTrustedSender(
      { frameUrl: 'http://127.0.0.1:1/', webContentsId: 3, topFrame: true },
      trusted,
      'http://127.0.0.1:1',
    ),
    true,
  );
});

test('CSP: no network, scripts and styles from the app only, no framing', () => {
  const directives = new Map(
    RENDERER_CSP.split(';').map((d) => {
      const [name, ...values] = d.trim().split(/\s+/);
      return [name!, values.join(' ')];
    }),
  );
  assert.equal(directives.get('default-src'), "'none'");
  assert.equal(directives.get('connect-src'), "'none'");
  assert.equal(directives.get('script-src'), "'self'");
  assert.equal(directives.get('object-src'), "'none'");
  assert.equal(directives.get('frame-ancestors'), "'none'");
  assert.equal(directives.get('img-src'), "'self' data:");
  assert.doesNotMatch(RENDERER_CSP, /unsafe-inline|unsafe-eval|\*/);
});

test('permissions: every request and check is denied', () => {
  for (const permission of ['media', 'notifications', 'clipboard-read', 'geolocation', 'hid']) {
    let granted: boolean | undefined;
    denyPermissionRequest({}, permission, (g) => (granted = g));
    assert.equal(granted, false, permission);
  }
  assert.equal(denyPermissionCheck(), false);
});

test('app:// serves the renderer directory only, with the CSP header', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'kb-proto-'));
  t.onTestFinished(() => rm(dir, { recursive: true, force: true }));
  const root = path.join(dir, 'renderer');
  await mkdir(path.join(root, 'assets'), { recursive: true });
  await writeFile(path.join(root, 'index.html'), '<!doctype html><title>k</title>');
  await writeFile(path.join(root, 'assets', 'a.js'), 'console.log(1)');
  await writeFile(path.join(dir, 'secret.txt'), 'outside');

  const index = await serveAppRequest('app://keybridge/', root);
  assert.equal(index.status, 200);
  assert.equal(index.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.equal(index.headers.get('content-security-policy'), RENDERER_CSP);
  assert.equal(await index.text(), '<!doctype html><title>k</title>');

  const js = await serveAppRequest('app://keybridge/assets/a.js', root);
  assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');

  for (const url of [
    'app://keybridge/../secret.txt',
    'app://keybridge/%2e%2e/secret.txt',
    'app://keybridge/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
    'app://keybridge/%00index.html',
    'app://other/index.html',
    'app://keybridge/missing.js',
    'https://keybridge/index.html',
  ]) {
    const res = await serveAppRequest(url, root);
    assert.equal(res.status, 404, url);
    assert.doesNotMatch(await res.text(), /outside/, url);
  }
  assert.equal(
    resolveAppPath('app://keybridge/assets/a.js', root),
    path.join(root, 'assets', 'a.js'),
  );
});

test('app:// refuses a symlink that leaves the renderer folder, still serves real files', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'kb-proto-link-'));
  t.onTestFinished(() => rm(dir, { recursive: true, force: true }));
  const root = path.join(dir, 'renderer');
  await mkdir(path.join(root, 'assets'), { recursive: true });
  await writeFile(path.join(root, 'index.html'), '<!doctype html><title>k</title>');
  await writeFile(path.join(dir, 'secret.txt'), 'outside the root');
  const hostname = await readFile('/etc/hostname', 'utf8');
  // Inside the root by name, outside by target: a file, a directory, a relative link.
  await symlink('/etc/hostname', path.join(root, 'hostname.txt'));
  await symlink('/etc', path.join(root, 'assets', 'etc'));
  await symlink('../secret.txt', path.join(root, 'secret.txt'));
  // A link that stays inside the root is still a file of ours.
  await symlink('index.html', path.join(root, 'alias.html'));

  for (const url of [
    'app://keybridge/hostname.txt',
    'app://keybridge/assets/etc/hostname',
    'app://keybridge/secret.txt',
  ]) {
    const res = await serveAppRequest(url, root);
    assert.equal(res.status, 404, url);
    assert.equal(res.headers.get('content-security-policy'), RENDERER_CSP, url);
    const body = await res.text();
    assert.equal(body, 'Not found', url);
    assert.equal(body.includes(hostname.trim()), false, url);
  }
  const index = await serveAppRequest('app://keybridge/index.html', root);
  assert.equal(index.status, 200);
  assert.equal(await index.text(), '<!doctype html><title>k</title>');
  const alias = await serveAppRequest('app://keybridge/alias.html', root);
  assert.equal(alias.status, 200);

  // The renderer folder itself may be reached through a link (e.g. a symlinked checkout).
  const linkedRoot = path.join(dir, 'linked-renderer');
  await symlink(root, linkedRoot);
  assert.equal((await serveAppRequest('app://keybridge/index.html', linkedRoot)).status, 200);
  assert.equal((await serveAppRequest('app://keybridge/hostname.txt', linkedRoot)).status, 404);
});

test('electron-builder.yml: valid for electron-builder, app id, targets and the fuses', async () => {
  // electron-builder's own loader and schema check: a misspelt key fails here, not at release.
  const config = await getConfig(process.cwd(), 'electron-builder.yml', null);
  await validateConfiguration(config, new DebugLogger(false));
  assert.equal(config.appId, 'com.keybridge.desktop');
  assert.equal(config.productName, 'Keybridge');
  assert.equal(config.npmRebuild, false);
  assert.equal(config.publish, null);
  assert.deepEqual(config.electronFuses, {
    runAsNode: false,
    enableCookieEncryption: true,
    enableNodeOptionsEnvironmentVariable: false,
    enableNodeCliInspectArguments: false,
    enableEmbeddedAsarIntegrityValidation: true,
    onlyLoadAppFromAsar: true,
    loadBrowserProcessSpecificV8Snapshot: false,
    grantFileProtocolExtraPrivileges: false,
  });
  // The deb first: it is the one that works on Ubuntu >= 23.10 (AppArmor profile).
  assert.deepEqual(config.linux?.target, ['deb', 'AppImage']);
  assert.equal(JSON.stringify(config).includes('no-sandbox'), false, 'never ship --no-sandbox');
  assert.equal(config.mac?.target, 'dmg');
  assert.equal(config.win?.target, 'nsis');
  const icon = await readFile('build/icon.png');
  assert.equal(icon.readUInt32BE(16), 512, 'icon is 512 px wide');
  assert.equal(icon.readUInt32BE(20), 512, 'icon is 512 px high');
});
