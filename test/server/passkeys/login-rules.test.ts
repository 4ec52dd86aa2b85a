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
