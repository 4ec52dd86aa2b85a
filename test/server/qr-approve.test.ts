/**
 * The approve/redeem routes over real HTTP with genuine WebAuthn bytes (soft authenticator),
 * the relay seam played by test/server/fake-pairings.ts. Covers what the phone and the desktop
 * may each do: framed (crossOrigin / topOrigin) responses refused in every verify path, one
 * approval per attempt, expiry, the server-built add-passkey options for the phone's own
 * account only, and redeem answering {passkey}.
 */
import { afterAll, beforeAll, test } from 'vitest';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/server';
import { SoftAuthenticator, type CeremonyOverrides } from '../support/soft-authenticator';
import { ManualClock } from '../../server/util/clock';
import type {
  AuthenticationOptionsJSON,
  MeResponse,
  PasskeyPairingOptionsResponse,
  RegistrationOptionsJSON,
} from '../../server/protocol/api';
import { LOGIN_TIMEOUT_MS } from '../../server/passkeys/login-routes';
import { call, desktopLogin, PASSWORD, signUp, type Reply } from '../support/http';
import { fakePairings, type FakePairings } from './fake-pairings';

type Err = { error: { code: string; message: string } };

let srv: TestServer;
const seam: FakePairings = fakePairings();
const clock = new ManualClock();
beforeAll(async () => {
  srv = await startTestServer({ clock, seams: { pairingLink: seam.wrap } });
  seam.engage();
});
afterAll(async () => {
  seam.restore();
  await srv.close();
});

function refused(r: Reply<unknown>, status: number, code: string) {
  assert.equal(r.status, status, JSON.stringify(r.body));
  assert.equal((r.body as Err).error.code, code);
}

let n = 0;
/** An account whose own phone (cookie + soft authenticator) holds one passkey. */
async function account() {
  const email = `qr${++n}@example.com`;
  const cookie = await signUp(srv.url, email);
  const auth = new SoftAuthenticator(srv.phoneOrigin);
  const o = await call<{ attemptId: string; options: RegistrationOptionsJSON }>(
    srv.url,
    '/api/passkeys/options',
    { cookie, body: {} },
  );
  const v = await call(srv.url, '/api/passkeys/verify', {
    cookie,
    body: { attemptId: o.body.attemptId, response: auth.register(o.body.options) },
  });
  assert.equal(v.status, 201, JSON.stringify(v.body));
  const me = (await call<MeResponse>(srv.url, '/api/me', { cookie })).body;
  return { email, cookie, auth, me };
}

/** The desktop's signed-in, stepped-up session of an account (bearer). */
async function desktopOf(email: string) {
  const tokens = await desktopLogin(srv.url, email);
  const s = await call(srv.url, '/api/step-up', {
    token: tokens.accessToken,
    body: { password: PASSWORD },
  });
  assert.equal(s.status, 200, JSON.stringify(s.body));
  return tokens.accessToken;
}

async function snapshot() {
  const db = srv.context.db;
  return {
    passkeys: await db.selectFrom('passkeys').selectAll().orderBy('id').execute(),
    sessions: await db.selectFrom('sessions').select(['id']).orderBy('id').execute(),
  };
}

async function signInAttempt() {
  const pairingId = seam.newPairingId();
  const o = await call<{ attemptId: string; options: AuthenticationOptionsJSON }>(
    srv.url,
    '/api/auth/passkey/options',
    { body: { pairingId } },
  );
  assert.equal(o.status, 200, JSON.stringify(o.body));
  return { pairingId, ...o.body };
}

async function addPasskeyAttempt(token: string) {
  const pairingId = seam.newPairingId();
  const o = await call<{ attemptId: string; options: RegistrationOptionsJSON }>(
    srv.url,
    '/api/passkeys/options',
    { token, body: { pairingId } },
  );
  assert.equal(o.status, 200, JSON.stringify(o.body));
  return { pairingId, ...o.body };
}

const framings: [string, CeremonyOverrides][] = [
  ['crossOrigin: true', { crossOrigin: true }],
  ['a topOrigin', { topOrigin: 'https://evil.example' }],
  ['crossOrigin with a topOrigin', { crossOrigin: true, topOrigin: 'https://evil.example' }],
];

