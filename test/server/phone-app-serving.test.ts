/**
 * /m/ serves the built phone app: files by path, /m/pair -> pair.html, other routes ->
 * index.html, no escapes from the build directory, and a clear 503 when there is no build.
 */
import { test } from 'vitest';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestServer } from '../support/server';

test('serves the phone build under /m/', async (t) => {
  const dist = fs.mkdtempSync(path.join(os.tmpdir(), 'keybridge-phone-dist-'));
  fs.mkdirSync(path.join(dist, 'assets'));
  fs.writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>index</title>');
  fs.writeFileSync(path.join(dist, 'pair.html'), '<!doctype html><title>pair</title>');
  fs.writeFileSync(path.join(dist, 'assets', 'app-123.js'), 'console.log(1)');
  const srv = await startTestServer({ phoneDist: dist });
  t.onTestFinished(async () => {
    await srv.close();
    fs.rmSync(dist, { recursive: true, force: true });
  });
  const get = async (p: string) => {
    const res = await fetch(srv.url + p, { redirect: 'manual' });
    return {
      status: res.status,
      type: res.headers.get('content-type') ?? '',
      text: await res.text(),
      res,
    };
  };
  assert.match((await get('/m/')).text, /<title>index/);
  assert.match((await get('/m/security')).text, /<title>index/);
  assert.match((await get('/m/pair')).text, /<title>pair/);
  const js = await get('/m/assets/app-123.js');
  assert.equal(js.status, 200);
  assert.match(js.type, /javascript/);
  assert.equal((await get('/m/assets/missing-1.js')).status, 404);
  const escape = await get('/m/..%2F..%2F..%2Fetc%2Fpasswd');
  assert.doesNotMatch(escape.text, /root:/);
  const redirect = await get('/m');
  assert.equal(redirect.status, 302);
  assert.equal(redirect.res.headers.get('location'), '/m/');
  const page = (await get('/m/pair')).res.headers;
  assert.equal(page.get('x-frame-options'), 'DENY');
  assert.equal(page.get('referrer-policy'), 'no-referrer');
  const csp = page.get('content-security-policy') ?? '';
  assert.match(csp, /frame-ancestors 'none'/);
  assert.match(csp, /script-src 'self'(;|$)/);
});

test('without a build /m/ says how to build it', async (t) => {
  const srv = await startTestServer({
    phoneDist: path.join(os.tmpdir(), 'keybridge-no-such-build'),
  });
  t.onTestFinished(() => srv.close());
  const res = await fetch(`${srv.url}/m/`);
  assert.equal(res.status, 503);
  assert.match(await res.text(), /npm run build/);
  assert.equal((await fetch(`${srv.url}/healthz`)).status, 200);
});
