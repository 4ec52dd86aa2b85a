/**
 * A throwaway PostgreSQL schema per test run, so runs (and parallel files) never share tables.
 * PostgreSQL is a real server on this machine (127.0.0.1:5432, trust auth, database `test`).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const POSTGRES_URL =
  process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export type TestSchema = {
  name: string;
  /** DATABASE_URL that puts every table of the server in this schema */
  databaseUrl: string;
  /** false when the schema was created; otherwise why PostgreSQL cannot be used (printed as the skip reason) */
  unavailable: string | false;
  drop(): Promise<void>;
};

export async function createTestSchema(): Promise<TestSchema> {
  const name = `kb_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3000 });
  client.on('error', () => {});
  let unavailable: string | false = false;
  try {
    await client.connect();
    await client.query(`CREATE SCHEMA ${name}`);
  } catch (err) {
    unavailable = `PostgreSQL not reachable at ${POSTGRES_URL} (${(err as Error).message}); set TEST_POSTGRES_URL`;
  } finally {
    await client.end().catch(() => {});
  }
  return {
    name,
    databaseUrl: `${POSTGRES_URL}?options=${encodeURIComponent(`-c search_path=${name}`)}`,
    unavailable,
    async drop() {
      if (unavailable) return;
      const admin = new pg.Client({ connectionString: POSTGRES_URL });
      await admin.connect();
      try {
        await admin.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
      } finally {
        await admin.end();
      }
    },
  };
}
