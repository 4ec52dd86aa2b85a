/**
 * Password (+ TOTP) step-up rules (server/step-up/routes.ts) over real HTTP against a real
 * server (SQLite, argon2), time frozen so the edges are exact (issue 12): an elevation lasts
 * exactly five minutes and only for the session that asked; every refusal elevates nothing and
 * says what to do; a wrong password or a wrong code counts against the step-up limit the
 * passkey step-up shares, and a success clears the account's count.
 */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, test } from 'vitest';
import type {
  ActivityListResponse,
  AuthenticationOptionsJSON,
  MeResponse,
  RegistrationOptionsJSON,
  StepUpResponse,
} from '../../../server/protocol/api';
import { STEP_UP_WINDOW_MS } from '../../../server/http/request-helpers';
import { totpCodeAt } from '../../../server/totp/totp';
import { FrozenClock } from '../../support/frozen-clock';
import { startTestServer, type TestServer } from '../../support/server';
import { SoftAuthenticator } from '../../support/soft-authenticator';
import { call, desktopLogin, PASSWORD, signUp, assertRefused } from '../../support/http';

type Auth = { token?: string; cookie?: string };

/** The account-wide ceiling binds first: the per-subnet delay is set out of the way. */
const CEILING = 4;
// Shorter than the 15-minute access token, so a session outlives a wait.
const WINDOW_S = 10 * 60;

let srv: TestServer;
const clock = new FrozenClock();
beforeAll(async () => {
  srv = await startTestServer({
    clock,
    rateLimits: {
      perAccount: { max: CEILING, windowSeconds: WINDOW_S },
      perAccountAndSubnet: {
        freeFailures: 1000,
        firstDelaySeconds: 1,
        maxDelaySeconds: 1,
        windowSeconds: 60,
      },
      perIp: { max: 10_000, windowSeconds: 60 },
    },
  });
});
afterAll(() => srv.close());

const refused = assertRefused;

let n = 0;
/** An account and a desktop session of it (not elevated). */
async function account() {
  const email = `password-step-up-${++n}@example.com`;
  const cookie = await signUp(srv.url, email);
  const desktop = await desktopLogin(srv.url, email);
  return { email, cookie, desktop, token: desktop.accessToken };
}

const stepUp = (who: Auth, body: Record<string, string>) =>
  call<StepUpResponse>(srv.url, '/api/step-up', { ...who, body });
const me = async (who: Auth) => (await call<MeResponse>(srv.url, '/api/me', who)).body;
const events = async (who: Auth, type: string) =>
  (await call<ActivityListResponse>(srv.url, '/api/activity', who)).body.events.filter(
    (e) => e.type === type,
  );
/** A guarded action: asking to add a passkey needs an elevated session. */
const guarded = (who: Auth) => call(srv.url, '/api/passkeys/options', { ...who, body: {} });
const wrongPassword = (i: number) => `not the password ${i}`;

/** Registers a passkey with an elevated session (a sign-up's) and returns its authenticator. */
async function addPasskey(server: TestServer, cookie: string) {
  const auth = new SoftAuthenticator(server.phoneOrigin);
  const o = await call<{ attemptId: string; options: RegistrationOptionsJSON }>(
    server.url,
    '/api/passkeys/options',
    { cookie, body: {} },
  );
  const v = await call(server.url, '/api/passkeys/verify', {
    cookie,
    body: { attemptId: o.body.attemptId, response: auth.register(o.body.options) },
  });
  assert.equal(v.status, 201, JSON.stringify(v.body));
  return auth;
}

test('a password step-up elevates this session for exactly five minutes, then the guarded action is refused again; other sessions stay as they were', async () => {
  const { email, token, desktop } = await account();
  const other = await desktopLogin(srv.url, email);
  refused(await guarded({ token }), 403, 'step_up_required');

  const at = clock.now();
  const r = await stepUp({ token }, { password: PASSWORD });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body, {
    elevatedUntil: new Date(at + STEP_UP_WINDOW_MS).toISOString(),
    method: 'password',
  });
  const now = await me({ token });
  assert.equal(now.elevatedUntil, r.body.elevatedUntil);
  assert.equal(now.elevatedBy, 'password');
  const ok = await events({ token }, 'stepup.succeeded');
  assert.equal(ok.length, 1);
  assert.deepEqual(ok[0]?.details, { sessionId: desktop.sessionId, method: 'password' });

  // Only the session that confirmed is elevated.
  assert.equal((await me({ token: other.accessToken })).elevatedUntil, null);
  refused(await guarded({ token: other.accessToken }), 403, 'step_up_required');

  clock.advance(STEP_UP_WINDOW_MS - 1);
  assert.equal((await guarded({ token })).status, 200, 'the last millisecond still counts');
  clock.advance(1);
  refused(await guarded({ token }), 403, 'step_up_required');
  assert.equal((await me({ token })).elevatedUntil, null);
});

