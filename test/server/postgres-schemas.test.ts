/**
 * Two deployments (or test runs) in one PostgreSQL database, each in its own schema: each
 * migrates in its own schema. Kysely's Migrator, unless told the schema, finds the other
 * schema's lock table, skips creating its own and fails ("relation kysely_migration_lock does
 * not exist"); server/db/database.ts names current_schema().
 */
import assert from 'node:assert/strict';
import { afterAll } from 'vitest';
import { sql } from 'kysely';
import { openDatabase } from '../../server/db/database';
import { createTestSchema } from '../support/postgres';
import { skipIf } from '../support/vitest';

const first = await createTestSchema();
const second = await createTestSchema();

afterAll(async () => {
  await first.drop();
  await second.drop();
});

skipIf(first.unavailable || second.unavailable)(
  'a second schema in the same database migrates beside the first',
  async () => {
    const a = await openDatabase('unused', first.databaseUrl);
    await a.destroy();
    const b = await openDatabase('unused', second.databaseUrl);
    try {
      const { rows } = await sql<{ n: string }>`
        select count(*) as n from information_schema.tables
        where table_schema = ${second.name} and table_name in ('users', 'kysely_migration')`.execute(
        b,
      );
      assert.equal(Number(rows[0]?.n), 2, 'the second schema has its own tables');
    } finally {
      await b.destroy();
    }
  },
);
