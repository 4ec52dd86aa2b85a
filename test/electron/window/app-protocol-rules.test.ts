/**
 * app:// path resolution (electron/window/app-protocol.ts) as rules (issue 12): only
 * app://keybridge is served, only files under the renderer folder by name and by real path
 * (no ../, encoded traversal, absolute paths, NUL or symlinks out), with the security headers
 * on every answer, found or not, a content type from the extension, and the app:// scheme
 * registered with exactly the privileges it needs (not corsEnabled).
 *
 * The module is imported afresh inside every test (`fresh()`), not at the top: the privileges,
 * headers and types are built when app-protocol.ts loads, and under a per-module mutation run
 * Stryker activates a mutant only after the test file loaded, so a top-level import would always
 * test the unmutated values (scripts/mutation.sh's FRESH_IMPORT_MODULES).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, test, vi } from 'vitest';
import type * as AppProtocolModule from '../../../electron/window/app-protocol';
import { RENDERER_CSP } from '../../../electron/window/csp';

async function fresh(): Promise<typeof AppProtocolModule> {
  vi.resetModules();
  return import('../../../electron/window/app-protocol');
}

/** The content type each served extension must get (and nothing guessed from the bytes). */
const TYPES: Record<string, string> = {
  'page.html': 'text/html; charset=utf-8',
  'a.js': 'text/javascript; charset=utf-8',
  'b.mjs': 'text/javascript; charset=utf-8',
  'c.css': 'text/css; charset=utf-8',
  'd.svg': 'image/svg+xml',
  'e.png': 'image/png',
  'f.ico': 'image/x-icon',
  'g.woff2': 'font/woff2',
  'h.json': 'application/json',
  'assets/blob.bin': 'application/octet-stream',
};

let base: string;
let root: string;
beforeAll(() => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'keybridge-app-'));
  root = path.join(base, 'renderer');
  fs.mkdirSync(path.join(root, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>k</title>');
  fs.writeFileSync(path.join(root, 'assets', 'app.JS'), 'console.log(1)');
  fs.writeFileSync(path.join(root, 'assets', 'blob.bin'), 'raw');
  for (const name of Object.keys(TYPES))
    if (!name.includes('/')) fs.writeFileSync(path.join(root, name), name);
  fs.writeFileSync(path.join(base, 'secret.txt'), 'outside');
  // A sibling whose name starts with the root's: a prefix check without the separator passes it.
  fs.mkdirSync(path.join(base, 'renderer-evil'));
  fs.writeFileSync(path.join(base, 'renderer-evil', 'x.html'), 'evil');
  fs.symlinkSync(path.join(base, 'secret.txt'), path.join(root, 'link.txt'));
  fs.symlinkSync(path.join(base, 'renderer-evil'), path.join(root, 'dir-link'));
});
afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

test('app:// is registered as standard and secure, fetch-capable, and never CORS-readable', async () => {
  const { APP_SCHEME_PRIVILEGES } = await fresh();
  assert.deepEqual(APP_SCHEME_PRIVILEGES, {
    scheme: 'app',
    privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: false },
  });
});

test('names map under the root; the entry and "/" are index.html', async () => {
  const { APP_ENTRY_URL, resolveAppPath } = await fresh();
  assert.equal(APP_ENTRY_URL, 'app://keybridge/index.html');
  assert.equal(resolveAppPath('app://keybridge/', root), path.join(root, 'index.html'));
  assert.equal(resolveAppPath('app://keybridge', root), path.join(root, 'index.html'));
  assert.equal(resolveAppPath(APP_ENTRY_URL, root), path.join(root, 'index.html'));
  assert.equal(
    resolveAppPath('app://keybridge/assets/app.JS?v=1#x', root),
    path.join(root, 'assets', 'app.JS'),
  );
  assert.equal(
    resolveAppPath('app://keybridge//assets//app.JS', root),
    path.join(root, 'assets', 'app.JS'),
  );
  assert.equal(resolveAppPath('app://keybridge/a%20b.html', root), path.join(root, 'a b.html'));
});

test('anything not ours or outside the root resolves to nothing', async () => {
  const { resolveAppPath } = await fresh();
  for (const url of [
    'https://keybridge/index.html',
    'file:///index.html',
    'app://other/index.html',
    'app://keybridge.evil/index.html',
    'app://keybridge/%2E%2E%2Fsecret.txt',
    'app://keybridge/..%2fsecret.txt',
    'app://keybridge/assets/..%2f..%2fsecret.txt',
    'app://keybridge/..%2frenderer-evil/x.html',
    'app://keybridge/index.html%00.png',
    'app://keybridge/%E0%A4%A',
    'not a url',
  ]) {
    assert.equal(resolveAppPath(url, root), null, url);
  }
  // The URL parser already drops "%2e%2e/" segments: they cannot climb out of the root.
  assert.equal(
    resolveAppPath('app://keybridge/%2e%2e/secret.txt', root),
    path.join(root, 'secret.txt'),
  );
  // An encoded absolute path is read as relative to the root, never as the absolute file.
  const absolute = `app://keybridge/${encodeURIComponent(path.join(base, 'secret.txt'))}`;
  assert.equal(resolveAppPath(absolute, root), path.join(root, base, 'secret.txt'));
  // ".." that stays inside is fine.
  assert.equal(
    resolveAppPath('app://keybridge/assets/%2e%2e/index.html', root),
    path.join(root, 'index.html'),
  );
});

test('served files carry exactly the security headers and a type from the extension', async () => {
  const { SECURITY_HEADERS, serveAppRequest } = await fresh();
  assert.deepEqual(SECURITY_HEADERS, {
    'content-security-policy': RENDERER_CSP,
    'x-content-type-options': 'nosniff',
    'cross-origin-opener-policy': 'same-origin',
    'referrer-policy': 'no-referrer',
  });
  const page = await serveAppRequest('app://keybridge/', root);
  assert.equal(page.status, 200);
  assert.equal(await page.text(), '<!doctype html><title>k</title>');
  assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
    assert.equal(page.headers.get(name), value, name);
  }
  assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(page.headers.get('referrer-policy'), 'no-referrer');
  assert.equal(page.headers.get('cross-origin-opener-policy'), 'same-origin');
  assert.equal(page.headers.get('content-security-policy'), RENDERER_CSP);
  const js = await serveAppRequest('app://keybridge/assets/app.JS', root);
  assert.equal(
    js.headers.get('content-type'),
    'text/javascript; charset=utf-8',
    'case-insensitive',
  );
  const bin = await serveAppRequest('app://keybridge/assets/blob.bin', root);
  assert.equal(bin.headers.get('content-type'), 'application/octet-stream');
  for (const [name, type] of Object.entries(TYPES)) {
    const r = await serveAppRequest(`app://keybridge/${name}`, root);
    assert.equal(r.status, 200, name);
    assert.equal(r.headers.get('content-type'), type, name);
  }
});

test('symlinks out of the root, missing files, folders and traversal answer 404 with the headers', async () => {
  const { SECURITY_HEADERS, serveAppRequest } = await fresh();
  for (const url of [
    'app://keybridge/link.txt',
    'app://keybridge/dir-link/x.html',
    'app://keybridge/missing.html',
    'app://keybridge/assets',
    'app://keybridge/%2e%2e/secret.txt',
    'app://elsewhere/index.html',
  ]) {
    const r = await serveAppRequest(url, root);
    assert.equal(r.status, 404, url);
    assert.equal(await r.text(), 'Not found');
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
      assert.equal(r.headers.get(name), value, `${url} ${name}`);
    }
  }
});