test('a wrong password elevates nothing, is recorded for this session and counted: the limit then stops the password and the passkey step-up alike', async () => {
  const { token, desktop } = await account();
  for (let i = 0; i < CEILING; i++)
    refused(
      await stepUp({ token }, { password: wrongPassword(i) }),
      403,
      'invalid_credentials',
      /password/,
    );
  assert.equal((await me({ token })).elevatedUntil, null);
  refused(await guarded({ token }), 403, 'step_up_required');
  const failed = await events({ token }, 'stepup.failed');
  assert.equal(failed.length, CEILING);
  assert.deepEqual(failed[0]?.details, {
    reason: 'invalid_credentials',
    sessionId: desktop.sessionId,
  });
  assert.equal((await events({ token }, 'stepup.succeeded')).length, 0);

  // Now even the right password waits, and so does the passkey step-up (one count for both).
  const limited = await stepUp({ token }, { password: PASSWORD });
  refused(limited, 429, 'rate_limited');
  assert.ok(Number(limited.headers.get('retry-after')) > 0);
  refused(
    await call(srv.url, '/api/step-up/passkey/options', { token, body: {} }),
    429,
    'rate_limited',
  );
  assert.equal((await me({ token })).elevatedUntil, null);

  clock.advance(WINDOW_S * 1000);
  assert.equal((await stepUp({ token }, { password: PASSWORD })).status, 200);
});

test("a success clears the account's count: failures before it no longer add up to the limit", async () => {
  const { token } = await account();
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < CEILING - 1; i++)
      refused(await stepUp({ token }, { password: wrongPassword(i) }), 403, 'invalid_credentials');
    const r = await stepUp({ token }, { password: PASSWORD });
    assert.equal(r.status, 200, `round ${round}: ${JSON.stringify(r.body)}`);
  }
});

test('with an authenticator app: the password alone asks for the code, a wrong code is refused, recorded and counted, the right one elevates', async () => {
  const { cookie, token, desktop } = await account();
  const setup = await call<{ secret: string }>(srv.url, '/api/2fa/totp/setup', {
    cookie,
    method: 'POST',
  });
  assert.equal(setup.status, 200, JSON.stringify(setup.body));
  const { secret } = setup.body;
  const confirm = await call(srv.url, '/api/2fa/totp/confirm', {
    cookie,
    body: { code: totpCodeAt(secret, clock.now()) },
  });
  assert.equal(confirm.status, 200, JSON.stringify(confirm.body));
  clock.advance(30_000);
  const code = totpCodeAt(secret, clock.now());
  const wrongCode = code === '000000' ? '111111' : '000000';

  refused(await stepUp({ token }, { password: PASSWORD }), 403, 'totp_required', /6-digit code/);
  // The password is checked first: a wrong one with a right code is still a wrong password.
  refused(
    await stepUp({ token }, { password: wrongPassword(0), totp: code }),
    403,
    'invalid_credentials',
  );
  for (let i = 1; i < CEILING; i++)
    refused(
      await stepUp({ token }, { password: PASSWORD, totp: wrongCode }),
      403,
      'invalid_totp',
      /code/,
    );
  assert.equal((await me({ token })).elevatedUntil, null);
  const failed = await events({ token }, 'stepup.failed');
  assert.deepEqual(
    failed.map((e) => e.details),
    [
      ...Array.from({ length: CEILING - 1 }, () => ({
        reason: 'invalid_totp',
        sessionId: desktop.sessionId,
      })),
      { reason: 'invalid_credentials', sessionId: desktop.sessionId },
    ],
    'newest first; asking for the code is no failure',
  );
  // Four failures (one password, three codes): the limit holds the right pair too.
  refused(await stepUp({ token }, { password: PASSWORD, totp: code }), 429, 'rate_limited');

  clock.advance(WINDOW_S * 1000);
  const fresh = totpCodeAt(secret, clock.now());
  const r = await stepUp({ token }, { password: PASSWORD, totp: fresh });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal((await me({ token })).elevatedBy, 'password');
});

test('with the default limits, failures from one network make that network wait, never the owner on another, for the password and the passkey alike', async () => {
  const own = await startTestServer({ clock: new FrozenClock(), trustProxy: 'loopback' });
  try {
    const email = 'networks@example.com';
    const auth = await addPasskey(own, await signUp(own.url, email));
    const { accessToken: stolen } = await desktopLogin(own.url, email);
    const { accessToken: owner } = await desktopLogin(own.url, email);
    const guesser = { 'x-forwarded-for': '198.51.100.7' };
    const home = { 'x-forwarded-for': '203.0.113.9' };
    const stepUpFrom = (token: string, headers: Record<string, string>, password: string) =>
      call(own.url, '/api/step-up', { token, headers, body: { password } });
    const passkeyOptions = (token: string, headers: Record<string, string>) =>
      call<{ attemptId: string; options: AuthenticationOptionsJSON }>(
        own.url,
        '/api/step-up/passkey/options',
        { token, headers, body: {} },
      );

    // defaultAccountThrottle: five failures are free, then the network waits.
    for (let i = 0; i < 5; i++)
      refused(await stepUpFrom(stolen, guesser, wrongPassword(i)), 403, 'invalid_credentials');
    refused(await stepUpFrom(stolen, guesser, PASSWORD), 429, 'rate_limited');
    refused(await passkeyOptions(stolen, guesser), 429, 'rate_limited');

    assert.equal((await stepUpFrom(owner, home, PASSWORD)).status, 200);
    const o = await passkeyOptions(owner, home);
    assert.equal(o.status, 200, JSON.stringify(o.body));
    const r = await call(own.url, '/api/step-up/passkey', {
      token: owner,
      headers: home,
      body: { attemptId: o.body.attemptId, response: auth.assert(o.body.options) },
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    // The owner's success does not free the guesser's network.
    refused(await stepUpFrom(stolen, guesser, PASSWORD), 429, 'rate_limited');
  } finally {
    await own.close();
  }
});
