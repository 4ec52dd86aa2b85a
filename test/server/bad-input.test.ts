/**
 * Bad input on every route: malformed JSON, oversized bodies, wrong content types, wrong
 * types, extra fields, bad ids and queries. Each must answer 4xx with {error:{code,message}}
 * — never a 500 — and the server must stay healthy and keep working afterwards.
 */
import { test, afterAll, beforeAll } from 'vitest';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestServer, type TestServer } from '../support/server';
import { call, desktopLogin, PASSWORD, signUp, type CallOptions } from '../support/http';

let srv: TestServer;
let token: string;
let cookie: string;
beforeAll(async () => {
  srv = await startTestServer();
  cookie = await signUp(srv.url, 'bad@example.com');
  token = (await desktopLogin(srv.url, 'bad@example.com')).accessToken;
  // Elevated, so step-up-guarded routes reach their body validation.
  await call(srv.url, '/api/step-up', { token, body: { password: PASSWORD } });
});
afterAll(() => srv.close());

/** auth: true = the desktop's bearer token; 'cookie' = the phone's own web session. */
type Route = {
  method: string;
  path: string;
  auth: boolean | 'cookie';
  valid?: Record<string, unknown>;
};

const ID = 'AAAAAAAAAAAAAAAAAAAAAA';
const routes: Route[] = [
  {
    method: 'POST',
    path: '/api/accounts',
    auth: false,
    valid: { email: 'x@example.com', password: PASSWORD },
  },
  {
    method: 'POST',
    path: '/api/auth/password',
    auth: false,
    valid: { email: 'x@example.com', password: 'p' },
  },
  { method: 'POST', path: '/api/auth/passkey/options', auth: false, valid: {} },
  { method: 'POST', path: '/api/auth/passkey/verify', auth: false, valid: { attemptId: ID } },
  { method: 'POST', path: '/api/auth/passkey/approve', auth: false, valid: { pairingId: ID } },
  { method: 'POST', path: '/api/auth/passkey/redeem', auth: false, valid: { attemptId: ID } },
  {
    method: 'POST',
    path: '/api/auth/refresh',
    auth: false,
    valid: { refreshToken: 'a'.repeat(43) },
  },
  { method: 'POST', path: '/api/auth/logout', auth: true, valid: {} },
  { method: 'POST', path: '/api/step-up', auth: true, valid: { password: 'p' } },
  { method: 'POST', path: '/api/2fa/totp/setup', auth: true, valid: {} },
  { method: 'POST', path: '/api/2fa/totp/confirm', auth: true, valid: { code: '123456' } },
  { method: 'DELETE', path: '/api/2fa/totp', auth: true, valid: {} },
  { method: 'POST', path: '/api/passkeys/options', auth: true, valid: {} },
  { method: 'POST', path: '/api/passkeys/verify', auth: true, valid: { attemptId: ID } },
  { method: 'POST', path: '/api/passkeys/redeem', auth: true, valid: { attemptId: ID } },
  {
    method: 'POST',
    path: '/api/passkeys/pairing/options',
    auth: 'cookie',
    valid: { pairingId: ID },
  },
  {
    method: 'POST',
    path: '/api/passkeys/pairing/approve',
    auth: 'cookie',
    valid: { pairingId: ID },
  },
  { method: 'PATCH', path: `/api/passkeys/${ID}`, auth: true, valid: { name: 'n' } },
  { method: 'DELETE', path: `/api/passkeys/${ID}`, auth: true, valid: {} },
  { method: 'DELETE', path: `/api/sessions/${ID}`, auth: true, valid: {} },
  { method: 'DELETE', path: '/api/sessions', auth: true, valid: {} },
];

/** The route's fields, or a made-up one for routes whose valid body is {}. */
const fieldsOf = (r: Route) =>
  Object.keys(r.valid ?? {}).length ? Object.keys(r.valid ?? {}) : ['x'];

