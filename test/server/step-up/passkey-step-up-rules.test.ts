/**
 * Passkey step-up rules (server/step-up/passkey-routes.ts) over real HTTP against a real server
 * (SQLite, argon2) with genuine WebAuthn bytes, time frozen so the edges are exact (issue 12):
 * the phone's own attempt lives 90 s and a QR one 3 minutes, each spent once; the elevation
 * lasts exactly five minutes and is recorded with the passkey that gave it; refusals elevate
 * nothing and count against the step-up limit the password shares (an unknown passkey proves
 * nothing and does not count); while the limit holds nothing completes; a success clears the
 * account's count. The relay's side of the QR purpose is test/server/fake-pairings.ts, engaged
 * only where a test pairs: elsewhere the server's own link refuses every pairing.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, test } from 'vitest';
import type {
  ActivityListResponse,
  AuthenticationOptionsJSON,
  AuthenticationResponseJSON,
  MeResponse,
  PasskeyListResponse,
  RegistrationOptionsJSON,
  SessionListResponse,
  StepUpResponse,
} from '../../../server/protocol/api';
import { STEP_UP_WINDOW_MS } from '../../../server/http/request-helpers';
import type { MemoryStepUpAttemptStore } from '../../../server/passkeys/attempt-stores';
import { FrozenClock } from '../../support/frozen-clock';
import { startTestServer, type TestServer } from '../../support/server';
import { FLAG_UP, SoftAuthenticator } from '../../support/soft-authenticator';
import {
  assertRefused,
  call,
  desktopLogin,
  PASSWORD,
  sessionCookie,
  signUp,
} from '../../support/http';
import { fakePairings, type FakePairings } from '../fake-pairings';

type Options = { attemptId: string; options: AuthenticationOptionsJSON };
type Auth = { token?: string; cookie?: string };

/** The account-wide ceiling binds first: the per-subnet delay is set out of the way. */
const CEILING = 4;
// Shorter than the 15-minute access token, so a session outlives a wait.
const WINDOW_S = 10 * 60;
const DIRECT_MS = 90_000;
const PAIRED_MS = 3 * 60_000;

let srv: TestServer;
const seam: FakePairings = fakePairings();
const clock = new FrozenClock();
beforeAll(async () => {
  srv = await startTestServer({
    clock,
    seams: { pairingLink: seam.wrap },
    rateLimits: {
      perAccount: { max: CEILING, windowSeconds: WINDOW_S },
      perAccountAndSubnet: {
        freeFailures: 1000,
        firstDelaySeconds: 1,
        maxDelaySeconds: 1,
        windowSeconds: 60,
      },
      perIp: { max: 10_000, windowSeconds: 60 },
      passkeyOptionsPerIp: { max: 10_000, windowSeconds: 60 },
    },
  });
});
afterAll(async () => {
  seam.restore();
  await srv.close();
});

/** Runs `f` with the relay's side played by the test (every pairing linked and joined). */
async function paired<T>(f: () => Promise<T>): Promise<T> {
  seam.engage();
  try {
    return await f();
  } finally {
    seam.restore();
  }
}

const refused = assertRefused;

let n = 0;
/** An account with one passkey, and the sign-up's session (elevated for its first minutes). */
async function account() {
  const email = `passkey-step-up-rules-${++n}@example.com`;
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
  const list = await call<PasskeyListResponse>(srv.url, '/api/passkeys', { cookie: signUpCookie });
  const passkey = list.body.passkeys[0]!;
  return { email, auth, passkey, cookie: signUpCookie };
}