test('framed sign-in assertions (crossOrigin / topOrigin) are refused at approve and at direct verify; storage unchanged', async () => {
  const { auth, me } = await account();
  for (const [label, framing] of framings) {
    const before = await snapshot();
    const q = await signInAttempt();
    refused(
      await call(srv.url, '/api/auth/passkey/approve', {
        body: { pairingId: q.pairingId, response: auth.assert(q.options, framing) },
      }),
      400,
      'passkey_verification_failed',
    );
    const direct = await call<{ attemptId: string; options: AuthenticationOptionsJSON }>(
      srv.url,
      '/api/auth/passkey/options',
      { body: {} },
    );
    refused(
      await call(srv.url, '/api/auth/passkey/verify', {
        body: {
          attemptId: direct.body.attemptId,
          response: auth.assert(direct.body.options, framing),
        },
      }),
      400,
      'passkey_verification_failed',
    );
    assert.deepEqual(await snapshot(), before, `${label}: nothing stored`);
    // The refused approval spent nothing: the honest response still approves this attempt.
    const ok = await call(srv.url, '/api/auth/passkey/approve', {
      body: { pairingId: q.pairingId, response: auth.assert(q.options) },
    });
    assert.equal(ok.status, 200, `${label}: ${JSON.stringify(ok.body)}`);
  }
  const failed = await srv.context.db
    .selectFrom('activity')
    .selectAll()
    .where('user_id', '=', me.user.id)
    .where('type', '=', 'signin.failed')
    .execute();
  const reasons = failed.map((e) => (JSON.parse(e.details) as { reason: string }).reason);
  assert.equal(reasons.filter((r) => r === 'cross_origin').length, framings.length * 2);
});

test('framed registrations are refused at pairing/approve and at direct verify', async () => {
  const { email, cookie, auth } = await account();
  const token = await desktopOf(email);
  for (const [label, framing] of framings) {
    const before = await snapshot();
    const q = await addPasskeyAttempt(token);
    const o = await call<PasskeyPairingOptionsResponse>(srv.url, '/api/passkeys/pairing/options', {
      cookie,
      body: { pairingId: q.pairingId },
    });
    assert.equal(o.status, 200, JSON.stringify(o.body));
    refused(
      await call(srv.url, '/api/passkeys/pairing/approve', {
        cookie,
        body: { pairingId: q.pairingId, response: auth.register(o.body.options, framing) },
      }),
      400,
      'passkey_verification_failed',
    );
    const direct = await call<{ attemptId: string; options: RegistrationOptionsJSON }>(
      srv.url,
      '/api/passkeys/options',
      { cookie, body: {} },
    );
    refused(
      await call(srv.url, '/api/passkeys/verify', {
        cookie,
        body: {
          attemptId: direct.body.attemptId,
          response: auth.register(direct.body.options, framing),
        },
      }),
      400,
      'passkey_verification_failed',
    );
    assert.deepEqual(await snapshot(), before, `${label}: nothing stored`);
  }
});

test('approve: once per attempt, not after expiry, not on a pairing of the other kind', async () => {
  const { email, auth } = await account();
  const q = await signInAttempt();
  const first = await call(srv.url, '/api/auth/passkey/approve', {
    body: { pairingId: q.pairingId, response: auth.assert(q.options) },
  });
  assert.equal(first.status, 200);
  refused(
    await call(srv.url, '/api/auth/passkey/approve', {
      body: { pairingId: q.pairingId, response: auth.assert(q.options) },
    }),
    409,
    'already_approved',
  );

  const late = await signInAttempt();
  clock.advance(LOGIN_TIMEOUT_MS + 1);
  refused(
    await call(srv.url, '/api/auth/passkey/approve', {
      body: { pairingId: late.pairingId, response: auth.assert(late.options) },
    }),
    400,
    'challenge_expired',
  );
  refused(
    await call(srv.url, '/api/auth/passkey/redeem', { body: { attemptId: late.attemptId } }),
    400,
    'challenge_expired',
  );

  // A sign-in assertion cannot approve an add-passkey pairing (nor the reverse).
  const token = await desktopOf(email);
  const reg = await addPasskeyAttempt(token);
  refused(
    await call(srv.url, '/api/auth/passkey/approve', {
      body: { pairingId: reg.pairingId, response: auth.assert(q.options) },
    }),
    404,
    'pairing_not_found',
  );
});

