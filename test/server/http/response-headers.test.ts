/**
 * The headers server/app.ts puts on answers: every answer (API, error, phone app) says
 * nosniff, no-referrer and DENY framing; API answers, errors included, are never cached; a
 * body that is not JSON is refused with 415 before any route runs.
 */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, test } from 'vitest';
import { startTestServer, type TestServer } from '../../support/server';
import { call } from '../../support/http';

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(() => srv.close());

const safety = (h: Headers) => {
  assert.equal(h.get('x-content-type-options'), 'nosniff');
  assert.equal(h.get('referrer-policy'), 'no-referrer');
  assert.equal(h.get('x-frame-options'), 'DENY');
};

test('an API answer: not cached, not sniffed, not framed', async () => {
  const r = await call(srv.url, '/api/config');
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('cache-control'), 'no-store');
  safety(r.headers);
});

test('API errors carry the same headers', async () => {
  const unauth = await call(srv.url, '/api/me');
  assert.equal(unauth.status, 401);
  assert.equal(unauth.headers.get('cache-control'), 'no-store');
  safety(unauth.headers);
  const bad = await call(srv.url, '/api/auth/passkey/options', { raw: '{', contentType: null });
  assert.equal(bad.status, 415);
  assert.equal((bad.body as { error: { code: string } }).error.code, 'unsupported_media_type');
  safety(bad.headers);
  const typed = await call(srv.url, '/api/auth/passkey/options', {
    raw: '{}',
    contentType: 'text/plain',
  });
  assert.equal(typed.status, 415);
});

test('outside /api/ nothing says no-store, the safety headers still apply', async () => {
  const r = await fetch(`${srv.url}/healthz`);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('cache-control'), null);
  safety(r.headers);
});
