/**
 * Unit tests for the rules as pure decisions and small stores: counter policy, BE/BS, name
 * fallback, AAGUID names, last-passkey guard, rate limiter windows, TOTP replay, and refresh
 * token rotation/reuse in the session store (real SQLite file).
 */
import { test } from 'vitest';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  backupFlagsProblem,
  decideCounter,
  lastPasskeyGuardRefuses,
  passkeyLimitReached,
} from '../../server/passkeys/policy';
import { deviceFromUserAgent, nameFromUserAgent } from '../../server/passkeys/name-from-user-agent';
import { providerName, ZERO_AAGUID } from '../../server/passkeys/aaguid-names';
import { MemoryRateLimitStore } from '../../server/rate-limit/rate-limiter';
import { AttemptGuard } from '../../server/rate-limit/attempt-guard';
import { ManualClock } from '../../server/util/clock';
import { checkTotp, newTotpSecret, totpCodeAt } from '../../server/totp/totp';
import { databaseReachable, openDatabase } from '../../server/db/database';
import {
  SessionStore,
  ACCESS_TOKEN_TTL_MS,
  REFRESH_REUSE_GRACE_MS,
} from '../../server/sessions/session-store';
import { AccountStore } from '../../server/accounts/account-store';
import {
  MemoryLoginAttemptStore,
  MemoryRegistrationAttemptStore,
} from '../../server/passkeys/attempt-stores';
import { hashPassword, verifyPassword } from '../../server/accounts/passwords';

test('counter policy: regression refused for device-bound, warned for synced, zero counters fine', () => {
  assert.equal(decideCounter(0, 0, false), 'ok', 'counter-less authenticator');
  assert.equal(decideCounter(0, 0, true), 'ok');
  assert.equal(decideCounter(4, 5, false), 'ok');
  assert.equal(decideCounter(5, 5, false), 'refuse', 'equal is not an increase');
  assert.equal(decideCounter(5, 3, false), 'refuse');
  assert.equal(decideCounter(5, 0, false), 'refuse');
  assert.equal(decideCounter(5, 3, true), 'warn');
  assert.equal(decideCounter(5, 0, true), 'warn');
});

test('backup flags: BE=0 with BS=1 refused, a BE change refused, BS may change', () => {
  assert.equal(
    backupFlagsProblem(null, { backupEligible: false, backedUp: true }),
    'backup_state_without_eligibility',
  );
  assert.equal(backupFlagsProblem(null, { backupEligible: true, backedUp: false }), null);
  assert.equal(
    backupFlagsProblem({ backupEligible: false }, { backupEligible: true, backedUp: false }),
    'backup_eligibility_changed',
  );
  assert.equal(
    backupFlagsProblem({ backupEligible: true }, { backupEligible: false, backedUp: false }),
    'backup_eligibility_changed',
  );
  assert.equal(
    backupFlagsProblem({ backupEligible: true }, { backupEligible: true, backedUp: true }),
    null,
  );
  assert.equal(
    backupFlagsProblem({ backupEligible: true }, { backupEligible: true, backedUp: false }),
    null,
  );
});

test('names: AAGUID table first, all-zero/unknown fall back to the user agent', () => {
  assert.equal(providerName('fbfc3007-154e-4ecc-8c0b-6e020557d7bd'), 'Apple Passwords');
  assert.equal(providerName('EA9B8D66-4D01-1D21-3CE4-B6B48CB575D4'), 'Google Password Manager');
  assert.equal(providerName('cb69481e-8ff7-4039-93ec-0a2729a154a8'), 'YubiKey 5 Series');
  assert.equal(providerName(ZERO_AAGUID), null);
  assert.equal(providerName('12345678-1234-1234-1234-123456789abc'), null);
  const ua = {
    android:
      'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Mobile Safari/537.36',
    linux:
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/142.0.0.0 Safari/537.36',
    iphone:
      'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1',
    edge: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36 Edg/140.0.0.0',
    firefoxMac:
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:140.0) Gecko/20100101 Firefox/140.0',
  };
  assert.equal(nameFromUserAgent(ua.android), 'Chrome on Android');
  assert.equal(nameFromUserAgent(ua.linux), 'Chrome on Linux');
  assert.equal(nameFromUserAgent(ua.iphone), 'Safari on iPhone');
  assert.equal(nameFromUserAgent(ua.edge), 'Edge on Windows');
  assert.equal(nameFromUserAgent(ua.firefoxMac), 'Firefox on Mac');
  assert.equal(nameFromUserAgent(null), 'Passkey');
  assert.equal(nameFromUserAgent('curl/8.0'), 'Passkey');
});

