/**
 * Limits on requests that cost work or memory whatever their outcome: sign-ups (argon2 each)
 * and passkey sign-in options (a live challenge each) per IP, a global cap on live login
 * attempts, and expired attempts swept at most once a second rather than on every request.
 */
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { startTestServer } from '../support/server';
import { defaultRateLimits } from '../../server/config';
import { MemoryLoginAttemptStore } from '../../server/passkeys/attempt-stores';
import { MemoryRateLimitStore } from '../../server/rate-limit/rate-limiter';
import { ManualClock } from '../../server/util/clock';
import { FrozenClock } from '../support/frozen-clock';
import { call, PASSWORD } from '../support/http';

type ErrorReply = { error: { code: string; message: string; retryAfterSeconds?: number } };

test('sign-ups are limited per IP before any hashing', async (t) => {
  // Frozen: two argon2 sign-ups can take over a second on a busy machine ('599' !== '600').
  const clock = new FrozenClock();
  const srv = await startTestServer({
    clock,
    rateLimits: { ...defaultRateLimits, signupPerIp: { max: 2, windowSeconds: 600 } },
  });
  t.onTestFinished(() => srv.close());
  const signUp = (email: string) =>
    call<ErrorReply>(srv.url, '/api/accounts', { body: { email, password: PASSWORD } });
  assert.equal((await signUp('one@example.com')).status, 201);
  assert.equal((await signUp('one@example.com')).status, 409, 'a taken email still counts');
  const limited = await signUp('three@example.com');
  assert.equal(limited.status, 429, JSON.stringify(limited.body));
  assert.equal(limited.body.error.code, 'rate_limited');
  assert.equal(limited.headers.get('retry-after'), '600');
  assert.equal(limited.body.error.retryAfterSeconds, 600);
  // Refused before the account was made: after the window the same email is free.
  clock.advance(600_000);
  assert.equal((await signUp('three@example.com')).status, 201);
});

test('the default limits include a sign-up limit per IP', () => {
  assert.ok(defaultRateLimits.signupPerIp, 'sign-ups have their own rule');
  assert.ok(defaultRateLimits.passkeyOptionsPerIp, 'passkey options have their own rule');
});

test('passkey sign-in options are limited per IP', async (t) => {
  const clock = new ManualClock();
  const srv = await startTestServer({
    clock,
    rateLimits: { ...defaultRateLimits, passkeyOptionsPerIp: { max: 3, windowSeconds: 60 } },
  });
  t.onTestFinished(() => srv.close());
  const options = () => call<ErrorReply>(srv.url, '/api/auth/passkey/options', { body: {} });
  for (let i = 0; i < 3; i++) assert.equal((await options()).status, 200);
  const limited = await options();
  assert.equal(limited.status, 429);
  assert.equal(limited.body.error.code, 'rate_limited');
  assert.equal(limited.headers.get('retry-after'), '60');
  clock.advance(60_000);
  assert.equal((await options()).status, 200);
});

test('a full attempt store answers 503 server_busy with Retry-After, and frees up', async (t) => {
  const clock = new ManualClock();
  const srv = await startTestServer({
    clock,
    seams: { loginAttempts: new MemoryLoginAttemptStore(clock, { maxLive: 2 }) },
  });
  t.onTestFinished(() => srv.close());
  const options = () =>
    call<ErrorReply & { attemptId: string }>(srv.url, '/api/auth/passkey/options', { body: {} });
  assert.equal((await options()).status, 200);
  assert.equal((await options()).status, 200);
  const full = await options();
  assert.equal(full.status, 503, JSON.stringify(full.body));
  assert.equal(full.body.error.code, 'server_busy');
  assert.ok(Number(full.headers.get('retry-after')) > 0);
  // Once the live ones have timed out (3 minutes), new sign-ins get room again.
  clock.advance(3 * 60_000 + 1000);
  assert.equal((await options()).status, 200);
});

test('expired attempts are swept at most once a second, not on every new attempt', () => {
  const clock = new ManualClock();
  const store = new MemoryLoginAttemptStore(clock, { maxLive: 100_000 });
  for (let i = 0; i < 1000; i++) store.create(`c${i}`, 60_000, null);
  assert.equal(store.map.sweeps, 1, 'one sweep for 1000 attempts within one second');
  clock.advance(1000);
  store.create('later', 60_000, null);
  assert.equal(store.map.sweeps, 2);
  // The sweep still removes attempts long past expiry (and their grace period).
  clock.advance(60 * 60_000);
  store.create('much later', 60_000, null);
  assert.equal(store.map.size, 1);
});

test('finished rate-limit windows are dropped, so many IPs do not pile up', () => {
  const clock = new ManualClock();
  const store = new MemoryRateLimitStore(clock);
  const rule = { max: 5, windowSeconds: 60 };
  for (let i = 0; i < 500; i++) store.hit(`signup:ip:10.0.${i >> 8}.${i & 255}`, rule);
  assert.equal(store.size, 500);
  clock.advance(60_000);
  store.hit('signup:ip:192.0.2.1', rule);
  assert.equal(store.size, 1, 'only the live window is kept');
  // A window still running is kept, and still counts.
  for (let i = 0; i < 4; i++) store.hit('signup:ip:192.0.2.1', rule);
  clock.advance(59_000);
  assert.ok(store.hit('signup:ip:192.0.2.1', rule) > 0, 'over its limit within the window');
});