const bodyCases: [string, (r: Route) => CallOptions, number[]][] = [
  ['malformed JSON', () => ({ raw: '{"email": "x@example.com", ' }), [400]],
  ['JSON with a trailing comma', () => ({ raw: '{"a":1,}' }), [400]],
  ['prototype pollution key', () => ({ raw: '{"__proto__":{"admin":true}}' }), [400]],
  ['oversized body', () => ({ raw: JSON.stringify({ password: 'x'.repeat(70 * 1024) }) }), [413]],
  ['text/plain', (r) => ({ raw: JSON.stringify(r.valid ?? {}), contentType: 'text/plain' }), [415]],
  [
    'form encoded',
    () => ({ raw: 'email=a%40b.co&password=x', contentType: 'application/x-www-form-urlencoded' }),
    [415],
  ],
  [
    'multipart',
    () => ({ raw: '--x\r\n\r\n--x--', contentType: 'multipart/form-data; boundary=x' }),
    [415],
  ],
  ['body without content type', () => ({ raw: '{}', contentType: null }), [415]],
  ['array body', () => ({ body: [1, 2, 3] }), [400]],
  ['string body', () => ({ body: 'hello' }), [400]],
  ['number body', () => ({ body: 42 }), [400]],
  ['null body', () => ({ raw: 'null' }), [400]],
  ['extra field', (r) => ({ body: { ...(r.valid ?? {}), admin: true } }), [400]],
  [
    'wrong types',
    (r) => ({
      body: Object.fromEntries(fieldsOf(r).map((k) => [k, { nested: [1] }])),
    }),
    [400],
  ],
  [
    'huge string fields',
    (r) => ({
      body: Object.fromEntries(fieldsOf(r).map((k) => [k, 'z'.repeat(5000)])),
    }),
    [400],
  ],
];

// Routes whose valid body is {} accept an empty object, so "wrong types"/"huge fields" become
// an unknown field ("x") for them — still a 400.
for (const route of routes) {
  test(`bad bodies on ${route.method} ${route.path}`, async () => {
    for (const [label, make, statuses] of bodyCases) {
      const opts = {
        method: route.method,
        token: route.auth === true ? token : undefined,
        cookie: route.auth === 'cookie' ? cookie : undefined,
        ...make(route),
      };
      if (label === 'null body' && Object.keys(route.valid ?? {}).length === 0) continue; // no body is allowed there
      const r = await call<{ error?: { code?: string; message?: string } }>(
        srv.url,
        route.path,
        opts,
      );
      assert.ok(statuses.includes(r.status), `${label}: got ${r.status} ${JSON.stringify(r.body)}`);
      assert.equal(typeof r.body.error?.code, 'string', `${label}: error code`);
      assert.equal(typeof r.body.error?.message, 'string', `${label}: error message`);
    }
  });
}

test('bad ids, queries, URLs and credentials', async () => {
  const cases: [string, CallOptions, number][] = [
    ['/api/passkeys/x', { method: 'PATCH', token, body: { name: 'n' } }, 400],
    [`/api/passkeys/${'a'.repeat(65)}`, { method: 'PATCH', token, body: { name: 'n' } }, 400],
    ['/api/passkeys/..%2F..%2Fetc', { method: 'DELETE', token }, 400],
    ['/api/passkeys/%E0%A4%A', { method: 'DELETE', token }, 400],
    [`/api/passkeys/${'b'.repeat(300)}`, { method: 'DELETE', token }, 400],
    [`/api/passkeys/${ID}?acknowledgeLastPasskey=maybe`, { method: 'DELETE', token }, 400],
    [`/api/passkeys/${ID}?other=1`, { method: 'DELETE', token }, 400],
    [`/api/passkeys/${ID}`, { method: 'DELETE', token }, 404],
    [`/api/passkeys/${ID}`, { method: 'PATCH', token, body: { name: 'bad\u0000name' } }, 400],
    [`/api/passkeys/${ID}`, { method: 'PATCH', token, body: { name: '   ' } }, 400],
    ['/api/sessions/%00', { method: 'DELETE', token }, 400],
    [`/api/sessions/${ID}`, { method: 'DELETE', token }, 404],
    ['/api/me', { token: 'not a token' }, 401],
    ['/api/me', { headers: { authorization: 'Basic abc' } }, 401],
    ['/api/me', { headers: { authorization: `Bearer ${'a'.repeat(43)}` } }, 401],
    ['/api/me', { cookie: 'kb_session=%%%garbage' }, 401],
    ['/api/me', {}, 401],
    ['/api/passkeys', {}, 401],
    ['/api/sessions', {}, 401],
    ['/api/activity', {}, 401],
    ['/api/nope', {}, 404],
    ['/api/auth/password', { method: 'GET' }, 404],
    ['/api/auth/passkey/options', { body: { pairingId: 'short' } }, 400],
    ['/api/auth/passkey/verify', { body: { attemptId: ID, response: { id: 'x' } } }, 400],
    ['/api/auth/refresh', { body: { refreshToken: 'a'.repeat(43) } }, 401],
    ['/api/accounts', { body: { email: 'not-an-email', password: PASSWORD } }, 400],
    ['/api/accounts', { body: { email: 'short@example.com', password: 'short' } }, 400],
  ];
  for (const [path, opts, status] of cases) {
    const r = await call<{ error?: { code?: string } }>(srv.url, path, opts);
    assert.equal(r.status, status, `${opts.method ?? 'GET'} ${path}: ${JSON.stringify(r.body)}`);
    assert.equal(typeof r.body.error?.code, 'string', path);
  }
});

