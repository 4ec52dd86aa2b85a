/**
 * Passkey step-up (server/step-up/passkey-routes.ts) over real HTTP against a real server
 * (SQLite, argon2) with genuine WebAuthn bytes (soft authenticator); the relay's side of the
 * QR purpose `step-up` is played by test/server/fake-pairings.ts (the real relay and reverse
 * codes across networks run in test/e2e/step-up.test.ts). Attacks first fail, then the honest
 * person gets through.
 */
import { afterAll, beforeAll, test } from 'vitest';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../../support/server';
import { FLAG_UP, SoftAuthenticator } from '../../support/soft-authenticator';
import { ManualClock } from '../../../server/util/clock';
import type {
  ActivityListResponse,
  AuthenticationOptionsJSON,
  MeResponse,
  PasskeyListResponse,
  RegistrationOptionsJSON,
  StepUpResponse,
} from '../../../server/protocol/api';
import { STEP_UP_PASSKEY_TIMEOUT_MS } from '../../../server/step-up/passkey-routes';
import {
  call,
  desktopLogin,
  PASSWORD,
  sessionCookie,
  signUp,
  type Reply,
} from '../../support/http';
import { fakePairings, type FakePairings } from '../fake-pairings';

type Err = { error: { code: string; message: string } };
type Options = { attemptId: string; options: AuthenticationOptionsJSON };
type Auth = { token?: string; cookie?: string };

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
/** An account with one passkey on its phone; the sign-up's own (elevated) cookie is spent. */
async function account() {
  const email = `stepup${++n}@example.com`;
  const signUpCookie = await signUp(srv.url, email);
  const auth = new SoftAuthenticator(srv.phoneOrigin);
  const o = await call<{ attemptId: string; options: RegistrationOptionsJSON }>(
    srv.url,
    '/api/passkeys/options',
    { cookie: signUpCookie, body: {} },
  );
  const v = await call(srv.url, '/api/passkeys/verify', {
    cookie: signUpCookie,
    body: { attemptId: o.body.attemptId, response: auth.register(o.body.options) },
  });
  assert.equal(v.status, 201, JSON.stringify(v.body));
  return { email, auth };
}

