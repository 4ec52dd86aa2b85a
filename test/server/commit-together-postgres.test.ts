/**
 * server/db/commit-together.ts on a real PostgreSQL (a throwaway schema): a sign-in's writes
 * as one statement store exactly the rows that begin, each write, commit stores, in one round
 * trip; a failure of any part stores none of them.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { openDatabase, type Db } from '../../server/db/database';
import {
  commitInTransaction,
  commitTogether,
  type CommitTogether,
  type TogetherStores,
} from '../../server/db/commit-together';
import { AccountStore } from '../../server/accounts/account-store';
import { ActivityLog } from '../../server/activity/activity-log';
import { PasskeyStore } from '../../server/passkeys/passkey-store';
import { SessionStore } from '../../server/sessions/session-store';
import type { ClientKind } from '../../server/protocol/api';
import { FrozenClock } from '../support/frozen-clock';
import { createTestSchema } from '../support/postgres';
import { skipIf } from '../support/vitest';

const schema = await createTestSchema();
const pgTest = skipIf(schema.unavailable);
const clock = new FrozenClock();
let dir: string;
let db: Db;
let stores: TogetherStores;
let userId: string;

beforeAll(async () => {
  if (schema.unavailable) return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kb-together-pg-'));
  db = await openDatabase(dir, schema.databaseUrl);
  await sql`create function kb_test_refuse() returns trigger language plpgsql as $$
    begin raise exception 'refused by the test on %', tg_table_name; end $$`.execute(db);
});

afterAll(async () => {
  if (schema.unavailable) return;
  await db.destroy();
  await schema.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  if (schema.unavailable) return;
  for (const table of ['activity', 'refresh_tokens', 'sessions', 'passkeys', 'users'] as const)
    await db.deleteFrom(table).execute();
  const user = await new AccountStore(db).create('ann@example.com', 'x', clock.now());
  assert.ok(user);
  userId = user.id;
  const passkeys = new PasskeyStore(db);
  await passkeys.insert({
    id: 'pk1',
    user_id: userId,
    credential_id: 'cred1',
    public_key: 'AA',
    counter: 5,
    transports: '[]',
    aaguid: '',
    backup_eligible: 1,
    backed_up: 0,
    uv_initialized: 1,
    name: 'Phone',
    created_at: clock.now(),
    last_used_at: null,
  });
  stores = {
    sessions: new SessionStore(db, clock),
    activity: new ActivityLog(db, clock),
    passkeys,
  };
});

const refusing: string[] = [];
afterEach(async () => {
  for (const table of refusing.splice(0))
    await sql.raw(`drop trigger kb_test_refuse on ${table}`).execute(db);
});

const meta = { ip: '203.0.113.7', userAgent: 'test-agent' };

/** The writes of a passkey sign-in as server/auth/sign-in.ts and login-routes.ts make them. */
const passkeySignIn = (client: ClientKind, warn: boolean) => async (s: TogetherStores) => {
  if (warn)
    await s.activity.record(userId, 'passkey.counter_warning', meta, {
      passkeyId: 'pk1',
      storedCounter: 5,
      seenCounter: 3,
    });
  await s.passkeys.recordUse('pk1', 9, true, clock.now());
  const made = await s.sessions.create({
    userId,
    client,
    device: 'Keybridge desktop',
    method: 'passkey',
    passkeyId: 'pk1',
    ip: meta.ip,
    userAgent: meta.userAgent,
    elevatedUntil: null,
  });
  await s.activity.record(userId, 'signin.succeeded', meta, {
    method: 'passkey',
    client,
    sessionId: made.session.id,
    passkeyId: 'pk1',
    passkeyName: 'Phone',
  });
  return made;
};

/**
 * Every row the sign-in can touch, with what is generated (ids, token hashes, seq) replaced by
 * its place: so two runs compare equal when they wrote the same rows in the same order.
 */
