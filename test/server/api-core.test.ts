/**
 * The core API over real HTTP against a real SQLite file: sign up, password login (web cookie
 * and desktop bearer), /api/me, step-up, sessions, logout, refresh rotation and reuse.
 */
import { test, afterAll, beforeAll } from 'vitest';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/server';
import { ManualClock } from '../../server/util/clock';
import {
  call,
  desktopLogin,
  PASSWORD,
  sessionCookie,
  signUp,
  type DesktopTokens,
} from '../support/http';
import { REFRESH_REUSE_GRACE_MS } from '../../server/sessions/session-store';

let srv: TestServer;
const clock = new ManualClock();
beforeAll(async () => {
  srv = await startTestServer({ clock });
});
afterAll(() => srv.close());

test('sign up sets a strict HttpOnly cookie and the session works', async () => {
  const r = await call(srv.url, '/api/accounts', {
    body: { email: 'Cookie@Example.com', password: PASSWORD },
  });
  assert.equal(r.status, 201);
  const setCookie = r.headers.get('set-cookie') ?? '';
  assert.match(setCookie, /kb_session=/);
  assert.match(setCookie, /HttpOnly/);
  assert.match(setCookie, /SameSite=Strict/);
  assert.doesNotMatch(setCookie, /Secure/, 'plain http: no Secure flag (it would drop the cookie)');
  const cookie = /kb_session=[^;]+/.exec(setCookie)![0];
  const me = await call<{ user: { email: string }; elevatedUntil: string | null }>(
    srv.url,
    '/api/me',
    { cookie },
  );
  assert.equal(me.status, 200);
  assert.equal(me.body.user.email, 'cookie@example.com');
  assert.ok(me.body.elevatedUntil, 'a fresh sign-up session starts elevated');

  const again = await call(srv.url, '/api/accounts', {
    body: { email: 'cookie@example.com', password: PASSWORD },
  });
  assert.equal(again.status, 409);
  assert.equal((again.body as { error: { code: string } }).error.code, 'email_taken');
});

test('a web session is labelled from its browser, or "Web browser" when unknown', async () => {
  const label = async (email: string, userAgent: string) => {
    const r = await call(srv.url, '/api/accounts', {
      body: { email, password: PASSWORD },
      headers: { 'user-agent': userAgent },
    });
    assert.equal(r.status, 201);
    const sessions = await call<{ sessions: { device: string; current: boolean }[] }>(
      srv.url,
      '/api/sessions',
      { cookie: sessionCookie(r) },
    );
    return sessions.body.sessions.find((s) => s.current)?.device;
  };
  assert.equal(await label('ua-unknown@example.com', 'curl/8.0'), 'Web browser');
  assert.equal(
    await label(
      'ua-chrome@example.com',
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
    ),
    'Chrome on Linux',
  );
  assert.equal(
    await label('ua-os@example.com', 'SomeApp/1.0 (Windows NT 10.0)'),
    'Web browser on Windows',
  );
});

test('desktop login returns tokens and no cookie; wrong password is 401', async () => {
  await signUp(srv.url, 'desk@example.com');
  const r = await call<DesktopTokens & { expiresIn: number }>(srv.url, '/api/auth/password', {
    body: {
      email: 'desk@example.com',
      password: PASSWORD,
      client: 'desktop',
      device: { name: 'Test Mac', platform: 'darwin' },
    },
  });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('set-cookie'), null);
  assert.equal(r.body.expiresIn, 900);
  assert.match(r.body.accessToken, /^[A-Za-z0-9_-]{43}$/);
  assert.match(r.body.refreshToken, /^[A-Za-z0-9_-]{43}$/);
  const me = await call<{ session: { method: string }; elevatedUntil: null }>(srv.url, '/api/me', {
    token: r.body.accessToken,
  });
  assert.equal(me.status, 200);
  assert.equal(me.body.session.method, 'password');
  assert.equal(me.body.elevatedUntil, null);
  const sessions = await call<{ sessions: { device: string; current: boolean }[] }>(
    srv.url,
    '/api/sessions',
    { token: r.body.accessToken },
  );
  assert.ok(sessions.body.sessions.some((s) => s.current && s.device === 'Test Mac (darwin)'));

  const bad = await call(srv.url, '/api/auth/password', {
    body: { email: 'desk@example.com', password: 'wrong password!' },
  });
  assert.equal(bad.status, 401);
  const unknown = await call(srv.url, '/api/auth/password', {
    body: { email: 'nobody@example.com', password: 'wrong password!' },
  });
  assert.equal(unknown.status, 401);
  assert.deepEqual(bad.body, unknown.body, 'same answer whether or not the account exists');
});

