/**
 * The renderer's boundary, checked in its source and its bundle: it reaches the outside only
 * through window.keybridge. No network APIs, no web storage, and from the main process and the
 * server it imports types only (so no main-process code, and no zod schema with secrets
 * handling, is bundled into the least trusted part of the app).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'vitest';
import { REPO_ROOT, RENDERER_DIST, ensureRendererBuilt } from '../support/renderer-static';

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : /\.(ts|tsx)$/.test(e.name) ? [p] : [];
  });
}

const forbidden = [
  /\bfetch\s*\(/,
  /\bXMLHttpRequest\b/,
  /\bWebSocket\b/,
  /\bEventSource\b/,
  /\blocalStorage\b/,
  /\bsessionStorage\b/,
  /\bindexedDB\b/,
  /\bdocument\.cookie\b/,
  /\bipcRenderer\b/,
  /\brequire\s*\(/,
];

test('renderer sources use no network, storage or Electron API', () => {
  const files = sources(path.join(REPO_ROOT, 'renderer', 'src'));
  assert.ok(files.length > 10, 'found the renderer sources');
  const hits: string[] = [];
  for (const f of files) {
    const text = fs.readFileSync(f, 'utf8');
    for (const re of forbidden) if (re.test(text)) hits.push(`${path.basename(f)}: ${re}`);
    // Anything from electron/ or server/ must be a type-only import.
    for (const m of text.matchAll(/^import\s+(type\s+)?[^;]*?from\s+'([^']+)'/gms)) {
      if (/\/(electron|server)\//.test(m[2]!) && !m[1])
        hits.push(`${path.basename(f)}: value import of ${m[2]}`);
    }
  }
  assert.deepEqual(hits, []);
});

test('the bundle carries no network client and no main-process code', async () => {
  await ensureRendererBuilt();
  const assets = path.join(RENDERER_DIST, 'assets');
  const js = fs
    .readdirSync(assets)
    .filter((f) => f.endsWith('.js'))
    .map((f) => fs.readFileSync(path.join(assets, f), 'utf8'))
    .join('\n');
  assert.ok(js.length > 1000, 'found the bundle');
  for (const needle of ['socket.io', 'keytar', 'XMLHttpRequest', 'ZodError', 'createApiClient']) {
    assert.equal(js.includes(needle), false, `${needle} is in the renderer bundle`);
  }
  const html = fs.readFileSync(path.join(RENDERER_DIST, 'index.html'), 'utf8');
  assert.match(html, /connect-src 'none'/, 'the page ships its CSP');
  assert.doesNotMatch(html, /<script>(?!<)/, 'no inline script');
  // Only the exact bundle may run: script-src and the tag's integrity are its sha384.
  const src = /<script[^>]*integrity="(sha384-[^"]+)"[^>]*src="\.\/(assets\/[^"]+\.js)"/.exec(html);
  assert.ok(src, 'the script tag carries an integrity hash');
  const actual = `sha384-${createHash('sha384')
    .update(fs.readFileSync(path.join(RENDERER_DIST, src[2]!)))
    .digest('base64')}`;
  assert.equal(src[1], actual, 'integrity matches the bundle');
  assert.match(
    html,
    new RegExp(`script-src '${actual.replace(/[+/]/g, '\\$&')}'`),
    'CSP pins the same hash',
  );
});
