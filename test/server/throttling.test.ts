/**
 * Wrong passwords throttle instead of locking out (server/rate-limit/attempt-guard.ts): the
 * guesser's subnet waits 1, 2, 4, ... s after five failures for that account, the owner on
 * another network signs in at once, passkey sign-in is never affected, and a high per-account
 * ceiling stops guessing spread over many subnets. Password sign-in gives the same answer
 * after the same argon2 work for a known and an unknown email.
 */
import assert from 'node:assert/strict';
import { test } from 'vitest';
import { argon2, DUMMY_HASH, hashPassword } from '../../server/accounts/passwords';
import { defaultRateLimits } from '../../server/config';
import type { AuthenticationOptionsJSON } from '../../server/protocol/api';
import { ManualClock } from '../../server/util/clock';
import { startTestServer } from '../support/server';
import { call, PASSWORD, signUp } from '../support/http';
import { accountWithPasskey } from './support/passkey-account';

const password = (url: string, email: string, pw: string, localAddress: string) =>
  call(url, '/api/auth/password', {
    body: { email, password: pw, client: 'desktop' },
    localAddress,
  });

test('ten wrong passwords from one network slow that network and leave the owner alone', async (t) => {
  const clock = new ManualClock();
  const srv = await startTestServer({ clock });
  t.onTestFinished(() => srv.close());
  const email = 'victim@example.com';
  const { auth } = await accountWithPasskey(srv.url, srv.phoneOrigin, email);

  // The attacker on 127.0.0.2 sends ten wrong passwords, waiting out each delay it is given.
  const waits: number[] = [];
  let failures = 0;
  while (failures < 10) {
    const r = await password(srv.url, email, `guess ${failures}`, '127.0.0.2');
    if (r.status === 401) {
      assert.equal((r.body.error as { code: string }).code, 'invalid_credentials');
      failures++;
      continue;
    }
    assert.equal(r.status, 429, JSON.stringify(r.body));
    const wait = Number(r.headers.get('retry-after'));
    assert.equal((r.body.error as { retryAfterSeconds: number }).retryAfterSeconds, wait);
    waits.push(wait);
    clock.advance(wait * 1000);
  }
  // The owner on another network signs in at once with the right password,
  const owner = await password(srv.url, email, PASSWORD, '127.0.3.1');
  assert.equal(owner.status, 200, JSON.stringify(owner.body));
  // while the attacker was slowed: a delay after the fifth failure, doubling,
  assert.deepEqual(waits, [1, 2, 4, 8, 16]);

  // and its subnet (any address in 127.0.0.0/24) must wait 32 s now;
  for (const from of ['127.0.0.2', '127.0.0.77']) {
    const slowed = await password(srv.url, email, PASSWORD, from);
    assert.equal(slowed.status, 429);
    assert.equal(slowed.headers.get('retry-after'), '32');
  }
  // passkey sign-in works from anywhere, the attacker's network included.
  const o = await call(srv.url, '/api/auth/passkey/options', {
    body: {},
    localAddress: '127.0.0.2',
  });
  assert.equal(o.status, 200);
  const passkey = await call(srv.url, '/api/auth/passkey/verify', {
    body: {
      attemptId: o.body.attemptId,
      response: auth.assert(o.body.options as AuthenticationOptionsJSON),
      client: 'desktop',
    },
    localAddress: '127.0.0.2',
  });
  assert.equal(passkey.status, 200, JSON.stringify(passkey.body));

  // Quiet for the window: the attacker's subnet starts over.
  clock.advance(15 * 60_000);
  assert.equal((await password(srv.url, email, 'again', '127.0.0.2')).status, 401);
});

test('a per-account ceiling stops guessing spread over many subnets', async (t) => {
  const srv = await startTestServer({
    rateLimits: { ...defaultRateLimits, perAccount: { max: 8, windowSeconds: 900 } },
  });
  t.onTestFinished(() => srv.close());
  const email = 'spread@example.com';
  await signUp(srv.url, email);
  for (const net of [1, 2])
    for (let i = 0; i < 4; i++)
      assert.equal((await password(srv.url, email, `x${i}`, `127.0.${net}.1`)).status, 401);
  const stopped = await password(srv.url, email, PASSWORD, '127.0.3.1');
  assert.equal(stopped.status, 429);
  assert.ok(Number(stopped.headers.get('retry-after')) > 800);
  const other = await signUp(srv.url, 'bystander@example.com').then(() =>
    password(srv.url, 'bystander@example.com', PASSWORD, '127.0.3.1'),
  );
  assert.equal(other.status, 200, 'only that account');
});

test('known and unknown email: same answer, and argon2 verify ran for both', async (t) => {
  const srv = await startTestServer();
  t.onTestFinished(() => srv.close());
  await signUp(srv.url, 'known@example.com');
  let verifies = 0;
  const real = argon2.verify;
  argon2.verify = (...args: Parameters<typeof real>) => {
    verifies++;
    return real(...args);
  };
  t.onTestFinished(() => {
    argon2.verify = real;
  });
  const answers = [];
  for (const email of ['known@example.com', 'nobody@example.com']) {
    const before = verifies;
    const r = await password(srv.url, email, 'not the password', '127.0.0.1');
    assert.equal(verifies - before, 1, `one argon2 verify for ${email}`);
    answers.push({ status: r.status, body: r.body });
  }
  assert.deepEqual(answers[0], answers[1]);
  assert.equal(answers[0]?.status, 401);
  // The dummy hash costs what a real one does.
  const real19 = (await hashPassword('anything')).split('$').slice(0, 4).join('$');
  assert.equal(DUMMY_HASH.split('$').slice(0, 4).join('$'), real19);
});

test('sign-up answers email_taken, and sign-ups are limited per /24', async (t) => {
  const srv = await startTestServer({
    rateLimits: { ...defaultRateLimits, signupPerIp: { max: 3, windowSeconds: 3600 } },
  });
  t.onTestFinished(() => srv.close());
  const signUpFrom = (email: string, localAddress: string) =>
    call(srv.url, '/api/accounts', {
      body: { email, password: PASSWORD },
      localAddress,
    });
  assert.equal((await signUpFrom('a@example.com', '127.0.5.1')).status, 201);
  const taken = await signUpFrom('A@example.com', '127.0.5.2');
  assert.equal(taken.status, 409);
  assert.equal((taken.body.error as { code: string }).code, 'email_taken');
  assert.equal((await signUpFrom('b@example.com', '127.0.5.3')).status, 201);
  // A fourth address in the same /24 shares the count; another /24 does not.
  assert.equal((await signUpFrom('c@example.com', '127.0.5.4')).status, 429);
  assert.equal((await signUpFrom('c@example.com', '127.0.6.1')).status, 201);
});