test('step-up elevates for five minutes and then lapses', async () => {
  await signUp(srv.url, 'stepup@example.com');
  const t = await desktopLogin(srv.url, 'stepup@example.com');
  const refused = await call(srv.url, '/api/passkeys/options', { token: t.accessToken, body: {} });
  assert.equal(refused.status, 403);
  assert.equal((refused.body as { error: { code: string } }).error.code, 'step_up_required');
  const wrong = await call(srv.url, '/api/step-up', {
    token: t.accessToken,
    body: { password: 'not the password' },
  });
  assert.equal(wrong.status, 403);
  const ok = await call<{ elevatedUntil: string }>(srv.url, '/api/step-up', {
    token: t.accessToken,
    body: { password: PASSWORD },
  });
  assert.equal(ok.status, 200);
  assert.equal(Date.parse(ok.body.elevatedUntil) - clock.now() <= 5 * 60 * 1000, true);
  const allowed = await call(srv.url, '/api/passkeys/options', { token: t.accessToken, body: {} });
  assert.equal(allowed.status, 200);
  clock.advance(5 * 60 * 1000 + 1000);
  const lapsed = await call(srv.url, '/api/passkeys/options', { token: t.accessToken, body: {} });
  assert.equal(lapsed.status, 403, 'after five minutes the step-up has lapsed');
  // The access token itself lives 15 minutes; this test moved time by ~5.
});

test('refresh rotates; a reused refresh token revokes the whole family', async () => {
  await signUp(srv.url, 'refresh@example.com');
  const t = await desktopLogin(srv.url, 'refresh@example.com');
  const r1 = await call<DesktopTokens>(srv.url, '/api/auth/refresh', {
    body: { refreshToken: t.refreshToken },
  });
  assert.equal(r1.status, 200);
  assert.notEqual(r1.body.refreshToken, t.refreshToken);
  assert.equal(r1.body.sessionId, t.sessionId);
  assert.equal(
    (await call(srv.url, '/api/me', { token: t.accessToken })).status,
    401,
    'old access token replaced',
  );
  assert.equal((await call(srv.url, '/api/me', { token: r1.body.accessToken })).status, 200);

  // Past the retry grace (test/server/refresh-grace.test.ts covers presenting it within).
  clock.advance(REFRESH_REUSE_GRACE_MS + 1);
  const reuse = await call(srv.url, '/api/auth/refresh', {
    body: { refreshToken: t.refreshToken },
  });
  assert.equal(reuse.status, 401);
  assert.equal((reuse.body as { error: { code: string } }).error.code, 'token_reused');
  assert.equal(
    (await call(srv.url, '/api/me', { token: r1.body.accessToken })).status,
    401,
    'family revoked',
  );
  const newer = await call(srv.url, '/api/auth/refresh', {
    body: { refreshToken: r1.body.refreshToken },
  });
  assert.equal(newer.status, 401, 'the newer refresh token died with its family');

  const other = await desktopLogin(srv.url, 'refresh@example.com');
  const activity = await call<{ events: { type: string; details: Record<string, unknown> }[] }>(
    srv.url,
    '/api/activity',
    { token: other.accessToken },
  );
  assert.ok(
    activity.body.events.some(
      (e) => e.type === 'refresh_token.reused' && e.details.sessionId === t.sessionId,
    ),
  );
});

test('access tokens expire after 15 minutes; the refresh token still works', async () => {
  await signUp(srv.url, 'expiry@example.com');
  const t = await desktopLogin(srv.url, 'expiry@example.com');
  clock.advance(15 * 60 * 1000 + 1000);
  assert.equal((await call(srv.url, '/api/me', { token: t.accessToken })).status, 401);
  const r = await call<DesktopTokens>(srv.url, '/api/auth/refresh', {
    body: { refreshToken: t.refreshToken },
  });
  assert.equal(r.status, 200);
  assert.equal((await call(srv.url, '/api/me', { token: r.body.accessToken })).status, 200);
});