test('bad paths outside /api: 4xx with the error shape, never a 500', async (t) => {
  // A real (tiny) build, so /m/* reaches the path handling rather than the "not built" 503.
  const dist = fs.mkdtempSync(path.join(os.tmpdir(), 'keybridge-bad-paths-'));
  t.onTestFinished(() => fs.rmSync(dist, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>index</title>');
  const web = await startTestServer({ phoneDist: dist });
  t.onTestFinished(() => web.close());
  const cases: [string, number][] = [
    ['/m/%25zz', 404], // decodes once to "%zz": decoding again used to throw (500)
    ['/m/%25E0%25A4%25A', 404],
    ['/m/a%25/b', 404],
    ['/m/%252e%252e/%252e%252e/etc/passwd', 404],
    ['/m/..%2F..%2Fpackage.json', 404],
    ['/m/%00', 404],
    ['/m/%E0%A4%A', 400], // malformed escape: refused before routing
    ['/healthz%zz', 400],
    ['/nope/%25zz', 404],
  ];
  for (const [p, status] of cases) {
    const r = await call<{ error?: { code?: string; message?: string } }>(web.url, p);
    assert.equal(r.status, status, `GET ${p}: ${JSON.stringify(r.body)}`);
    assert.equal(typeof r.body.error?.code, 'string', `${p}: error code`);
    assert.equal(typeof r.body.error?.message, 'string', `${p}: error message`);
  }
  // Ordinary app routes still get the app.
  assert.equal((await call(web.url, '/m/security')).status, 200);
  assert.doesNotMatch(web.logs(), /"statusCode":5\d\d/, 'no 5xx was answered');
});

test('structurally valid but meaningless WebAuthn responses are 4xx', async () => {
  const garbage = {
    id: 'AAAA',
    rawId: 'AAAA',
    type: 'public-key',
    response: {
      clientDataJSON: 'AAAA',
      authenticatorData: 'AAAA',
      signature: 'AAAA',
      userHandle: 'AAAA',
    },
    clientExtensionResults: {},
  };
  const o = await call<{ attemptId: string }>(srv.url, '/api/auth/passkey/options', { body: {} });
  const login = await call<{ error: { code: string } }>(srv.url, '/api/auth/passkey/verify', {
    body: { attemptId: o.body.attemptId, response: garbage },
  });
  assert.equal(login.status, 400);
  assert.equal(login.body.error.code, 'passkey_unknown');

  const ro = await call<{ attemptId: string }>(srv.url, '/api/passkeys/options', {
    token,
    body: {},
  });
  assert.equal(ro.status, 200);
  const reg = await call<{ error: { code: string } }>(srv.url, '/api/passkeys/verify', {
    token,
    body: {
      attemptId: ro.body.attemptId,
      response: {
        id: 'AAAA',
        rawId: 'AAAA',
        type: 'public-key',
        response: { clientDataJSON: 'AAAA', attestationObject: 'AAAA' },
        clientExtensionResults: {},
      },
    },
  });
  assert.equal(reg.status, 400);
  assert.equal(reg.body.error.code, 'passkey_verification_failed');
});

test('an empty body with a JSON content type is no body, not an error', async () => {
  const r = await call(srv.url, '/api/sessions', {
    method: 'DELETE',
    token,
    raw: '',
    contentType: 'application/json',
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const p = await call(srv.url, '/api/auth/passkey/options', {
    raw: '',
    contentType: 'application/json; charset=utf-8',
  });
  assert.equal(p.status, 200, JSON.stringify(p.body));
});

test('after all of that the server is healthy and still signs people in', async () => {
  assert.equal((await call(srv.url, '/healthz')).status, 200);
  assert.equal((await call(srv.url, '/readyz')).status, 200);
  assert.equal((await call(srv.url, '/api/me', { token })).status, 200);
  const t = await desktopLogin(srv.url, 'bad@example.com');
  assert.ok(t.accessToken);
  assert.doesNotMatch(srv.logs(), /"statusCode":5\d\d/, 'no 5xx was ever answered');
});
