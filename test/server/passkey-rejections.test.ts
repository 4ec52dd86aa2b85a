/**
 * Passkey rules over real HTTP with genuine WebAuthn bytes from the test-side software
 * authenticator: every rejection answers 4xx with a code and leaves storage as it was
 * (passkey counter, backup state, last used; sessions), and the accepting paths record what
 * server/passkeys/policy.ts decides (counter warning for synced keys, names from the AAGUID table).
 */
import { test, afterAll, beforeAll } from 'vitest';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/server';
import {
  SoftAuthenticator,
  FLAG_BE,
  FLAG_BS,
  FLAG_UP,
  FLAG_UV,
  type SoftAuthenticatorOptions,
} from '../support/soft-authenticator';
import { ManualClock } from '../../server/util/clock';
import type { AuthenticationOptionsJSON, RegistrationOptionsJSON } from '../../server/protocol/api';
import { call, signUp, type Reply } from '../support/http';
import { fakePairings, type FakePairings } from './fake-pairings';

type Err = { error: { code: string; triesLeft?: number } };
type PasskeyBody = { id: string; name: string; providerName: string | null; kind: string };

let srv: TestServer;
const clock = new ManualClock();
/** Off (the real link, which refuses unknown pairings) until a test engages it. */
const seam = fakePairings();
beforeAll(async () => {
  srv = await startTestServer({ clock, seams: { pairingLink: seam.wrap } });
});
afterAll(() => srv.close());

let n = 0;
async function account(authOpts: SoftAuthenticatorOptions = {}) {
  const cookie = await signUp(srv.url, `user${++n}@example.com`);
  const auth = new SoftAuthenticator(srv.phoneOrigin, authOpts);
  return { cookie, auth };
}

