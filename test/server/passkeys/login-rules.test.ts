/**
 * Passkey sign-in rules (server/passkeys/login-routes.ts) over real HTTP with genuine WebAuthn
 * bytes from the software authenticator (issue 12): a challenge is spent by the first verify,
 * whatever its outcome, so an assertion cannot sign in twice and a refused one cannot be
 * retried on the same attempt; an unlinked challenge lives 90 s; the backup state stored for a
 * passkey is the one its latest assertion reported.
 */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, test } from 'vitest';
import type {
  AuthenticationOptionsJSON,
  RegistrationOptionsJSON,
} from '../../../server/protocol/api';
import { ManualClock } from '../../../server/util/clock';
import { startTestServer, type TestServer } from '../../support/server';
import {
  FLAG_BE,
  FLAG_BS,
  FLAG_UP,
  FLAG_UV,
  SoftAuthenticator,
  type SoftAuthenticatorOptions,
} from '../../support/soft-authenticator';
import { call, signUp } from '../../support/http';

type Err = { error: { code: string } };
type Session = { accessToken?: string; user?: { email: string } };

let srv: TestServer;
const clock = new ManualClock();
beforeAll(async () => {
  srv = await startTestServer({ clock });
});
afterAll(() => srv.close());

let n = 0;
async function accountWithPasskey(opts: SoftAuthenticatorOptions = {}) {
  const email = `login-rules-${++n}@example.com`;
  const cookie = await signUp(srv.url, email);
  const auth = new SoftAuthenticator(srv.phoneOrigin, opts);
  const o = await call<{ attemptId: string; options: RegistrationOptionsJSON }>(
    srv.url,
    '/api/passkeys/options',
    { cookie, body: {} },
  );
  const r = await call<{ id: string }>(srv.url, '/api/passkeys/verify', {
    cookie,
    body: { attemptId: o.body.attemptId, response: auth.register(o.body.options) },
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return { email, cookie, auth, passkeyId: r.body.id };
}

async function loginOptions() {
  const r = await call<{ attemptId: string; options: AuthenticationOptionsJSON }>(
    srv.url,
    '/api/auth/passkey/options',
    { body: {} },
  );
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

const verify = (attemptId: string, response: unknown) =>
  call<Session & Err>(srv.url, '/api/auth/passkey/verify', {
    body: { attemptId, response },
  });

const sessionCount = async () =>
  (await srv.context.db.selectFrom('sessions').select('id').execute()).length;

test('an assertion signs in once: the same attempt and response again is refused, no second session', async () => {
  const { auth, email } = await accountWithPasskey();
  const o = await loginOptions();
  const response = auth.assert(o.options);
  const first = await verify(o.attemptId, response);
  assert.equal(first.status, 200, JSON.stringify(first.body));
  assert.equal(first.body.user?.email, email);
  const sessions = await sessionCount();
  const again = await verify(o.attemptId, response);
  assert.equal(again.status, 400);
  assert.equal(again.body.error.code, 'attempt_not_found');
  assert.equal(await sessionCount(), sessions, 'no session from the replay');
  // Nor under a fresh attempt: the response is signed over the old challenge.
  const fresh = await loginOptions();
  const moved = await verify(fresh.attemptId, response);
  assert.equal(moved.status, 400);
  assert.equal(moved.body.error.code, 'passkey_verification_failed');
  assert.equal(await sessionCount(), sessions);
});

test('a refused verify spends the challenge too: a good response on that attempt is refused after', async () => {
  const { auth } = await accountWithPasskey();
  const o = await loginOptions();
  const bad = await verify(o.attemptId, auth.assert(o.options, { tamperSignature: true }));
  assert.equal(bad.body.error.code, 'passkey_verification_failed');
  const good = await verify(o.attemptId, auth.assert(o.options));
  assert.equal(good.status, 400, 'the challenge was taken by the first try');
  assert.equal(good.body.error.code, 'attempt_not_found');
  // The honest user starts again and gets in.
  const next = await loginOptions();
  assert.equal((await verify(next.attemptId, auth.assert(next.options))).status, 200);
});

test('an unlinked sign-in challenge lives 90 seconds, and an expired one is spent as well', async () => {
  const { auth } = await accountWithPasskey();
  const o = await loginOptions();
  clock.advance(90_000 + 1000);
  const late = await verify(o.attemptId, auth.assert(o.options));
  assert.equal(late.status, 400);
  assert.equal(late.body.error.code, 'challenge_expired');
  assert.equal(
    (await verify(o.attemptId, auth.assert(o.options))).body.error.code,
    'attempt_not_found',
  );
  const inTime = await loginOptions();
  clock.advance(80_000);
  assert.equal((await verify(inTime.attemptId, auth.assert(inTime.options))).status, 200);
});

test('the backup state stored is what the latest assertion reported, both ways', async () => {
  const { auth, passkeyId } = await accountWithPasskey({ backupEligible: true, backedUp: false });
  const stored = async () =>
    (
      await srv.context.db
        .selectFrom('passkeys')
        .select('backed_up')
        .where('id', '=', passkeyId)
        .executeTakeFirstOrThrow()
    ).backed_up;
  assert.equal(await stored(), 0, 'registered not backed up');
  let o = await loginOptions();
  const synced = auth.assert(o.options, { flags: FLAG_UP | FLAG_UV | FLAG_BE | FLAG_BS });
  assert.equal((await verify(o.attemptId, synced)).status, 200);
  assert.equal(await stored(), 1, 'backed up since');
  o = await loginOptions();
  const notSynced = auth.assert(o.options, { flags: FLAG_UP | FLAG_UV | FLAG_BE });
  assert.equal((await verify(o.attemptId, notSynced)).status, 200);
  assert.equal(await stored(), 0, 'no longer backed up: not recorded as backed up anyway');
});

test('a device-bound passkey is stored as not backed up, and its sign-ins keep it so', async () => {
  const { auth, passkeyId } = await accountWithPasskey();
  const o = await loginOptions();
  assert.equal((await verify(o.attemptId, auth.assert(o.options))).status, 200);
  const row = await srv.context.db
    .selectFrom('passkeys')
    .select(['backed_up', 'backup_eligible'])
    .where('id', '=', passkeyId)
    .executeTakeFirstOrThrow();
  assert.deepEqual(row, { backed_up: 0, backup_eligible: 0 });
});

type Refusal = { error: { code: string; message: string } };
const refusal = async (
  r: Promise<{ status: number; body: unknown }>,
  status: number,
  code: string,
) => {
  const { status: got, body } = await r;
  assert.equal(got, status, JSON.stringify(body));
  const { error } = body as Refusal;
  assert.equal(error.code, code);
  // Said in words the phone page shows as they are: what happened and what to do.
  assert.match(error.message, /^(The|This) .{15,}\.$/, error.message);
};

test('every refusal says in words what went wrong and what to do next', async () => {
  const { auth } = await accountWithPasskey();
  let o = await loginOptions();
  const otherId = o.attemptId.slice(0, -1) + (o.attemptId.endsWith('A') ? 'B' : 'A');
  await refusal(verify(otherId, auth.assert(o.options)), 400, 'attempt_not_found');
  // 90 s after the options the challenge is over.
  o = await loginOptions();
  clock.advance(90_000);
  await refusal(verify(o.attemptId, auth.assert(o.options)), 400, 'challenge_expired');
  o = await loginOptions();
  const unknown = {
    ...auth.assert(o.options),
    id: 'AAAAAAAAAAAAAAAAAAAAAA',
    rawId: 'AAAAAAAAAAAAAAAAAAAAAA',
  };
  await refusal(verify(o.attemptId, unknown), 400, 'passkey_unknown');
  o = await loginOptions();
  const signed = auth.assert(o.options);
  const otherHandle = {
    ...signed,
    response: { ...signed.response, userHandle: 'c29tZW9uZS1lbHNl' },
  };
  await refusal(verify(o.attemptId, otherHandle), 400, 'passkey_verification_failed');
  await refusal(
    call(srv.url, '/api/auth/passkey/options', { body: { pairingId: 'A'.repeat(22) } }),
    404,
    'pairing_not_found',
  );
});

async function userIdOf(email: string) {
  return (
    await srv.context.db
      .selectFrom('users')
      .select('id')
      .where('email', '=', email)
      .executeTakeFirstOrThrow()
  ).id;
}

async function activityOf(userId: string) {
  return (
    await srv.context.db
      .selectFrom('activity')
      .select(['type', 'details'])
      .where('user_id', '=', userId)
      .orderBy('seq')
      .execute()
  ).map((a) => ({ type: a.type, details: JSON.parse(a.details) as Record<string, unknown> }));
}

test('a passkey sign-in makes a passkey session naming the passkey, and no counter warning', async () => {
  const { email, auth, passkeyId } = await accountWithPasskey();
  const userId = await userIdOf(email);
  const o = await loginOptions();
  assert.equal((await verify(o.attemptId, auth.assert(o.options))).status, 200);
  const session = await srv.context.db
    .selectFrom('sessions')
    .select(['method', 'passkey_id'])
    .where('user_id', '=', userId)
    .orderBy('created_at', 'desc')
    .executeTakeFirstOrThrow();
  assert.deepEqual(session, { method: 'passkey', passkey_id: passkeyId });
  const types = (await activityOf(userId)).map((a) => a.type);
  assert.ok(!types.includes('passkey.counter_warning'), types.join());
});

test('counters going back: a device-bound passkey is refused and the reason recorded; a synced one warns', async () => {
  {
    const { email, auth } = await accountWithPasskey();
    const userId = await userIdOf(email);
    let o = await loginOptions();
    assert.equal((await verify(o.attemptId, auth.assert(o.options, { counter: 10 }))).status, 200);
    o = await loginOptions();
    await refusal(
      verify(o.attemptId, auth.assert(o.options, { counter: 3 })),
      400,
      'passkey_verification_failed',
    );
    const failed = (await activityOf(userId)).filter((a) => a.type === 'signin.failed');
    assert.equal(failed.length, 1);
    assert.equal(failed[0]?.details.reason, 'counter_regressed');
    assert.equal(failed[0]?.details.method, 'passkey');
  }
  {
    const { email, auth } = await accountWithPasskey({ backupEligible: true, backedUp: true });
    const userId = await userIdOf(email);
    let o = await loginOptions();
    assert.equal((await verify(o.attemptId, auth.assert(o.options, { counter: 10 }))).status, 200);
    o = await loginOptions();
    assert.equal((await verify(o.attemptId, auth.assert(o.options, { counter: 3 }))).status, 200);
    const warnings = (await activityOf(userId)).filter((a) => a.type === 'passkey.counter_warning');
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]?.details.storedCounter, 10);
    assert.equal(warnings[0]?.details.seenCounter, 3);
  }
});