test('last-passkey guard and the 20-passkey limit', () => {
  assert.equal(lastPasskeyGuardRefuses(1, false), true);
  assert.equal(lastPasskeyGuardRefuses(1, true), false);
  assert.equal(lastPasskeyGuardRefuses(2, false), false);
  assert.equal(passkeyLimitReached(19), false);
  assert.equal(passkeyLimitReached(20), true);
});

test('rate limits: per account and per IP, with a retry time, reset by success per account', async () => {
  const clock = new ManualClock();
  const guard = new AttemptGuard(new MemoryRateLimitStore(clock), {
    perAccount: { max: 3, windowSeconds: 60 },
    perIp: { max: 5, windowSeconds: 600 },
  });
  for (let i = 0; i < 3; i++) {
    await guard.assertAllowed('password', 'a@x', '1.1.1.1');
    await guard.recordFailure('password', 'a@x', '1.1.1.1');
  }
  await assert.rejects(
    () => guard.assertAllowed('password', 'a@x', '2.2.2.2'),
    (e: { code: string; status: number; extra: { retryAfterSeconds: number } }) =>
      e.code === 'rate_limited' && e.status === 429 && e.extra.retryAfterSeconds === 60,
  );
  // Another account from the same IP is still allowed until the IP limit.
  await guard.assertAllowed('password', 'b@x', '1.1.1.1');
  await guard.recordFailure('password', 'b@x', '1.1.1.1');
  await guard.recordFailure('password', 'c@x', '1.1.1.1');
  await assert.rejects(() => guard.assertAllowed('password', 'd@x', '1.1.1.1'), {
    code: 'rate_limited',
  });
  // Other checks have their own counters.
  await guard.assertAllowed('stepup', 'a@x', '1.1.1.1');
  clock.advance(30_000);
  await assert.rejects(
    () => guard.assertAllowed('password', 'a@x', '3.3.3.3'),
    (e: { extra: { retryAfterSeconds: number } }) => e.extra.retryAfterSeconds === 30,
  );
  clock.advance(31_000);
  await guard.assertAllowed('password', 'a@x', '3.3.3.3');
  await guard.recordFailure('password', 'e@x', '4.4.4.4');
  await guard.recordSuccess('password', 'e@x');
  await guard.recordFailure('password', 'e@x', '4.4.4.4');
  await guard.recordFailure('password', 'e@x', '4.4.4.4');
  await guard.assertAllowed('password', 'e@x', '4.4.4.4');
});

test('TOTP: current and adjacent codes accepted, a used step never again, wrong codes refused', () => {
  const secret = newTotpSecret();
  const now = Date.UTC(2026, 0, 1, 12, 0, 10);
  const step = checkTotp(secret, totpCodeAt(secret, now), now, null);
  assert.equal(step, Math.floor(now / 30000));
  assert.equal(checkTotp(secret, totpCodeAt(secret, now), now, step), null, 'replay refused');
  assert.notEqual(
    checkTotp(secret, totpCodeAt(secret, now - 30000), now, null),
    null,
    'one step of drift',
  );
  assert.equal(checkTotp(secret, totpCodeAt(secret, now - 120000), now, null), null, 'old code');
  const wrong = totpCodeAt(secret, now) === '123456' ? '654321' : '123456';
  assert.equal(checkTotp(secret, wrong, now, null), null);
});