async function registrationOptions(cookie: string) {
  const r = await call<{ attemptId: string; options: RegistrationOptionsJSON }>(
    srv.url,
    '/api/passkeys/options',
    { cookie, body: {} },
  );
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

async function addPasskey(cookie: string, auth: SoftAuthenticator): Promise<PasskeyBody> {
  const o = await registrationOptions(cookie);
  const r = await call<PasskeyBody>(srv.url, '/api/passkeys/verify', {
    cookie,
    body: { attemptId: o.attemptId, response: auth.register(o.options) },
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

async function loginOptions() {
  const r = await call<{ attemptId: string; options: AuthenticationOptionsJSON }>(
    srv.url,
    '/api/auth/passkey/options',
    { body: {} },
  );
  assert.equal(r.status, 200);
  return r.body;
}

/** Everything a refused ceremony must leave untouched. */
async function snapshot() {
  const db = srv.context.db;
  return {
    passkeys: await db.selectFrom('passkeys').selectAll().orderBy('id').execute(),
    sessions: await db
      .selectFrom('sessions')
      .select(['id', 'revoked_at', 'token_hash'])
      .orderBy('id')
      .execute(),
  };
}

function assertRefused(r: Reply<unknown>, status: number, code: string) {
  assert.equal(r.status, status, JSON.stringify(r.body));
  assert.equal((r.body as Err).error.code, code);
}

async function refusedLogin(
  response: unknown,
  code = 'passkey_verification_failed',
  attemptId?: string,
) {
  const before = await snapshot();
  const id = attemptId ?? (await loginOptions()).attemptId;
  const r = await call(srv.url, '/api/auth/passkey/verify', { body: { attemptId: id, response } });
  assertRefused(r, 400, code);
  assert.deepEqual(await snapshot(), before, 'nothing changed in storage');
}

test('registration names the passkey from the AAGUID table; login works and updates the counter', async () => {
  const { cookie, auth } = await account({
    aaguid: 'fbfc3007-154e-4ecc-8c0b-6e020557d7bd',
    backupEligible: true,
    backedUp: true,
  });
  const pk = await addPasskey(cookie, auth);
  assert.equal(pk.name, 'Apple Passwords');
  assert.equal(pk.providerName, 'Apple Passwords');
  assert.equal(pk.kind, 'synced');
  const o = await loginOptions();
  const r = await call<{ accessToken: string }>(srv.url, '/api/auth/passkey/verify', {
    body: { attemptId: o.attemptId, response: auth.assert(o.options), client: 'desktop' },
  });
  assert.equal(r.status, 200);
  assert.ok(r.body.accessToken);
  const row = await srv.context.db
    .selectFrom('passkeys')
    .selectAll()
    .where('id', '=', pk.id)
    .executeTakeFirstOrThrow();
  assert.equal(row.counter, 1);
  assert.ok(row.last_used_at);
});

test('a credential id registered to anyone is refused (409) and nothing is stored', async () => {
  const a = await account();
  await addPasskey(a.cookie, a.auth);
  const b = await account();
  const o = await registrationOptions(b.cookie);
  const before = await snapshot();
  const r = await call(srv.url, '/api/passkeys/verify', {
    cookie: b.cookie,
    body: {
      attemptId: o.attemptId,
      response: b.auth.register(o.options, { credentialId: a.auth.credentials[0]!.id }),
    },
  });
  assertRefused(r, 409, 'credential_already_registered');
  assert.deepEqual(await snapshot(), before);
});

test('registration refusals: BE=0 with BS=1, missing UV, wrong origin, wrong rpId, reused and foreign challenges', async () => {
  const { cookie, auth } = await account();
  const cases: [string, Parameters<SoftAuthenticator['register']>[1]][] = [
    ['BE=0 BS=1', { flags: FLAG_UP | FLAG_UV | FLAG_BS | 0x40 }],
    ['no UV', { flags: FLAG_UP | 0x40 }],
    ['wrong origin', { origin: `http://exchange-login.localhost:${srv.port}` }],
    ['wrong rpId', { rpId: 'exchange-login.localhost' }],
    ['wrong type', { type: 'webauthn.get' }],
  ];
  for (const [label, overrides] of cases) {
    const o = await registrationOptions(cookie);
    const before = await snapshot();
    const r = await call(srv.url, '/api/passkeys/verify', {
      cookie,
      body: { attemptId: o.attemptId, response: auth.register(o.options, overrides) },
    });
    assert.equal(r.status, 400, label);
    assert.equal((r.body as Err).error.code, 'passkey_verification_failed', label);
    assert.deepEqual(await snapshot(), before, label);
  }

  // Bound to the session that asked: another session (even of the same account) cannot finish it.
  const o = await registrationOptions(cookie);
  const other = await call(srv.url, '/api/auth/password', {
    body: { email: `user${n}@example.com`, password: 'correct horse battery staple' },
  });
  const otherCookie = /kb_session=[^;]+/.exec(other.headers.get('set-cookie') ?? '')![0];
  await call(srv.url, '/api/step-up', {
    cookie: otherCookie,
    body: { password: 'correct horse battery staple' },
  });
  const response = auth.register(o.options);
  assertRefused(
    await call(srv.url, '/api/passkeys/verify', {
      cookie: otherCookie,
      body: { attemptId: o.attemptId, response },
    }),
    400,
    'attempt_not_found',
  );
  // ... and the owner still can, once.
  assert.equal(
    (
      await call(srv.url, '/api/passkeys/verify', {
        cookie,
        body: { attemptId: o.attemptId, response },
      })
    ).status,
    201,
  );
  const before = await snapshot();
  assertRefused(
    await call(srv.url, '/api/passkeys/verify', {
      cookie,
      body: { attemptId: o.attemptId, response },
    }),
    400,
    'attempt_not_found',
  );
  assert.deepEqual(await snapshot(), before);
});

test('an expired registration challenge is refused', async () => {
  const { cookie, auth } = await account();
  const o = await registrationOptions(cookie);
  clock.advance(o.options.timeout! + 1000);
  // The step-up from sign-up lapsed with the clock; verify again so only the challenge is old.
  await call(srv.url, '/api/step-up', {
    cookie,
    body: { password: 'correct horse battery staple' },
  });
  const before = await snapshot();
  assertRefused(
    await call(srv.url, '/api/passkeys/verify', {
      cookie,
      body: { attemptId: o.attemptId, response: auth.register(o.options) },
    }),
    400,
    'challenge_expired',
  );
  assert.deepEqual(await snapshot(), before);
});

test('login refusals leave counter, last used and sessions unchanged', async () => {
  const { cookie, auth } = await account();
  await addPasskey(cookie, auth);
  const cred = auth.credentials[0];

  let o = await loginOptions();
  await refusedLogin(
    auth.assert(o.options, { tamperSignature: true }),
    'passkey_verification_failed',
    o.attemptId,
  );
  o = await loginOptions();
  await refusedLogin(
    auth.assert(o.options, { origin: `http://exchange-login.localhost:${srv.port}` }),
    'passkey_verification_failed',
    o.attemptId,
  );
  o = await loginOptions();
  await refusedLogin(
    auth.assert(o.options, { rpId: 'exchange-login.localhost' }),
    'passkey_verification_failed',
    o.attemptId,
  );
  o = await loginOptions();
  await refusedLogin(
    auth.assert(o.options, { flags: FLAG_UP }),
    'passkey_verification_failed',
    o.attemptId,
  ); // no UV
  o = await loginOptions();
  await refusedLogin(
    auth.assert(o.options, { userHandle: null }),
    'passkey_verification_failed',
    o.attemptId,
  );
  o = await loginOptions();
  await refusedLogin(
    auth.assert(o.options, { userHandle: Buffer.alloc(32, 7).toString('base64url') }),
    'passkey_verification_failed',
    o.attemptId,
  );
  o = await loginOptions();
  await refusedLogin(
    auth.assert(o.options, { challenge: Buffer.alloc(32, 1).toString('base64url') }),
    'passkey_verification_failed',
    o.attemptId,
  );
  // BE change (registered device-bound, now claims backup eligible) and BE=0 with BS=1.
  o = await loginOptions();
  await refusedLogin(
    auth.assert(o.options, { flags: FLAG_UP | FLAG_UV | FLAG_BE }),
    'passkey_verification_failed',
    o.attemptId,
  );
  o = await loginOptions();
  await refusedLogin(
    auth.assert(o.options, { flags: FLAG_UP | FLAG_UV | FLAG_BS }),
    'passkey_verification_failed',
    o.attemptId,
  );

  // Expired challenge.
  o = await loginOptions();
  const late = auth.assert(o.options);
  clock.advance(o.options.timeout! + 1000);
  await refusedLogin(late, 'challenge_expired', o.attemptId);

  // Unknown credential id -> passkey_unknown (the phone signals it to its provider).
  o = await loginOptions();
  const stranger = new SoftAuthenticator(srv.phoneOrigin);
  stranger.register({ ...(await registrationOptions(cookie)).options });
  await refusedLogin(stranger.assert(o.options), 'passkey_unknown', o.attemptId);

  // Each refusal was for the intended reason (the activity log names it; no secrets in it).
  const failed = await call<{ events: { type: string; details: { reason?: string } }[] }>(
    srv.url,
    '/api/activity',
    { cookie },
  );
  const reasons = failed.body.events
    .filter((e) => e.type === 'signin.failed')
    .map((e) => e.details.reason ?? '');
  assert.equal(reasons.filter((r) => r === 'user_handle_mismatch').length, 2);
  assert.ok(reasons.includes('backup_eligibility_changed'), reasons.join(' | '));
  assert.ok(reasons.includes('backup_flags'), 'BE=0 with BS=1 refused');
  for (const r of [
    'signature_invalid',
    'origin_mismatch',
    'rp_id_mismatch',
    'user_not_verified',
    'challenge_mismatch',
  ]) {
    assert.ok(reasons.includes(r), `${r} in ${reasons.join(' | ')}`);
  }

  // A good assertion still works afterwards, and the counter never moved during the refusals.
  o = await loginOptions();
  const good = await call(srv.url, '/api/auth/passkey/verify', {
    body: { attemptId: o.attemptId, response: auth.assert(o.options, { credential: cred }) },
  });
  assert.equal(good.status, 200);
});

test('counter going backwards: refused for a device-bound key, a warning for a synced key', async () => {
  const bound = await account();
  const boundPk = await addPasskey(bound.cookie, bound.auth);
  let o = await loginOptions();
  assert.equal(
    (
      await call(srv.url, '/api/auth/passkey/verify', {
        body: { attemptId: o.attemptId, response: bound.auth.assert(o.options, { counter: 5 }) },
      })
    ).status,
    200,
  );
  o = await loginOptions();
  await refusedLogin(
    bound.auth.assert(o.options, { counter: 5 }),
    'passkey_verification_failed',
    o.attemptId,
  );
  o = await loginOptions();
  await refusedLogin(
    bound.auth.assert(o.options, { counter: 3 }),
    'passkey_verification_failed',
    o.attemptId,
  );
  const row = await srv.context.db
    .selectFrom('passkeys')
    .selectAll()
    .where('id', '=', boundPk.id)
    .executeTakeFirstOrThrow();
  assert.equal(row.counter, 5);

  const synced = await account({ backupEligible: true, backedUp: true });
  const syncedPk = await addPasskey(synced.cookie, synced.auth);
  o = await loginOptions();
  assert.equal(
    (
      await call(srv.url, '/api/auth/passkey/verify', {
        body: { attemptId: o.attemptId, response: synced.auth.assert(o.options, { counter: 9 }) },
      })
    ).status,
    200,
  );
  o = await loginOptions();
  const warned = await call(srv.url, '/api/auth/passkey/verify', {
    body: { attemptId: o.attemptId, response: synced.auth.assert(o.options, { counter: 2 }) },
  });
  assert.equal(warned.status, 200, 'a synced passkey is not locked out');
  const events = await call<{ events: { type: string; details: Record<string, unknown> }[] }>(
    srv.url,
    '/api/activity',
    { cookie: synced.cookie },
  );
  const warning = events.body.events.find((e) => e.type === 'passkey.counter_warning');
  assert.ok(warning, 'counter warning recorded');
  assert.equal(warning.details.passkeyId, syncedPk.id);
  const srow = await srv.context.db
    .selectFrom('passkeys')
    .selectAll()
    .where('id', '=', syncedPk.id)
    .executeTakeFirstOrThrow();
  assert.equal(srow.counter, 9, 'the stored counter never goes backwards');
});

/** A QR sign-in up to the phone's approval: {pairingId, attemptId}. */
async function approvedSignIn(seam: FakePairings, auth: SoftAuthenticator) {
  const pairingId = seam.newPairingId();
  const o = await call<{ attemptId: string; options: AuthenticationOptionsJSON }>(
    srv.url,
    '/api/auth/passkey/options',
    { body: { pairingId } },
  );
  assert.equal(o.status, 200, JSON.stringify(o.body));
  const a = await call(srv.url, '/api/auth/passkey/approve', {
    body: { pairingId, response: auth.assert(o.body.options) },
  });
  assert.equal(a.status, 200, JSON.stringify(a.body));
  return { pairingId, attemptId: o.body.attemptId };
}

// Changed with the approve/redeem design: the reverse code is checked when the desktop redeems
// the approved attempt (it used to be checked at verify, next to the assertion).
test('reverse code at redeem: required, wrong tries counted (a new code keeps the count), five wrong kill the attempt, right one signs in', async (t) => {
  seam.engage();
  t.onTestFinished(() => seam.restore());
  const { cookie, auth } = await account();
  await addPasskey(cookie, auth);
  let q = await approvedSignIn(seam, auth);
  const code = await srv.context.loginAttempts.issueReverseCode(q.attemptId);
  assert.match(code, /^\d{6}$/);
  const redeem = (attemptId: string, reverseCode?: string) =>
    call<Err>(srv.url, '/api/auth/passkey/redeem', {
      body: { attemptId, client: 'desktop', ...(reverseCode ? { reverseCode } : {}) },
    });
  const before = await snapshot();
  assertRefused(await redeem(q.attemptId), 400, 'reverse_code_required');
  const wrong = code === '000000' ? '111111' : '000000';
  const r = await redeem(q.attemptId, wrong);
  assertRefused(r, 400, 'reverse_code_invalid');
  assert.equal(r.body.error.triesLeft, 4);
  assert.deepEqual(await snapshot(), before);
  const ok = await redeem(q.attemptId, code);
  assert.equal(ok.status, 200, 'the attempt stayed alive between wrong tries');
  assertRefused(await redeem(q.attemptId, code), 400, 'attempt_not_found'); // single use

  q = await approvedSignIn(seam, auth);
  let code2 = await srv.context.loginAttempts.issueReverseCode(q.attemptId);
  const wrongFor = (c: string) => (c === '000000' ? '111111' : '000000');
  for (let i = 0; i < 2; i++)
    assertRefused(await redeem(q.attemptId, wrongFor(code2)), 400, 'reverse_code_invalid');
  // Issuing again does not buy more tries.
  code2 = await srv.context.loginAttempts.issueReverseCode(q.attemptId);
  const third = await redeem(q.attemptId, wrongFor(code2));
  assertRefused(third, 400, 'reverse_code_invalid');
  assert.equal(third.body.error.triesLeft, 2);
  for (let i = 0; i < 1; i++)
    assertRefused(await redeem(q.attemptId, wrongFor(code2)), 400, 'reverse_code_invalid');
  assertRefused(await redeem(q.attemptId, wrongFor(code2)), 400, 'attempt_dead');
  assertRefused(await redeem(q.attemptId, code2), 400, 'attempt_dead');
});

// Changed with the approve/redeem design: a linked attempt is approved by the phone and
// redeemed by the desktop (it used to be verified with the assertion by the desktop).
test('pairing seam: default refuses every pairing; a linked attempt is approved, then redeemed with method qr', async (t) => {
  const pairingId = Buffer.alloc(16, 3).toString('base64url');
  assertRefused(
    await call(srv.url, '/api/auth/passkey/options', { body: { pairingId } }),
    404,
    'pairing_not_found',
  );
  seam.engage();
  t.onTestFinished(() => seam.restore());
  const { cookie, auth } = await account();
  const passkey = await addPasskey(cookie, auth);
  const o = await call<{ attemptId: string; options: AuthenticationOptionsJSON }>(
    srv.url,
    '/api/auth/passkey/options',
    { body: { pairingId } },
  );
  assert.equal(o.status, 200);
  assert.deepEqual(seam.links, [`${pairingId}:sign-in:${o.body.attemptId}`]);
  const response = auth.assert(o.body.options);
  // The desktop may not verify a paired attempt itself.
  assertRefused(
    await call(srv.url, '/api/auth/passkey/verify', {
      body: { attemptId: o.body.attemptId, response },
    }),
    400,
    'attempt_paired',
  );
  assertRefused(
    await call(srv.url, '/api/auth/passkey/redeem', {
      body: { attemptId: o.body.attemptId, client: 'desktop' },
    }),
    409,
    'not_approved',
  );
  const approved = await call<{ approved: boolean; accountHint: string }>(
    srv.url,
    '/api/auth/passkey/approve',
    { body: { pairingId, response } },
  );
  assert.equal(approved.status, 200, JSON.stringify(approved.body));
  assert.deepEqual(approved.body, { approved: true, accountHint: `u***@example.com` });
  assertRefused(
    await call(srv.url, '/api/auth/passkey/approve', {
      body: { pairingId, response: auth.assert(o.body.options) },
    }),
    409,
    'already_approved',
  );
  const r = await call<{ accessToken: string }>(srv.url, '/api/auth/passkey/redeem', {
    body: {
      attemptId: o.body.attemptId,
      client: 'desktop',
      device: { name: 'Work laptop', platform: 'linux' },
    },
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const me = await call<{ session: { method: string } }>(srv.url, '/api/me', {
    token: r.body.accessToken,
  });
  assert.equal(me.body.session.method, 'qr');
  // The session names the passkey the phone approved with (the sessions list shows it).
  const sessions = await srv.context.db
    .selectFrom('sessions')
    .select('passkey_id')
    .where('method', '=', 'qr')
    .where('passkey_id', '=', passkey.id)
    .execute();
  assert.equal(sessions.length, 1);
});

test('at most 20 passkeys per account', async () => {
  const { cookie, auth } = await account();
  for (let i = 0; i < 20; i++) await addPasskey(cookie, auth);
  assertRefused(
    await call(srv.url, '/api/passkeys/options', { cookie, body: {} }),
    409,
    'passkey_limit_reached',
  );
});