test('add-passkey: the phone must be signed in to the same account; the server builds the options; redeem answers {passkey}', async () => {
  const owner = await account();
  const other = await account();
  const token = await desktopOf(owner.email);
  const q = await addPasskeyAttempt(token);
  const path = '/api/passkeys/pairing/options';

  refused(await call(srv.url, path, { body: { pairingId: q.pairingId } }), 401, 'unauthorized');
  // The desktop's own bearer is not a phone session.
  refused(
    await call(srv.url, path, { token, body: { pairingId: q.pairingId } }),
    401,
    'unauthorized',
  );
  const wrong = await call<Err>(srv.url, path, {
    cookie: other.cookie,
    body: { pairingId: q.pairingId },
  });
  refused(wrong, 403, 'wrong_account');
  assert.equal(JSON.stringify(wrong.body).includes(owner.email), false, 'neutral words');
  assert.equal(JSON.stringify(wrong.body).includes(owner.email.split('@')[0]!), false);
  // Nor may the other account approve with its own registration.
  const otherOpts = await call<{ attemptId: string; options: RegistrationOptionsJSON }>(
    srv.url,
    '/api/passkeys/options',
    { cookie: other.cookie, body: {} },
  );
  refused(
    await call(srv.url, '/api/passkeys/pairing/approve', {
      cookie: other.cookie,
      body: {
        pairingId: q.pairingId,
        response: other.auth.register({
          ...otherOpts.body.options,
          challenge: q.options.challenge,
        }),
      },
    }),
    403,
    'wrong_account',
  );

  const own = await call<PasskeyPairingOptionsResponse>(srv.url, path, {
    cookie: owner.cookie,
    body: { pairingId: q.pairingId },
  });
  assert.equal(own.status, 200, JSON.stringify(own.body));
  assert.deepEqual(own.body.account, { email: owner.email });
  assert.equal(own.body.options.challenge, q.options.challenge, "the desktop's attempt");
  assert.equal(own.body.options.user.id, owner.me.webauthnUserId);
  assert.deepEqual(
    own.body.options.excludeCredentials?.map((c) => c.id),
    owner.auth.credentials.map((c) => c.id.toString('base64url')),
  );

  // A credential id already registered (here: the owner's own) is refused.
  refused(
    await call(srv.url, '/api/passkeys/pairing/approve', {
      cookie: owner.cookie,
      body: {
        pairingId: q.pairingId,
        response: owner.auth.register(own.body.options, {
          credentialId: owner.auth.credentials[0]!.id,
        }),
      },
    }),
    409,
    'credential_already_registered',
  );
  owner.auth.credentials.pop();

  refused(
    await call(srv.url, '/api/passkeys/redeem', { token, body: { attemptId: q.attemptId } }),
    409,
    'not_approved',
  );
  const phone2 = new SoftAuthenticator(srv.phoneOrigin);
  const approved = await call(srv.url, '/api/passkeys/pairing/approve', {
    cookie: owner.cookie,
    body: { pairingId: q.pairingId, response: phone2.register(own.body.options) },
  });
  assert.deepEqual(approved.body, { approved: true });
  refused(
    await call(srv.url, '/api/passkeys/pairing/approve', {
      cookie: owner.cookie,
      body: { pairingId: q.pairingId, response: phone2.register(own.body.options) },
    }),
    409,
    'already_approved',
  );
  // Only the session that made the attempt redeems it; the phone's verify route refuses it.
  refused(
    await call(srv.url, '/api/passkeys/redeem', {
      cookie: owner.cookie,
      body: { attemptId: q.attemptId },
    }),
    400,
    'attempt_not_found',
  );
  refused(
    await call(srv.url, '/api/passkeys/verify', {
      token,
      body: { attemptId: q.attemptId, response: phone2.register(own.body.options) },
    }),
    400,
    'attempt_paired',
  );
  const redeemed = await call<{ passkey: { id: string; name: string; credentialId: string } }>(
    srv.url,
    '/api/passkeys/redeem',
    { token, body: { attemptId: q.attemptId } },
  );
  assert.equal(redeemed.status, 201, JSON.stringify(redeemed.body));
  assert.equal(redeemed.body.passkey.credentialId, phone2.credentials[0]!.id.toString('base64url'));
  assert.equal(typeof redeemed.body.passkey.name, 'string');
  refused(
    await call(srv.url, '/api/passkeys/redeem', { token, body: { attemptId: q.attemptId } }),
    400,
    'attempt_not_found',
  );
});