test('sessions: revoke one, revoke all others, logout', async () => {
  const web = await signUp(srv.url, 'sessions@example.com');
  const a = await desktopLogin(srv.url, 'sessions@example.com');
  const b = await desktopLogin(srv.url, 'sessions@example.com');
  const list = await call<{ sessions: { id: string }[] }>(srv.url, '/api/sessions', {
    cookie: web,
  });
  assert.equal(list.body.sessions.length, 3);

  const del = await call(srv.url, `/api/sessions/${a.sessionId}`, {
    method: 'DELETE',
    cookie: web,
  });
  assert.equal(del.status, 200);
  assert.equal((await call(srv.url, '/api/me', { token: a.accessToken })).status, 401);
  assert.equal(
    (await call(srv.url, '/api/auth/refresh', { body: { refreshToken: a.refreshToken } })).status,
    401,
  );
  assert.equal(
    (await call(srv.url, `/api/sessions/${a.sessionId}`, { method: 'DELETE', cookie: web })).status,
    404,
  );

  const others = await call<{ revoked: number }>(srv.url, '/api/sessions', {
    method: 'DELETE',
    token: b.accessToken,
  });
  assert.equal(others.body.revoked, 1);
  assert.equal((await call(srv.url, '/api/me', { cookie: web })).status, 401);
  assert.equal((await call(srv.url, '/api/me', { token: b.accessToken })).status, 200);

  const out = await call(srv.url, '/api/auth/logout', { method: 'POST', token: b.accessToken });
  assert.equal(out.status, 200);
  assert.equal((await call(srv.url, '/api/me', { token: b.accessToken })).status, 401);

  const c = await desktopLogin(srv.url, 'sessions@example.com');
  const events = await call<{ events: { type: string }[] }>(srv.url, '/api/activity', {
    token: c.accessToken,
  });
  const types = events.body.events.map((e) => e.type);
  for (const t of ['account.created', 'signin.succeeded', 'session.revoked', 'session.signed_out'])
    assert.ok(types.includes(t), t);
});

test('health, readiness and public config', async () => {
  assert.equal((await call(srv.url, '/healthz')).status, 200);
  const ready = await call<{ ok: boolean }>(srv.url, '/readyz');
  assert.equal(ready.status, 200);
  assert.equal(ready.body.ok, true);
  const cfg = await call<{ rpId: string; phoneOrigin: string }>(srv.url, '/api/config');
  assert.deepEqual(cfg.body, {
    rpId: 'exchange.localhost',
    phoneOrigin: srv.phoneOrigin,
    tunnelProtocol: 1,
  });
  assert.equal(srv.phoneOrigin, `http://exchange.localhost:${srv.port}`);
});

test('behind a trusted TLS proxy the cookie is Secure and the client IP comes from the proxy', async (t) => {
  // Secure follows the https phone origin (config), not X-Forwarded-Proto.
  const proxied = await startTestServer({
    trustProxy: 'loopback',
    config: { rpOrigins: ['https://exchange.localhost'] },
  });
  t.onTestFinished(() => proxied.close());
  const r = await call(proxied.url, '/api/accounts', {
    body: { email: 'tls@example.com', password: PASSWORD },
    headers: { 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.7' },
  });
  assert.equal(r.status, 201);
  assert.match(r.headers.get('set-cookie') ?? '', /; Secure/);
  const cookie = /kb_session=[^;]+/.exec(r.headers.get('set-cookie') ?? '')![0];
  const sessions = await call<{ sessions: { ip: string }[] }>(proxied.url, '/api/sessions', {
    cookie,
  });
  assert.equal(sessions.body.sessions[0]?.ip, '203.0.113.7');

  // Without TRUST_PROXY the same headers are ignored: a client cannot choose its IP.
  const direct = await call(srv.url, '/api/accounts', {
    body: { email: 'spoof@example.com', password: PASSWORD },
    headers: { 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.7' },
  });
  assert.doesNotMatch(direct.headers.get('set-cookie') ?? '', /Secure/);
  const dc = /kb_session=[^;]+/.exec(direct.headers.get('set-cookie') ?? '')![0];
  const ds = await call<{ sessions: { ip: string }[] }>(srv.url, '/api/sessions', { cookie: dc });
  assert.equal(ds.body.sessions[0]?.ip, '127.0.0.1');
});
