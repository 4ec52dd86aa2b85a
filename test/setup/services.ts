/**
 * vitest globalSetup for the server and e2e projects: PostgreSQL answers and a redis-server
 * starts, once, before any file runs, so a missing service is one clear line at the top of the
 * run instead of a skip or a timeout in every file. Files still make their own schema
 * (test/support/postgres.ts) and their own private redis (test/server/tunnel/support/redis-server.ts):
 * no state is shared between files.
 */
import fs from 'node:fs';
import pg from 'pg';
import { POSTGRES_URL } from '../support/postgres';
import { REDIS_SERVER, startRedis } from '../server/tunnel/support/redis-server';

export default async function services(): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    console.log(`services: PostgreSQL ok (${new URL(POSTGRES_URL).host})`);
  } catch (err) {
    // The PostgreSQL files skip with this reason; say it once here too.
    console.log(`services: PostgreSQL not reachable at ${POSTGRES_URL}: ${(err as Error).message}`);
  } finally {
    await client.end().catch(() => {});
  }
  if (!fs.existsSync(REDIS_SERVER)) {
    console.log(`services: ${REDIS_SERVER} is not installed: the Redis files skip`);
    return;
  }
  const redis = await startRedis();
  await redis.stop();
  console.log(`services: redis-server ok (${REDIS_SERVER})`);
}
