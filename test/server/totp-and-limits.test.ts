/**
 * TOTP enrolment and use over real HTTP (setup -> confirm -> recovery codes once, codes not
 * reusable, recovery codes single-use, step-up with TOTP, removal), and the rate limits on
 * password, TOTP and step-up checks (429 rate_limited + Retry-After).
 */
import { test, afterAll, beforeAll } from 'vitest';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/server';
import { ManualClock } from '../../server/util/clock';
import { FrozenClock } from '../support/frozen-clock';
import { totpCodeAt } from '../../server/totp/totp';
import { call, desktopLogin, PASSWORD, signUp } from '../support/http';

type Err = { error: { code: string; retryAfterSeconds?: number } };

let srv: TestServer;
const clock = new ManualClock();
beforeAll(async () => {
  srv = await startTestServer({
    clock,
    rateLimits: {
      perAccount: { max: 3, windowSeconds: 60 },
      perIp: { max: 1000, windowSeconds: 60 },
    },
  });
});
afterAll(() => srv.close());

const code = (secret: string) => totpCodeAt(secret, clock.now());
const nextStep = () => clock.advance(30_000);

test('TOTP: enrol, sign in with a code, recovery codes once each, step-up asks for it, remove', async () => {
  const email = 'totp@example.com';
  const cookie = await signUp(srv.url, email);
  const setup = await call<{ otpauthUri: string; secret: string }>(srv.url, '/api/2fa/totp/setup', {
    cookie,
    method: 'POST',
  });
  assert.equal(setup.status, 200);
  assert.match(setup.body.otpauthUri, /^otpauth:\/\/totp\/.*secret=/);
  assert.match(setup.body.secret, /^[A-Z2-7]+$/);
  const secret = setup.body.secret;

  const wrong = await call<Err>(srv.url, '/api/2fa/totp/confirm', {
    cookie,
    body: { code: code(secret) === '000000' ? '111111' : '000000' },
  });
  assert.equal(wrong.body.error.code, 'invalid_totp');
  const confirm = await call<{ recoveryCodes: string[] }>(srv.url, '/api/2fa/totp/confirm', {
    cookie,
    body: { code: code(secret) },
  });
  assert.equal(confirm.status, 200);
  assert.equal(confirm.body.recoveryCodes.length, 10);
  const stored = await srv.context.db.selectFrom('recovery_codes').select('code_hash').execute();
  assert.ok(
    stored.every((r) => !confirm.body.recoveryCodes.includes(r.code_hash)),
    'stored hashed',
  );
  assert.equal(
    (await call<Err>(srv.url, '/api/2fa/totp/setup', { cookie, method: 'POST' })).body.error.code,
    'totp_already_enabled',
  );

  const noCode = await call<Err>(srv.url, '/api/auth/password', {
    body: { email, password: PASSWORD },
  });
  assert.equal(noCode.status, 401);
  assert.equal(noCode.body.error.code, 'totp_required');
  const sameCode = await call<Err>(srv.url, '/api/auth/password', {
    body: { email, password: PASSWORD, totp: code(secret) },
  });
  assert.equal(
    sameCode.body.error.code,
    'invalid_totp',
    'the code used to confirm cannot be used again',
  );
  nextStep();
  const t = await desktopLogin(srv.url, email, PASSWORD, code(secret));
  assert.ok(t.accessToken);

  const recovery = confirm.body.recoveryCodes[0];
  assert.equal(
    (
      await call(srv.url, '/api/auth/password', {
        body: { email, password: PASSWORD, totp: recovery },
      })
    ).status,
    200,
  );
  const again = await call<Err>(srv.url, '/api/auth/password', {
    body: { email, password: PASSWORD, totp: recovery },
  });
  assert.equal(again.body.error.code, 'invalid_totp', 'recovery codes are single-use');

  const stepNoCode = await call<Err>(srv.url, '/api/step-up', {
    token: t.accessToken,
    body: { password: PASSWORD },
  });
  assert.equal(stepNoCode.status, 403);
  assert.equal(stepNoCode.body.error.code, 'totp_required');
  nextStep();
  assert.equal(
    (
      await call(srv.url, '/api/step-up', {
        token: t.accessToken,
        body: { password: PASSWORD, totp: code(secret) },
      })
    ).status,
    200,
  );
  const me = await call<{ totpEnabled: boolean; checklist: { id: string; done: boolean }[] }>(
    srv.url,
    '/api/me',
    { token: t.accessToken },
  );
  assert.equal(me.body.totpEnabled, true);
  assert.equal(me.body.checklist.find((c) => c.id === 'recovery')?.done, true);

  assert.equal(
    (await call(srv.url, '/api/2fa/totp', { method: 'DELETE', token: t.accessToken })).status,
    200,
  );
  assert.equal(
    (await call(srv.url, '/api/auth/password', { body: { email, password: PASSWORD } })).status,
    200,
  );
  const events = await call<{ events: { type: string }[] }>(srv.url, '/api/activity', {
    token: t.accessToken,
  });
  const types = events.body.events.map((e) => e.type);
  for (const type of ['totp.enabled', 'totp.disabled', 'recovery_code.used', 'signin.failed'])
    assert.ok(types.includes(type), type);
});

