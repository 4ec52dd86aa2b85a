/**
 * server/db/reusable-query.ts: a query compiled once runs with each call's values (never the
 * first call's), binds every value (nothing written into the SQL text), keeps constants, reads
 * and writes through a transaction, and refuses a placeholder Kysely did not bind.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, test } from 'vitest';
import { sql } from 'kysely';
import { openDatabase, type Db } from '../../server/db/database';
import { insertRowQuery, reusableQuery } from '../../server/db/reusable-query';
import { AccountStore } from '../../server/accounts/account-store';

let dir: string;
let db: Db;

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kb-reusable-'));
  db = await openDatabase(dir);
});
afterEach(async () => {
  await db.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

const byEmail = reusableQuery<{ email: string }, { id: string; email: string }>(
  ['email'],
  (d, param) => d.selectFrom('users').select(['id', 'email']).where('email', '=', param('email')),
);

test('each call runs with its own values, bound as parameters', async () => {
  const accounts = new AccountStore(db);
  const ann = await accounts.create('ann@example.com', 'x', 1);
  const bob = await accounts.create('bob@example.com', 'x', 1);
  assert.equal((await byEmail(db, { email: 'ann@example.com' })).rows[0]?.id, ann?.id);
  assert.equal((await byEmail(db, { email: 'bob@example.com' })).rows[0]?.id, bob?.id);
  // A value that would break out of a quoted literal stays a value.
  assert.deepEqual((await byEmail(db, { email: "x' or '1'='1" })).rows, []);
  assert.equal((await accounts.byId(bob!.id))?.email, 'bob@example.com');
  assert.equal(await accounts.byId('nobody'), undefined);
});

test('constants in the query stay; the placeholders take the values', async () => {
  const accounts = new AccountStore(db);
  const ann = await accounts.create('ann@example.com', 'x', 5);
  const newer = reusableQuery<{ email: string }, { id: string }>(['email'], (d, param) =>
    d
      .selectFrom('users')
      .select('id')
      .where('created_at', '>', 4)
      .where('email', '=', param('email')),
  );
  assert.equal((await newer(db, { email: 'ann@example.com' })).rows[0]?.id, ann?.id);
});

test('an insert binds every column, undefined as null, and writes inside a transaction', async () => {
  const user = await new AccountStore(db).create('ann@example.com', 'x', 1);
  const insert = insertRowQuery('activity', [
    'id',
    'user_id',
    'type',
    'at',
    'ip',
    'user_agent',
    'details',
  ] as const);
  await db.transaction().execute(async (trx) => {
    await insert(trx, {
      id: 'a1',
      user_id: user!.id,
      type: 't',
      at: 1,
      ip: '10.0.0.1',
      user_agent: undefined,
      details: '{}',
    });
    await insert(trx, {
      id: 'a2',
      user_id: user!.id,
      type: 't',
      at: 2,
      ip: null,
      user_agent: 'ua',
      details: '{}',
    });
  });
  const rows = await db
    .selectFrom('activity')
    .select(['id', 'ip', 'user_agent'])
    .orderBy('seq')
    .execute();
  assert.deepEqual(rows, [
    { id: 'a1', ip: '10.0.0.1', user_agent: null },
    { id: 'a2', ip: null, user_agent: 'ua' },
  ]);
});

test('a placeholder written into the SQL text instead of bound is refused', async () => {
  const inlined = reusableQuery<{ email: string }, unknown>(['email'], (d, param) =>
    d
      .selectFrom('users')
      .select('id')
      .where(sql.lit(param('email')), '=', 'x'),
  );
  await assert.rejects(inlined(db, { email: 'a' }), /email is not a bound parameter/);
});

test('built and compiled once, also for a transaction of the same database', async () => {
  let builds = 0;
  const q = reusableQuery<{ email: string }, { id: string }>(['email'], (d, param) => {
    builds += 1;
    return d.selectFrom('users').select('id').where('email', '=', param('email'));
  });
  await q(db, { email: 'a' });
  await q(db, { email: 'b' });
  await db.transaction().execute((trx) => q(trx, { email: 'c' }));
  assert.equal(builds, 1);
});
