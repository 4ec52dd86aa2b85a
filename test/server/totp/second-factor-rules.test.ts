/**
 * The second-factor check (server/totp/second-factor.ts) as rules a wrong change would break
 * (issue 12): an account without TOTP passes no code; a wrong code is refused even on an
 * account that has never used one (no last step stored yet); a TOTP code passes once, also
 * when two requests read the account before either stored the step (the conditional update
 * decides, not the stale row).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'vitest';
import { ActivityLog } from '../../../server/activity/activity-log';
import { AccountStore } from '../../../server/accounts/account-store';
import { openDatabase } from '../../../server/db/database';
import { SecretBox } from '../../../server/secrets/secret-box';
import { SecondFactor } from '../../../server/totp/second-factor';
import { newTotpSecret, totpCodeAt } from '../../../server/totp/totp';
import { TotpSecrets } from '../../../server/totp/totp-secrets';
import { ManualClock } from '../../../server/util/clock';

const meta = { ip: '127.0.0.1', userAgent: null };

async function setup(t: TestContext) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keybridge-2fa-'));
  const db = await openDatabase(dir);
  t.onTestFinished(async () => {
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const clock = new ManualClock();
  const secrets = new TotpSecrets(new SecretBox(Buffer.alloc(32, 9)));
  const factor = new SecondFactor(db, new ActivityLog(db, clock), secrets);
  const user = await new AccountStore(db).create('f@example.com', 'x', clock.now());
  assert.ok(user);
  const secret = newTotpSecret();
  await db
    .updateTable('users')
    .set({ totp_secret: secrets.seal(user.id, secret), totp_last_step: null })
    .where('id', '=', user.id)
    .execute();
  const row = async () =>
    db.selectFrom('users').selectAll().where('id', '=', user.id).executeTakeFirstOrThrow();
  return { db, clock, factor, secret, row, plain: user };
}

test('an account without TOTP passes no code at all', async (t) => {
  const { factor, plain } = await setup(t);
  assert.equal(plain.totp_secret, null);
  assert.equal(await factor.verify(plain, '123456', Date.now(), meta), false);
  assert.equal(await factor.verify(plain, 'abcd-efgh-jkmn', Date.now(), meta), false);
});

test('a wrong code is refused on an account that never used one, and changes nothing', async (t) => {
  const { factor, secret, row } = await setup(t);
  const now = Date.now();
  const user = await row();
  assert.equal(user.totp_last_step, null);
  const right = totpCodeAt(secret, now);
  const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, '0');
  assert.equal(await factor.verify(user, wrong, now, meta), false);
  assert.deepEqual(await row(), user);
  assert.equal(await factor.verify(user, right, now, meta), true, 'the right one passes');
});

test('a code passes once, even for two requests that read the account before either stored it', async (t) => {
  const { factor, secret, row } = await setup(t);
  const now = Date.now();
  const stale = await row();
  const code = totpCodeAt(secret, now);
  assert.equal(await factor.verify(stale, code, now, meta), true);
  assert.equal(await factor.verify(stale, code, now, meta), false, 'the same code again');
  assert.equal(await factor.verify(await row(), code, now, meta), false);
});