test('TOTP changes need a step-up', async () => {
  await signUp(srv.url, 'totp-stepup@example.com');
  const t = await desktopLogin(srv.url, 'totp-stepup@example.com');
  const r = await call<Err>(srv.url, '/api/2fa/totp/setup', {
    token: t.accessToken,
    method: 'POST',
  });
  assert.equal(r.status, 403);
  assert.equal(r.body.error.code, 'step_up_required');
});

test('password guessing is limited per account with a clear retry time', async () => {
  const email = 'limited@example.com';
  await signUp(srv.url, email);
  for (let i = 0; i < 3; i++) {
    assert.equal(
      (
        await call(srv.url, '/api/auth/password', {
          body: { email, password: `wrong password ${i}` },
        })
      ).status,
      401,
    );
  }
  const limited = await call<Err>(srv.url, '/api/auth/password', {
    body: { email, password: PASSWORD },
  });
  assert.equal(limited.status, 429);
  assert.equal(limited.body.error.code, 'rate_limited');
  assert.equal(limited.body.error.retryAfterSeconds, 60);
  assert.equal(limited.headers.get('retry-after'), '60');
  // Another account is not affected; after the window the right password works again.
  await signUp(srv.url, 'other@example.com');
  assert.equal(
    (
      await call(srv.url, '/api/auth/password', {
        body: { email: 'other@example.com', password: PASSWORD },
      })
    ).status,
    200,
  );
  clock.advance(61_000);
  assert.equal(
    (await call(srv.url, '/api/auth/password', { body: { email, password: PASSWORD } })).status,
    200,
  );
});

test('step-up guessing is limited too', async () => {
  await signUp(srv.url, 'stepup-limit@example.com');
  const t = await desktopLogin(srv.url, 'stepup-limit@example.com');
  for (let i = 0; i < 3; i++) {
    assert.equal(
      (
        await call(srv.url, '/api/step-up', {
          token: t.accessToken,
          body: { password: `nope nope ${i}` },
        })
      ).status,
      403,
    );
  }
  const limited = await call<Err>(srv.url, '/api/step-up', {
    token: t.accessToken,
    body: { password: PASSWORD },
  });
  assert.equal(limited.status, 429);
  assert.ok(Number(limited.headers.get('retry-after')) > 0);
});

test('per-IP limit spans accounts', async () => {
  const ipLimited = await startTestServer({
    // Time stands still, so the window's Retry-After is exactly its length (on a busy machine
    // four argon2 checks took over a second: 119 !== 120).
    clock: new FrozenClock(),
    rateLimits: {
      perAccount: { max: 100, windowSeconds: 60 },
      perIp: { max: 4, windowSeconds: 120 },
    },
  });
  try {
    for (let i = 0; i < 4; i++) {
      assert.equal(
        (
          await call(ipLimited.url, '/api/auth/password', {
            body: { email: `n${i}@example.com`, password: 'whatever!!' },
          })
        ).status,
        401,
      );
    }
    const r = await call<Err>(ipLimited.url, '/api/auth/password', {
      body: { email: 'fresh@example.com', password: 'whatever!!' },
    });
    assert.equal(r.status, 429);
    assert.equal(r.body.error.retryAfterSeconds, 120);
  } finally {
    await ipLimited.close();
  }
});
