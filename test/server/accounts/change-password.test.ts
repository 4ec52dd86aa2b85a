/**
 * POST /api/account/password over real HTTP against a real server (SQLite file, argon2): the
 * change needs a fresh step-up and the current password, holds the new one to the sign-up
 * rule, signs out every other session of the account (this one stays), and is recorded in the
 * activity log. Every password the file sends is then looked for in the server's trace logs.
 */
import { test, afterAll, beforeAll } from 'vitest';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../../support/server';
import { ManualClock } from '../../../server/util/clock';
import { STEP_UP_WINDOW_MS } from '../../../server/http/request-helpers';
import { call, desktopLogin, PASSWORD, signUp } from '../../support/http';
import type { ActivityListResponse, ChangePasswordResponse } from '../../../server/protocol/api';

type Err = { error: { code: string; message: string } };

let srv: TestServer;
const clock = new ManualClock();
const sent = new Set<string>([PASSWORD]);
beforeAll(async () => {
  srv = await startTestServer({ clock, logLevel: 'trace' });
});
afterAll(() => srv.close());

function changePassword(token: string, currentPassword: string, newPassword: string) {
  sent.add(currentPassword);
  sent.add(newPassword);
  return call<ChangePasswordResponse & Err>(srv.url, '/api/account/password', {
    token,
    body: { currentPassword, newPassword },
  });
}

async function stepUp(token: string, password = PASSWORD) {
  const r = await call(srv.url, '/api/step-up', { token, body: { password } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
}

async function passwordSignIn(email: string, password: string) {
  sent.add(password);
  return call<Err>(srv.url, '/api/auth/password', {
    body: { email, password, client: 'desktop' },
  });
}

test('the change, with step-up and the current password: others signed out, this one kept, recorded', async () => {
  const email = 'change@example.com';
  const webCookie = await signUp(srv.url, email);
  const here = await desktopLogin(srv.url, email);
  const other = await desktopLogin(srv.url, email);
  await stepUp(here.accessToken);
  const newPassword = 'a brand new passphrase 42';

  const r = await changePassword(here.accessToken, PASSWORD, newPassword);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body, { signedOutSessions: 2 });

  // This session goes on; the web one and the other desktop (access and refresh) are over.
  assert.equal((await call(srv.url, '/api/me', { token: here.accessToken })).status, 200);
  assert.equal((await call(srv.url, '/api/me', { cookie: webCookie })).status, 401);
  assert.equal((await call(srv.url, '/api/me', { token: other.accessToken })).status, 401);
  const refresh = await call<Err>(srv.url, '/api/auth/refresh', {
    body: { refreshToken: other.refreshToken },
  });
  assert.equal(refresh.body.error.code, 'token_invalid');
  const sessions = await call<{ sessions: { id: string }[] }>(srv.url, '/api/sessions', {
    token: here.accessToken,
  });
  assert.deepEqual(
    sessions.body.sessions.map((s) => s.id),
    [here.sessionId],
  );

  // The old password no longer signs in; the new one does.
  const old = await passwordSignIn(email, PASSWORD);
  assert.equal(old.body.error.code, 'invalid_credentials');
  assert.equal((await passwordSignIn(email, newPassword)).status, 200);

  const activity = await call<ActivityListResponse>(srv.url, '/api/activity', {
    token: here.accessToken,
  });
  const changed = activity.body.events.filter((e) => e.type === 'password.changed');
  assert.equal(changed.length, 1);
  assert.deepEqual(changed[0]!.details, {
    sessionId: here.sessionId,
    signedOutSessions: 2,
    verifiedWith: 'current-password',
  });
});

test('without a fresh step-up: 403 step_up_required, and the password stays', async () => {
  const email = 'nostepup@example.com';
  await signUp(srv.url, email);
  const s = await desktopLogin(srv.url, email);
  const never = await changePassword(s.accessToken, PASSWORD, 'never stepped up 12345');
  assert.equal(never.status, 403);
  assert.equal(never.body.error.code, 'step_up_required');

  await stepUp(s.accessToken);
  clock.advance(STEP_UP_WINDOW_MS + 1);
  const stale = await changePassword(s.accessToken, PASSWORD, 'stepped up too long ago');
  assert.equal(stale.status, 403);
  assert.equal(stale.body.error.code, 'step_up_required');

  assert.equal((await passwordSignIn(email, PASSWORD)).status, 200);
});

test('a wrong current password (403) and a weak new one (400) change nothing, end no session', async () => {
  const email = 'refused@example.com';
  await signUp(srv.url, email);
  const here = await desktopLogin(srv.url, email);
  const other = await desktopLogin(srv.url, email);
  await stepUp(here.accessToken);

  const wrong = await changePassword(
    here.accessToken,
    'not the password at all',
    'good new one 123',
  );
  assert.equal(wrong.status, 403);
  assert.equal(wrong.body.error.code, 'invalid_credentials');
  const weak = await changePassword(here.accessToken, PASSWORD, 'short');
  assert.equal(weak.status, 400);
  assert.equal(weak.body.error.code, 'weak_password');
  assert.match(weak.body.error.message, /at least 10 characters/);
  const missing = await call<Err>(srv.url, '/api/account/password', {
    token: here.accessToken,
    body: { newPassword: 'no current one given' },
  });
  // Only a passkey step-up lets the current password be left out (test/server/step-up/).
  assert.equal(missing.status, 403);
  assert.equal(missing.body.error.code, 'current_password_required');
  const signedOut = await call<Err>(srv.url, '/api/account/password', {
    body: { currentPassword: PASSWORD, newPassword: 'no session at all 123' },
  });
  assert.equal(signedOut.status, 401);

  assert.equal((await call(srv.url, '/api/me', { token: other.accessToken })).status, 200);
  assert.equal((await passwordSignIn(email, PASSWORD)).status, 200);
  assert.equal((await passwordSignIn(email, 'good new one 123')).status, 401);
  const activity = await call<ActivityListResponse>(srv.url, '/api/activity', {
    token: here.accessToken,
  });
  assert.ok(!activity.body.events.some((e) => e.type === 'password.changed'));
});

test('no password sent in this file reaches the logs', () => {
  const logs = srv.logs();
  assert.ok(logs.includes('/api/account/password'), 'the change requests were logged');
  for (const password of sent) assert.ok(!logs.includes(password), `"${password}" was logged`);
});
