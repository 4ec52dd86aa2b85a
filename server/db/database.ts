/**
 * Opens the SQLite database (better-sqlite3 v12, WAL) in DATA_DIR and brings the schema up
 * to date. Kysely is the only query layer, so a PostgreSQL dialect can be swapped in later.
 */
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, sql } from 'kysely';
import { migrationProvider } from './migrations';
import type { Database } from './schema';

export type Db = Kysely<Database>;

export async function openDatabase(dataDir: string): Promise<Db> {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = new SQLite(path.join(dataDir, 'keybridge.sqlite'));
  file.pragma('journal_mode = WAL');
  file.pragma('foreign_keys = ON');
  // Overwritten and deleted values are zeroed, not left in free pages (old raw TOTP seeds).
  file.pragma('secure_delete = ON');
  // Another connection (a second process, a backup) holding the lock should delay us, not fail us.
  file.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: file }) });
  const { error, results } = await new Migrator({
    db,
    provider: migrationProvider,
  }).migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    await db.destroy();
    throw new Error(`database migration failed: ${failed?.migrationName ?? ''} ${String(error)}`);
  }
  return db;
}

/** Readiness probe: a trivial query proves the file is open and readable. */
export async function databaseReachable(db: Db): Promise<boolean> {
  try {
    await sql`select 1`.execute(db);
    return true;
  } catch {
    return false;
  }
}
