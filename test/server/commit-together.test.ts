/**
 * server/db/commit-together.ts on a real SQLite file: a sign-in's writes (passkey counter,
 * session, refresh token, activity entry) are stored together, and when any of them fails
 * none is kept; other queries waiting meanwhile still run after it.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, test } from 'vitest';
import { openDatabase, type Db } from '../../server/db/database';
import { commitTogether, type CommitTogether } from '../../server/db/commit-together';
import { AccountStore } from '../../server/accounts/account-store';
import { ActivityLog } from '../../server/activity/activity-log';
import { PasskeyStore } from '../../server/passkeys/passkey-store';
import { SessionStore } from '../../server/sessions/session-store';
import { systemClock } from '../../server/util/clock';

let dir: string;
let db: Db;
let together: CommitTogether;
let passkeys: PasskeyStore;
let userId: string;

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kb-together-'));
  db = await openDatabase(dir);
  const user = await new AccountStore(db).create('ann@example.com', 'x', Date.now());
  assert.ok(user);
  userId = user.id;
  passkeys = new PasskeyStore(db);
  await passkeys.insert({
    id: 'pk1',
    user_id: userId,
    credential_id: 'cred1',
    public_key: 'AA',
    counter: 1,
    transports: '[]',
    aaguid: '',
    backup_eligible: 0,
    backed_up: 0,
    uv_initialized: 1,
    name: 'Phone',
    created_at: Date.now(),
    last_used_at: null,
  });
  together = commitTogether(db, {
    sessions: new SessionStore(db, systemClock),
    activity: new ActivityLog(db, systemClock),
    passkeys,
  });
});

afterEach(async () => {
  await db.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

const newSession = () => ({
  userId,
  client: 'desktop' as const,
  device: 'Keybridge desktop',
  method: 'passkey' as const,
  passkeyId: 'pk1',
  ip: '127.0.0.1',
  userAgent: null,
});
const count = async (table: 'sessions' | 'refresh_tokens' | 'activity') =>
  Number(
    (
      await db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

test('every write of the unit is stored', async () => {
  const issued = await together(async (s) => {
    await s.passkeys.recordUse('pk1', 2, false, Date.now());
    const made = await s.sessions.create(newSession());
    await s.activity.record(userId, 'signin.succeeded', null, { method: 'passkey' });
    return made;
  });
  assert.equal(issued.kind, 'desktop');
  assert.equal(await count('sessions'), 1);
  assert.equal(await count('refresh_tokens'), 1);
  assert.equal(await count('activity'), 1);
  assert.equal((await passkeys.byCredentialId('cred1'))?.counter, 2);
});

test('one failing write undoes the others: no session, no refresh token, counter as it was', async () => {
  await assert.rejects(
    together(async (s) => {
      await s.passkeys.recordUse('pk1', 7, true, Date.now());
      await s.sessions.create(newSession());
      // No such account: the foreign key refuses the activity row, the last write of the unit.
      await s.activity.record('no-such-user', 'signin.succeeded', null);
    }),
    /FOREIGN KEY/,
  );
  assert.equal(await count('sessions'), 0);
  assert.equal(await count('refresh_tokens'), 0);
  assert.equal(await count('activity'), 0);
  const pk = await passkeys.byCredentialId('cred1');
  assert.equal(pk?.counter, 1);
  assert.equal(pk?.backed_up, 0);
});

test('queries from outside wait for the unit and then run', async () => {
  const outside = new SessionStore(db, systemClock);
  const [, listed] = await Promise.all([
    together(async (s) => {
      await s.sessions.create(newSession());
      await s.activity.record(userId, 'signin.succeeded', null);
    }),
    outside.listLive(userId),
  ]);
  assert.ok(Array.isArray(listed));
  assert.equal(await count('sessions'), 1);
});
