/**
 * Recovery codes a person can copy by hand: no 0/o or 1/l/i look-alikes in what the server
 * issues over real HTTP, and a code issued in the old base36 format still signs in once.
 */
import { test, afterAll, beforeAll } from 'vitest';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/server';
import { ManualClock } from '../../server/util/clock';
import { totpCodeAt } from '../../server/totp/totp';
import { hashRecoveryCode, newRecoveryCode } from '../../server/totp/recovery-codes';
import { randomId } from '../../server/util/random';
import { call, PASSWORD, signUp } from '../support/http';

let srv: TestServer;
const clock = new ManualClock();
beforeAll(async () => {
  srv = await startTestServer({ clock });
});
afterAll(() => srv.close());

const LOOK_ALIKES = /[0o1li]/;

async function enrol(email: string) {
  const cookie = await signUp(srv.url, email);
  const setup = await call<{ secret: string }>(srv.url, '/api/2fa/totp/setup', {
    cookie,
    method: 'POST',
  });
  const confirm = await call<{ recoveryCodes: string[] }>(srv.url, '/api/2fa/totp/confirm', {
    cookie,
    body: { code: totpCodeAt(setup.body.secret, clock.now()) },
  });
  assert.equal(confirm.status, 200);
  return confirm.body.recoveryCodes;
}

test('issued recovery codes have no look-alike characters, and each still signs in once', async () => {
  const codes = await enrol('lookalikes@example.com');
  assert.equal(codes.length, 10);
  for (const c of codes) {
    assert.match(c, /^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/);
    assert.doesNotMatch(c, LOOK_ALIKES, c);
  }
  const signIn = (totp: string) =>
    call(srv.url, '/api/auth/password', {
      body: { email: 'lookalikes@example.com', password: PASSWORD, totp },
    });
  assert.equal((await signIn(codes[0]!)).status, 200);
  assert.equal((await signIn(codes[0]!)).status, 401, 'single use');
});

test('the generator never draws a look-alike (10 000 codes)', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 10_000; i++) {
    const c = newRecoveryCode();
    assert.doesNotMatch(c, LOOK_ALIKES, c);
    for (const ch of c.replace(/-/g, '')) seen.add(ch);
  }
  // Every symbol of the alphabet turns up: the draw covers it, nothing else.
  assert.equal(seen.size, 31);
});

test('a recovery code in the old format (with 0, 1, l, o, i) still signs in once', async () => {
  const email = 'oldcodes@example.com';
  await enrol(email);
  const user = await srv.context.accounts.byEmail(email);
  assert.ok(user);
  const old = 'l0o1-i0l1-ab9z';
  await srv.context.db
    .insertInto('recovery_codes')
    .values({ id: randomId(), user_id: user.id, code_hash: hashRecoveryCode(old), used_at: null })
    .execute();
  const signIn = () =>
    call<{ error?: { code: string } }>(srv.url, '/api/auth/password', {
      body: { email, password: PASSWORD, totp: old },
    });
  assert.equal((await signIn()).status, 200);
  const again = await signIn();
  assert.equal(again.body.error?.code, 'invalid_totp', 'and only once');
});