test('passwords: argon2id at OWASP parameters', async () => {
  const h = await hashPassword('a long enough password');
  assert.match(h, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  assert.equal(await verifyPassword(h, 'a long enough password'), true);
  assert.equal(await verifyPassword(h, 'a long enough passwore'), false);
  assert.equal(await verifyPassword(null, 'anything'), false);
});

test('session store: refresh rotates, reuse revokes the family, tokens are stored only hashed', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keybridge-unit-'));
  const db = await openDatabase(dir);
  t.onTestFinished(async () => {
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const clock = new ManualClock();
  const store = new SessionStore(db, clock);
  const user = await new AccountStore(db).create('u@example.com', 'x', clock.now());
  assert.ok(user);
  const issued = await store.create({
    userId: user.id,
    client: 'desktop',
    device: 'd',
    method: 'password',
    passkeyId: null,
    ip: '127.0.0.1',
    userAgent: null,
  });
  assert.equal(issued.kind, 'desktop');
  if (issued.kind !== 'desktop') return;
  const raw =
    fs.readFileSync(path.join(dir, 'keybridge.sqlite')).toString('latin1') +
    fs.readFileSync(path.join(dir, 'keybridge.sqlite-wal')).toString('latin1');
  assert.ok(
    !raw.includes(issued.accessToken) && !raw.includes(issued.refreshToken),
    'no raw token in the database file',
  );

  assert.ok(await store.authenticate(issued.accessToken));
  const r1 = await store.refresh(issued.refreshToken);
  assert.equal(r1.ok, true);
  if (!r1.ok) return;
  assert.equal(
    await store.authenticate(issued.accessToken),
    undefined,
    'old access token replaced',
  );
  assert.ok(await store.authenticate(r1.accessToken));
  // Past the retry grace (test/server/refresh-grace.test.ts covers presenting it within).
  clock.advance(REFRESH_REUSE_GRACE_MS + 1);
  const reuse = await store.refresh(issued.refreshToken);
  assert.equal(reuse.ok, false);
  assert.equal(!reuse.ok && reuse.reason, 'reused');
  assert.equal(await store.authenticate(r1.accessToken), undefined, 'family revoked');
  const after = await store.refresh(r1.refreshToken);
  assert.equal(!after.ok && after.reason, 'invalid');

  const second = await store.create({
    userId: user.id,
    client: 'desktop',
    device: 'd',
    method: 'password',
    passkeyId: null,
    ip: '127.0.0.1',
    userAgent: null,
  });
  clock.advance(ACCESS_TOKEN_TTL_MS + 1);
  if (second.kind !== 'desktop') return;
  assert.equal(await store.authenticate(second.accessToken), undefined, 'access token expired');
  assert.equal(
    (await store.listLive(user.id)).length,
    1,
    'still listed while the refresh token lives',
  );
});

test('login attempts: reverse code stored hashed, five wrong tries kill the attempt', () => {
  const clock = new ManualClock();
  const attempts = new MemoryLoginAttemptStore(clock);
  const a = attempts.create('challenge', 60_000, null);
  const code = attempts.issueReverseCode(a.id);
  assert.match(code, /^\d{6}$/);
  assert.ok(!JSON.stringify(attempts.get(a.id)).includes(code), 'only the hash is kept');
  for (let left = 4; left >= 0; left--) assert.equal(attempts.recordWrongReverseCode(a.id), left);
  assert.equal(attempts.get(a.id)?.dead, true);
  assert.throws(() => attempts.issueReverseCode(a.id));
  const b = attempts.create('challenge', 60_000, null);
  clock.advance(60_001);
  assert.throws(() => attempts.issueReverseCode(b.id), 'expired attempt gets no code');
});

test('attempts: an approval is parked once only, never on a dead or expired attempt; a new code keeps the wrong-try count', () => {
  const clock = new ManualClock();
  const login = new MemoryLoginAttemptStore(clock);
  const a = login.create('challenge', 60_000, 'pairing-1');
  const approval = { userId: 'u1', passkeyId: 'p1', passkeyName: 'Phone' };
  assert.equal(login.approve(a.id, approval), true);
  assert.equal(login.approve(a.id, { ...approval, userId: 'u2' }), false, 'second approval');
  assert.deepEqual(login.get(a.id)?.approval, approval);
  login.issueReverseCode(a.id);
  login.recordWrongReverseCode(a.id);
  login.recordWrongReverseCode(a.id);
  login.issueReverseCode(a.id);
  assert.equal(login.recordWrongReverseCode(a.id), 2, 'issuing again did not reset the count');
  const dead = login.create('challenge', 60_000, 'pairing-2');
  for (let i = 0; i < 5; i++) login.recordWrongReverseCode(dead.id);
  assert.equal(login.approve(dead.id, approval), false, 'dead');
  const late = login.create('challenge', 60_000, 'pairing-3');
  clock.advance(60_001);
  assert.equal(login.approve(late.id, approval), false, 'expired');
  assert.equal(login.approve('missing', approval), false, 'unknown');

  const reg = new MemoryRegistrationAttemptStore(clock);
  const r = reg.create('challenge', 60_000, 'session-1', 'u1', 'pairing-4');
  assert.equal(r.pairingId, 'pairing-4');
  assert.equal(reg.get(r.id)?.approval, null);
  assert.match(reg.issueReverseCode(r.id), /^\d{6}$/);
  assert.equal(reg.create('challenge', 60_000, 'session-1', 'u1').pairingId, null);
});

test('the phone named for "is this your phone?": words from the user agent only', () => {
  assert.equal(
    deviceFromUserAgent(
      'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Mobile Safari/537.36',
    ),
    'Chrome on Android',
  );
  assert.equal(
    deviceFromUserAgent(
      'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1',
    ),
    'Safari on iPhone',
  );
  assert.equal(deviceFromUserAgent('<script>alert(1)</script> 10.0.0.7'), 'Unknown browser');
  assert.equal(deviceFromUserAgent(''), 'Unknown browser');
});

test('readiness: the database probe fails once the database is gone', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keybridge-ready-'));
  try {
    const db = await openDatabase(dir);
    assert.equal(await databaseReachable(db), true);
    await db.destroy();
    assert.equal(await databaseReachable(db), false);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