async function written() {
  const sessions = await db.selectFrom('sessions').selectAll().execute();
  const ids = new Map(sessions.map((s, i) => [s.id, `session${i}`]));
  const refresh = await db.selectFrom('refresh_tokens').selectAll().execute();
  const activity = await db.selectFrom('activity').selectAll().orderBy('seq').execute();
  return {
    sessions: sessions.map((s) => ({ ...s, id: ids.get(s.id), token_hash: s.token_hash.length })),
    refresh: refresh.map((r) => ({
      ...r,
      token_hash: r.token_hash.length,
      session_id: ids.get(r.session_id),
    })),
    activity: activity.map(({ id, seq, ...a }) => {
      assert.ok(id && seq);
      const details = JSON.parse(a.details) as Record<string, unknown>;
      if (details.sessionId) details.sessionId = ids.get(String(details.sessionId));
      return { ...a, details };
    }),
    passkeys: await db.selectFrom('passkeys').selectAll().execute(),
  };
}

/** How many queries the pg clients send (one round trip each) while `run` runs. */
async function roundTrips(run: () => Promise<unknown>): Promise<number> {
  const query = pg.Client.prototype.query;
  let n = 0;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    n++;
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof query;
  try {
    await run();
  } finally {
    pg.Client.prototype.query = query;
  }
  return n;
}

async function reset() {
  for (const table of ['activity', 'refresh_tokens', 'sessions'] as const)
    await db.deleteFrom(table).execute();
  await db
    .updateTable('passkeys')
    .set({ counter: 5, backed_up: 0, last_used_at: null })
    .where('id', '=', 'pk1')
    .execute();
}

for (const [client, warn] of [
  ['desktop', true],
  ['desktop', false],
  ['web', false],
] as const) {
  pgTest(
    `one statement writes the rows the transaction writes (${client}${warn ? ', counter warning' : ''})`,
    async () => {
      const reference: CommitTogether = commitInTransaction(db, stores);
      const oneTrip: CommitTogether = commitTogether(db, stores);
      const before = await roundTrips(() => reference(passkeySignIn(client, warn)));
      const byTransaction = await written();
      await reset();
      const after = await roundTrips(() => oneTrip(passkeySignIn(client, warn)));
      assert.deepEqual(await written(), byTransaction);
      // begin, the writes, commit; against one.
      assert.equal(before, (client === 'desktop' ? 6 : 5) + (warn ? 1 : 0));
      assert.equal(after, 1);
      // The log reads in the order the sign-in wrote it (newest first).
      const types = (await stores.activity.list(userId)).map((e) => e.type);
      assert.deepEqual(
        types,
        warn ? ['signin.succeeded', 'passkey.counter_warning'] : ['signin.succeeded'],
      );
      assert.equal(byTransaction.refresh.length, client === 'desktop' ? 1 : 0);
    },
  );
}

for (const table of ['passkeys', 'sessions', 'refresh_tokens', 'activity'] as const) {
  pgTest(`a refused write to ${table} leaves every part of the sign-in unwritten`, async () => {
    const untouched = await written();
    await sql
      .raw(
        `create trigger kb_test_refuse before insert or update on ${table} for each row execute function kb_test_refuse()`,
      )
      .execute(db);
    refusing.push(table);
    await assert.rejects(
      commitTogether(db, stores)(passkeySignIn('desktop', true)),
      new RegExp(`refused by the test on ${table}`),
    );
    assert.deepEqual(await written(), untouched);
  });
}

pgTest('a duplicate stays the unique violation it was, and nothing is written', async () => {
  const untouched = await written();
  await assert.rejects(
    commitTogether(
      db,
      stores,
    )(async (s) => {
      await passkeySignIn('desktop', false)(s);
      // The same primary key again. insert's own catch of a duplicate cannot see it (nothing
      // is sent before the unit ends), so the statement fails as a whole with PostgreSQL's code.
      await s.passkeys.insert({ ...(await stores.passkeys.byCredentialId('cred1'))!, name: 'x' });
    }),
    (err: { code?: string }) => err.code === '23505',
  );
  assert.deepEqual(await written(), untouched);
});

pgTest('work that throws or reads inside the unit writes nothing', async () => {
  const untouched = await written();
  await assert.rejects(
    commitTogether(
      db,
      stores,
    )(async (s) => {
      await passkeySignIn('desktop', false)(s);
      throw new Error('the caller refused');
    }),
    /the caller refused/,
  );
  await assert.rejects(
    commitTogether(
      db,
      stores,
    )(async (s) => {
      await passkeySignIn('desktop', false)(s);
      await s.passkeys.byCredentialId('cred1');
    }),
    /only writes whose result is not read/,
  );
  assert.deepEqual(await written(), untouched);
});