/** A fresh, not elevated phone session (passkey sign-in, cookie) and its id. */
async function phoneSession(auth: SoftAuthenticator) {
  const o = await call<Options>(srv.url, '/api/auth/passkey/options', { body: {} });
  const r = await call(srv.url, '/api/auth/passkey/verify', {
    body: { attemptId: o.body.attemptId, response: auth.assert(o.body.options) },
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const cookie = sessionCookie(r);
  const sessions = await call<SessionListResponse>(srv.url, '/api/sessions', { cookie });
  const sessionId = sessions.body.sessions.find((s) => s.current)!.id;
  return { cookie, sessionId };
}

const me = async (who: Auth) => (await call<MeResponse>(srv.url, '/api/me', who)).body;
const events = async (who: Auth, type: string) =>
  (await call<ActivityListResponse>(srv.url, '/api/activity', who)).body.events.filter(
    (e) => e.type === type,
  );
const lastUsed = async (who: Auth, id: string) =>
  (await call<PasskeyListResponse>(srv.url, '/api/passkeys', who)).body.passkeys.find(
    (p) => p.id === id,
  )?.lastUsedAt;
/** A guarded action: asking to add a passkey needs an elevated session. */
const guarded = (who: Auth) => call(srv.url, '/api/passkeys/options', { ...who, body: {} });
const liveAttempts = () => (srv.context.stepUpAttempts as MemoryStepUpAttemptStore).map.size;

async function options(who: Auth, pairingId?: string) {
  const r = await call<Options>(srv.url, '/api/step-up/passkey/options', {
    ...who,
    body: pairingId ? { pairingId } : {},
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}
const verify = (who: Auth, attemptId: string, response: unknown) =>
  call<StepUpResponse>(srv.url, '/api/step-up/passkey', { ...who, body: { attemptId, response } });
const approve = (pairingId: string, response: unknown) =>
  call<{ approved: boolean; accountHint: string }>(srv.url, '/api/step-up/passkey/approve', {
    body: { pairingId, response },
  });
const redeem = (who: Auth, attemptId: string) =>
  call<StepUpResponse>(srv.url, '/api/step-up/passkey/redeem', { ...who, body: { attemptId } });
/** The same response under a credential id this server never registered. */
const unknownPasskey = (r: AuthenticationResponseJSON) => {
  const id = randomBytes(16).toString('base64url');
  return { ...r, id, rawId: id };
};
const wrongPassword = (who: Auth, i: number) =>
  call(srv.url, '/api/step-up', { ...who, body: { password: `not the password ${i}` } });

test("the phone's own attempt lives exactly 90 seconds and is spent by its first use, even expired; no pairing is involved", async () => {
  const { auth } = await account();
  const { cookie } = await phoneSession(auth);

  const late = await options({ cookie });
  clock.advance(DIRECT_MS);
  refused(
    await verify({ cookie }, late.attemptId, auth.assert(late.options)),
    400,
    'challenge_expired',
    /timed out/,
  );
  refused(
    await verify({ cookie }, late.attemptId, auth.assert(late.options)),
    400,
    'attempt_not_found',
    /Start again/,
  );
  assert.equal((await me({ cookie })).elevatedUntil, null);

  // Asked with no body at all, as the phone's own step-up may; the server's link refuses
  // every pairing here, so an attempt that works was linked to none.
  const r = await call<Options>(srv.url, '/api/step-up/passkey/options', {
    cookie,
    method: 'POST',
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  clock.advance(DIRECT_MS - 1);
  const ok = await verify({ cookie }, r.body.attemptId, auth.assert(r.body.options));
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  refused(
    await verify({ cookie }, r.body.attemptId, auth.assert(r.body.options)),
    400,
    'attempt_not_found',
  );
});

test('a passkey step-up elevates the session for exactly five minutes, recorded with its passkey, and the passkey shows the use', async () => {
  const { auth, passkey } = await account();
  clock.advance(1000);
  const { cookie, sessionId } = await phoneSession(auth);
  clock.advance(1000);
  const o = await options({ cookie });
  const at = clock.now();
  const r = await verify({ cookie }, o.attemptId, auth.assert(o.options));
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body, {
    elevatedUntil: new Date(at + STEP_UP_WINDOW_MS).toISOString(),
    method: 'passkey',
  });
  const now = await me({ cookie });
  assert.equal(now.elevatedUntil, r.body.elevatedUntil);
  assert.equal(now.elevatedBy, 'passkey');
  assert.equal(await lastUsed({ cookie }, passkey.id), new Date(at).toISOString());
  const ok = await events({ cookie }, 'stepup.succeeded');
  assert.deepEqual(
    ok.map((e) => e.details),
    [{ sessionId, method: 'passkey', passkeyId: passkey.id, passkeyName: passkey.name }],
  );

  clock.advance(STEP_UP_WINDOW_MS - 1);
  assert.equal((await guarded({ cookie })).status, 200, 'the last millisecond still counts');
  clock.advance(1);
  refused(await guarded({ cookie }), 403, 'step_up_required');
});

test('through the phone: a QR attempt lives exactly three minutes; the approval is recorded on the passkey and the elevation names it', async () => {
  const { auth, email, passkey } = await account();
  const desktop = await desktopLogin(srv.url, email);
  const token = desktop.accessToken;
  await paired(async () => {
    const lateId = seam.newPairingId();
    const late = await options({ token }, lateId);
    const inTimeId = seam.newPairingId();
    const inTime = await options({ token }, inTimeId);
    clock.advance(PAIRED_MS - 1);
    const at = clock.now();
    const ok = await approve(inTimeId, auth.assert(inTime.options));
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.deepEqual(ok.body, { approved: true, accountHint: `${email[0]}***@example.com` });
    assert.equal(await lastUsed({ token }, passkey.id), new Date(at).toISOString());
    const r = await redeem({ token }, inTime.attemptId);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body, {
      elevatedUntil: new Date(at + STEP_UP_WINDOW_MS).toISOString(),
      method: 'passkey',
    });
    assert.equal((await me({ token })).elevatedBy, 'passkey');
    clock.advance(1);
    refused(await approve(lateId, auth.assert(late.options)), 400, 'challenge_expired');

    const done = await events({ token }, 'stepup.succeeded');
    assert.deepEqual(
      done.map((e) => e.details),
      [
        {
          sessionId: desktop.sessionId,
          method: 'passkey',
          passkeyId: passkey.id,
          passkeyName: passkey.name,
        },
      ],
    );
  });
});

test('a QR step-up on a pairing the relay does not know is refused and leaves no attempt behind', async () => {
  const { email } = await account();
  const { accessToken: token } = await desktopLogin(srv.url, email);
  const before = liveAttempts();
  refused(
    await call(srv.url, '/api/step-up/passkey/options', {
      token,
      body: { pairingId: seam.newPairingId() },
    }),
    404,
    'pairing_not_found',
    /QR code/,
  );
  assert.equal(liveAttempts(), before);
});

test("another account's passkey is refused on the phone and at the QR approve: recorded for the session that asked, that passkey unused, nothing elevated", async () => {
  const victim = await account();
  const attacker = await account();
  const { cookie, sessionId } = await phoneSession(victim.auth);
  const attackerLastUse = await lastUsed(attacker, attacker.passkey.id);
  clock.advance(1000);

  const o = await options({ cookie });
  refused(
    await verify({ cookie }, o.attemptId, attacker.auth.assert(o.options)),
    403,
    'wrong_account',
    /different account/,
  );
  const { accessToken: token, sessionId: desktopSession } = await desktopLogin(
    srv.url,
    victim.email,
  );
  await paired(async () => {
    const pairingId = seam.newPairingId();
    const q = await options({ token }, pairingId);
    refused(await approve(pairingId, attacker.auth.assert(q.options)), 403, 'wrong_account');
    refused(await redeem({ token }, q.attemptId), 409, 'not_approved');
  });
  assert.equal((await me({ cookie })).elevatedUntil, null);
  assert.equal((await me({ token })).elevatedUntil, null);
  assert.deepEqual(
    (await events({ cookie }, 'stepup.failed')).map((e) => e.details),
    [
      { method: 'passkey', reason: 'wrong_account', sessionId: desktopSession },
      { method: 'passkey', reason: 'wrong_account', sessionId },
    ],
  );
  // Nothing was written for the other account or its passkey.
  assert.equal(await lastUsed(attacker, attacker.passkey.id), attackerLastUse);
  assert.equal((await events(attacker, 'stepup.failed')).length, 0);
});

test('a refused assertion is a step-up failure, counted with the password ones; an unknown passkey is refused as unknown and not counted', async () => {
  const { auth, passkey } = await account();
  const { cookie } = await phoneSession(auth);

  for (let i = 0; i < CEILING + 1; i++) {
    const o = await options({ cookie });
    refused(
      await verify({ cookie }, o.attemptId, unknownPasskey(auth.assert(o.options))),
      400,
      'passkey_unknown',
    );
  }
  for (let i = 0; i < CEILING - 1; i++) {
    const o = await options({ cookie });
    refused(
      await verify({ cookie }, o.attemptId, auth.assert(o.options, { flags: FLAG_UP })),
      400,
      'passkey_verification_failed',
    );
  }
  const failed = await events({ cookie }, 'stepup.failed');
  assert.equal(failed.length, CEILING - 1);
  assert.equal(failed[0]?.details.method, 'passkey');
  assert.equal(failed[0]?.details.passkeyId, passkey.id);
  assert.equal((await events({ cookie }, 'signin.failed')).length, 0, 'not a sign-in failure');

  refused(await wrongPassword({ cookie }, 0), 403, 'invalid_credentials');
  refused(
    await call(srv.url, '/api/step-up/passkey/options', { cookie, body: {} }),
    429,
    'rate_limited',
  );
  assert.equal((await me({ cookie })).elevatedUntil, null);
});

test('while the limit holds nothing completes: the right passkey on the phone and a QR approval wait, and nothing is elevated or approved', async () => {
  const { auth, email } = await account();
  const { cookie } = await phoneSession(auth);
  const { accessToken: token } = await desktopLogin(srv.url, email);
  await paired(async () => {
    const direct = await options({ cookie });
    const pairingId = seam.newPairingId();
    const q = await options({ token }, pairingId);
    for (let i = 0; i < CEILING; i++)
      refused(await wrongPassword({ token }, i), 403, 'invalid_credentials');

    refused(
      await verify({ cookie }, direct.attemptId, auth.assert(direct.options)),
      429,
      'rate_limited',
    );
    refused(await approve(pairingId, auth.assert(q.options)), 429, 'rate_limited');
    refused(await redeem({ token }, q.attemptId), 409, 'not_approved');
  });
  assert.equal((await me({ cookie })).elevatedUntil, null);
  assert.equal((await me({ token })).elevatedUntil, null);
});

test("a passkey step-up, on the phone or through it, clears the account's count like the password does", async () => {
  const { auth, email } = await account();
  const { cookie } = await phoneSession(auth);
  const { accessToken: token } = await desktopLogin(srv.url, email);
  const almost = async () => {
    for (let i = 0; i < CEILING - 1; i++)
      refused(await wrongPassword({ token }, i), 403, 'invalid_credentials');
  };

  await almost();
  const o = await options({ cookie });
  assert.equal((await verify({ cookie }, o.attemptId, auth.assert(o.options))).status, 200);

  await almost();
  await paired(async () => {
    const pairingId = seam.newPairingId();
    const q = await options({ token }, pairingId);
    assert.equal((await approve(pairingId, auth.assert(q.options))).status, 200);
    assert.equal((await redeem({ token }, q.attemptId)).status, 200);
  });

  await almost();
  const last = await call(srv.url, '/api/step-up', { token, body: { password: PASSWORD } });
  assert.equal(last.status, 200, JSON.stringify(last.body));
});

test('an attempt id nobody was given is refused as unknown, and a signed-out caller gets 401', async () => {
  const { auth } = await account();
  const { cookie } = await phoneSession(auth);
  const o = await options({ cookie });
  refused(
    await verify({ cookie }, randomBytes(16).toString('base64url'), auth.assert(o.options)),
    400,
    'attempt_not_found',
  );
  refused(await verify({}, o.attemptId, auth.assert(o.options)), 401, 'unauthorized');
  // Neither spent the real attempt.
  assert.equal((await verify({ cookie }, o.attemptId, auth.assert(o.options))).status, 200);
});

test('an account without a passkey is pointed to its password and no attempt is made', async () => {
  const cookie = await signUp(srv.url, `no-passkey-${++n}@example.com`);
  const before = liveAttempts();
  refused(
    await call(srv.url, '/api/step-up/passkey/options', { cookie, body: {} }),
    409,
    'no_passkeys',
    /password/,
  );
  assert.equal(liveAttempts(), before);
});