/** A fresh, not elevated phone session of the account (passkey sign-in, cookie). */
async function phoneSession(auth: SoftAuthenticator): Promise<string> {
  const o = await call<Options>(srv.url, '/api/auth/passkey/options', { body: {} });
  const r = await call(srv.url, '/api/auth/passkey/verify', {
    body: { attemptId: o.body.attemptId, response: auth.assert(o.body.options) },
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return sessionCookie(r);
}

const me = async (who: Auth) => (await call<MeResponse>(srv.url, '/api/me', who)).body;
const activity = async (who: Auth) =>
  (await call<ActivityListResponse>(srv.url, '/api/activity', who)).body.events;

async function options(who: Auth, pairingId?: string) {
  const r = await call<Options>(srv.url, '/api/step-up/passkey/options', {
    ...who,
    body: pairingId ? { pairingId } : {},
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

test("the phone's own passkey step-up: only this account's passkeys allowed, UV required, then a passkey is deleted with no password typed", async () => {
  const { auth } = await account();
  const cookie = await phoneSession(auth);
  assert.equal((await me({ cookie })).elevatedUntil, null);
  const list = (await call<PasskeyListResponse>(srv.url, '/api/passkeys', { cookie })).body;
  const id = list.passkeys[0]!.id;
  refused(
    await call(srv.url, `/api/passkeys/${id}`, { cookie, method: 'DELETE' }),
    403,
    'step_up_required',
  );

  const o = await options({ cookie });
  assert.equal(o.options.userVerification, 'required');
  assert.deepEqual(
    o.options.allowCredentials?.map((c) => c.id),
    auth.credentials.map((c) => c.id.toString('base64url')),
  );
  const r = await call<StepUpResponse>(srv.url, '/api/step-up/passkey', {
    cookie,
    body: { attemptId: o.attemptId, response: auth.assert(o.options) },
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.method, 'passkey');
  const after = await me({ cookie });
  assert.equal(after.elevatedUntil, r.body.elevatedUntil);
  assert.equal(after.elevatedBy, 'passkey');
  const events = await activity({ cookie });
  const ok = events.find((e) => e.type === 'stepup.succeeded');
  assert.equal(ok?.details.method, 'passkey');
  assert.equal(ok?.details.passkeyId, id);

  const del = await call(srv.url, `/api/passkeys/${id}?acknowledgeLastPasskey=true`, {
    cookie,
    method: 'DELETE',
  });
  assert.equal(del.status, 200, JSON.stringify(del.body));
});

test('attack: an assertion by another account’s passkey is refused and recorded; the owner’s passkey then gets through', async () => {
  const victim = await account();
  const attacker = await account();
  const cookie = await phoneSession(victim.auth);
  const o = await options({ cookie });
  refused(
    await call(srv.url, '/api/step-up/passkey', {
      cookie,
      body: { attemptId: o.attemptId, response: attacker.auth.assert(o.options) },
    }),
    403,
    'wrong_account',
  );
  assert.equal((await me({ cookie })).elevatedUntil, null);
  const failed = (await activity({ cookie })).find((e) => e.type === 'stepup.failed');
  assert.equal(failed?.details.reason, 'wrong_account');
  // The refused try spent the challenge: a second try with it finds nothing.
  refused(
    await call(srv.url, '/api/step-up/passkey', {
      cookie,
      body: { attemptId: o.attemptId, response: victim.auth.assert(o.options) },
    }),
    400,
    'attempt_not_found',
  );
  const again = await options({ cookie });
  const r = await call(srv.url, '/api/step-up/passkey', {
    cookie,
    body: { attemptId: again.attemptId, response: victim.auth.assert(again.options) },
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
});

test('attack: a replayed assertion, another session’s attempt, a sign-in challenge and a response without user verification are all refused', async () => {
  const { auth, email } = await account();
  const cookie = await phoneSession(auth);
  const other = await desktopLogin(srv.url, email);

  const o = await options({ cookie });
  const response = auth.assert(o.options);
  // Another session of the same account cannot spend this session's attempt.
  refused(
    await call(srv.url, '/api/step-up/passkey', {
      token: other.accessToken,
      body: { attemptId: o.attemptId, response },
    }),
    400,
    'attempt_not_found',
  );
  assert.equal((await me({ token: other.accessToken })).elevatedUntil, null);
  const first = await call(srv.url, '/api/step-up/passkey', {
    cookie,
    body: { attemptId: o.attemptId, response },
  });
  assert.equal(first.status, 200, JSON.stringify(first.body));
  refused(
    await call(srv.url, '/api/step-up/passkey', {
      cookie,
      body: { attemptId: o.attemptId, response },
    }),
    400,
    'attempt_not_found',
  );

  // A response signed for a sign-in challenge does not confirm a step-up.
  const signIn = await call<Options>(srv.url, '/api/auth/passkey/options', { body: {} });
  const fresh = await options({ token: other.accessToken });
  refused(
    await call(srv.url, '/api/step-up/passkey', {
      token: other.accessToken,
      body: { attemptId: fresh.attemptId, response: auth.assert(signIn.body.options) },
    }),
    400,
    'passkey_verification_failed',
  );
  // User presence without verification (no fingerprint, face or PIN) is not enough.
  const noUv = await options({ token: other.accessToken });
  refused(
    await call(srv.url, '/api/step-up/passkey', {
      token: other.accessToken,
      body: { attemptId: noUv.attemptId, response: auth.assert(noUv.options, { flags: FLAG_UP }) },
    }),
    400,
    'passkey_verification_failed',
  );
  assert.equal((await me({ token: other.accessToken })).elevatedUntil, null);

  // Expired: the attempt outlives nothing.
  const late = await options({ token: other.accessToken });
  clock.advance(STEP_UP_PASSKEY_TIMEOUT_MS);
  refused(
    await call(srv.url, '/api/step-up/passkey', {
      token: other.accessToken,
      body: { attemptId: late.attemptId, response: auth.assert(late.options) },
    }),
    400,
    'challenge_expired',
  );
});

test('an account without passkeys is told to use the password; the options are for signed-in sessions only', async () => {
  const cookie = await signUp(srv.url, `nopasskey${++n}@example.com`);
  refused(
    await call(srv.url, '/api/step-up/passkey/options', { cookie, body: {} }),
    409,
    'no_passkeys',
  );
  refused(await call(srv.url, '/api/step-up/passkey/options', { body: {} }), 401, 'unauthorized');
});

test('desktop through the phone: approve on the pairing, redeem by the session that asked; pairing A cannot elevate via pairing B or another session', async () => {
  const { auth, email } = await account();
  const desktop = await desktopLogin(srv.url, email);
  const thief = await desktopLogin(srv.url, email);
  const token = desktop.accessToken;

  const pairingA = seam.newPairingId();
  const a = await options({ token }, pairingA);
  assert.ok(seam.links.includes(`${pairingA}:step-up:${a.attemptId}`));
  const pairingB = seam.newPairingId();
  const b = await options({ token: thief.accessToken }, pairingB);

  // A paired attempt is approved on the phone and redeemed, never verified in one step.
  refused(
    await call(srv.url, '/api/step-up/passkey', {
      token,
      body: { attemptId: a.attemptId, response: auth.assert(a.options) },
    }),
    400,
    'attempt_paired',
  );
  // The phone signs A's challenge but posts it on pairing B: B's attempt refuses it.
  refused(
    await call(srv.url, '/api/step-up/passkey/approve', {
      body: { pairingId: pairingB, response: auth.assert(a.options) },
    }),
    400,
    'passkey_verification_failed',
  );
  const approved = await call<{ approved: boolean; accountHint: string }>(
    srv.url,
    '/api/step-up/passkey/approve',
    { body: { pairingId: pairingA, response: auth.assert(a.options) } },
  );
  assert.equal(approved.status, 200, JSON.stringify(approved.body));
  assert.equal(approved.body.accountHint, `${email[0]}***@example.com`);
  refused(
    await call(srv.url, '/api/step-up/passkey/approve', {
      body: { pairingId: pairingA, response: auth.assert(a.options) },
    }),
    409,
    'already_approved',
  );

  // Another session (even of the same account) cannot collect A's approval.
  refused(
    await call(srv.url, '/api/step-up/passkey/redeem', {
      token: thief.accessToken,
      body: { attemptId: a.attemptId },
    }),
    400,
    'attempt_not_found',
  );
  refused(
    await call(srv.url, '/api/step-up/passkey/redeem', {
      token: thief.accessToken,
      body: { attemptId: b.attemptId },
    }),
    409,
    'not_approved',
  );
  assert.equal((await me({ token: thief.accessToken })).elevatedUntil, null);

  const r = await call<StepUpResponse>(srv.url, '/api/step-up/passkey/redeem', {
    token,
    body: { attemptId: a.attemptId },
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.method, 'passkey');
  assert.equal((await me({ token })).elevatedBy, 'passkey');
  refused(
    await call(srv.url, '/api/step-up/passkey/redeem', { token, body: { attemptId: a.attemptId } }),
    400,
    'attempt_not_found',
  );
});

test('desktop through the phone, across networks: no code or a wrong code elevates nothing, five wrong codes kill it, the right code gets through', async () => {
  const { auth, email } = await account();
  const { accessToken: token } = await desktopLogin(srv.url, email);
  const attempt = async () => {
    const pairingId = seam.newPairingId();
    const o = await options({ token }, pairingId);
    // What the relay does when the phone joins from another network.
    const code = await srv.context.stepUpAttempts.issueReverseCode(o.attemptId);
    const ok = await call(srv.url, '/api/step-up/passkey/approve', {
      body: { pairingId, response: auth.assert(o.options) },
    });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    return { ...o, code };
  };
  const redeem = (attemptId: string, reverseCode?: string) =>
    call(srv.url, '/api/step-up/passkey/redeem', {
      token,
      body: reverseCode ? { attemptId, reverseCode } : { attemptId },
    });

  const dead = await attempt();
  refused(await redeem(dead.attemptId), 400, 'reverse_code_required');
  const wrong = dead.code === '000000' ? '111111' : '000000';
  for (let i = 0; i < 4; i++)
    refused(await redeem(dead.attemptId, wrong), 400, 'reverse_code_invalid');
  refused(await redeem(dead.attemptId, wrong), 400, 'attempt_dead');
  refused(await redeem(dead.attemptId, dead.code), 400, 'attempt_dead');
  assert.equal((await me({ token })).elevatedUntil, null);

  const honest = await attempt();
  const r = await redeem(honest.attemptId, honest.code);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal((await me({ token })).elevatedBy, 'passkey');
});

test('forgotten password: after a passkey step-up a new one is set without the current one; after a password step-up it is still asked', async () => {
  const { auth, email } = await account();
  const { accessToken: token } = await desktopLogin(srv.url, email);
  const change = (body: Record<string, string>) =>
    call(srv.url, '/api/account/password', { token, body });

  const s = await call(srv.url, '/api/step-up', { token, body: { password: PASSWORD } });
  assert.equal(s.status, 200, JSON.stringify(s.body));
  assert.equal((await me({ token })).elevatedBy, 'password');
  refused(
    await change({ newPassword: 'a forgotten-proof passphrase' }),
    403,
    'current_password_required',
  );
  // With the current password it still works after a password step-up.
  const withCurrent = await change({
    currentPassword: PASSWORD,
    newPassword: 'first new passphrase 1',
  });
  assert.equal(withCurrent.status, 200, JSON.stringify(withCurrent.body));

  const cookie = await phoneSession(auth);
  const o = await options({ cookie });
  const up = await call(srv.url, '/api/step-up/passkey', {
    cookie,
    body: { attemptId: o.attemptId, response: auth.assert(o.options) },
  });
  assert.equal(up.status, 200, JSON.stringify(up.body));
  const reset = await call(srv.url, '/api/account/password', {
    cookie,
    body: { newPassword: 'second new passphrase 2' },
  });
  assert.equal(reset.status, 200, JSON.stringify(reset.body));
  const signIn = await call(srv.url, '/api/auth/password', {
    body: { email, password: 'second new passphrase 2', client: 'desktop' },
  });
  assert.equal(signIn.status, 200, JSON.stringify(signIn.body));
  const changes = (await activity({ cookie })).filter((e) => e.type === 'password.changed');
  assert.deepEqual(
    changes.map((e) => e.details.verifiedWith),
    ['passkey', 'current-password'],
  );
});

test('rate-limited like the password step-up: after five refused passkeys from one network the next try waits, the password shares the count, and the wait ends', async () => {
  const victim = await account();
  const stranger = await account();
  const cookie = await phoneSession(victim.auth);
  for (let i = 0; i < 5; i++) {
    const o = await options({ cookie });
    refused(
      await call(srv.url, '/api/step-up/passkey', {
        cookie,
        body: { attemptId: o.attemptId, response: stranger.auth.assert(o.options) },
      }),
      403,
      'wrong_account',
    );
  }
  refused(
    await call(srv.url, '/api/step-up/passkey/options', { cookie, body: {} }),
    429,
    'rate_limited',
  );
  refused(
    await call(srv.url, '/api/step-up', { cookie, body: { password: PASSWORD } }),
    429,
    'rate_limited',
  );
  clock.advance(60_000);
  const o = await options({ cookie });
  const r = await call(srv.url, '/api/step-up/passkey', {
    cookie,
    body: { attemptId: o.attemptId, response: victim.auth.assert(o.options) },
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
});
