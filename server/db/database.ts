/**
 * Opens the database and brings the schema up to date. Kysely is the only query layer, so the
 * same queries run on both dialects (docs/architecture.md §Storage and scale):
 * - default: SQLite (better-sqlite3 v12, WAL) in DATA_DIR;
 * - DATABASE_URL=postgres://…: PostgreSQL through a pg pool, for several server processes.
 */
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
// Types only: the driver itself loads when DATABASE_URL asks for it (postgresDialect), so a
// SQLite server does not spend its start-up evaluating pg (test/bench/README.md, start-up).
import type pg from 'pg';
import { Kysely, Migrator, PostgresDialect, SqliteAdapter, SqliteDialect, sql } from 'kysely';
import type { PostgresPool, PostgresPoolClient } from 'kysely';
import { migrationProvider } from './migrations';
import { reusableStatementName } from './reusable-query';
import { cachingStatements } from './statement-cache';
import { BACKSTOP_CHECKPOINT_PAGES, startCheckpointer } from './checkpointer';
import type { Database } from './schema';
import type { SqliteSynchronous } from '../config';

export type Db = Kysely<Database>;

/** pg's type id for int8 (bigint). */
const INT8_OID = 20;

function sqliteDialect(dataDir: string, synchronous: SqliteSynchronous): SqliteDialect {
  fs.mkdirSync(dataDir, { recursive: true });
  const filePath = path.join(dataDir, 'keybridge.sqlite');
  const file = new SQLite(filePath);
  file.pragma('journal_mode = WAL');
  // FULL fsyncs the WAL on every commit: ~2.5 ms of blocked event loop and ~170 µs of CPU each
  // on the bench machine, three commits per sign-in. NORMAL leaves the sync to checkpoints and
  // the kernel's writeback; a crash of the process loses nothing, a power loss can undo the
  // last seconds of commits (README.md, Durability and logging).
  const sync = synchronous === 'full' ? 'FULL' : 'NORMAL';
  file.pragma(`synchronous = ${sync}`);
  file.pragma('foreign_keys = ON');
  // Overwritten and deleted values are zeroed, not left in free pages (old raw TOTP seeds).
  file.pragma('secure_delete = ON');
  // Another connection (a second process, a backup) holding the lock should delay us, not fail us.
  file.pragma('busy_timeout = 5000');
  // Checkpoints run on their own thread (server/db/checkpointer.ts); this connection's own
  // automatic checkpoint only backs it up.
  file.pragma(`wal_autocheckpoint = ${BACKSTOP_CHECKPOINT_PAGES}`);
  const checkpointer = startCheckpointer(filePath, { synchronous: sync });
  // Each SQL text prepared once (server/db/statement-cache.ts), not once per query.
  const statements = cachingStatements(file);
  return new SqliteDialect({
    database: {
      prepare: (sql) => statements.prepare(sql),
      close() {
        statements.close();
        // After this connection: the checkpointer's is then the last, and its close folds the
        // WAL into the file as SQLite's last close always does.
        checkpointer.stop();
      },
    },
  });
}

async function postgresDialect(url: string): Promise<PostgresDialect> {
  const { default: driver } = await import('pg');
  const pool = new driver.Pool({
    connectionString: url,
    // Times are epoch milliseconds in bigint columns; pg hands int8 back as a string (it may
    // exceed 2^53). Ours never do, so they come back as numbers, exactly as from SQLite.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID && format !== 'binary'
          ? (value: string) => Number(value)
          : driver.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
    },
  });
  return new PostgresDialect({ pool: namedStatements(pool) });
}

/**
 * The pool as Kysely sees it, with the reusable queries' texts (server/db/reusable-query.ts)
 * sent as named prepared statements: node-postgres then skips the Parse after a connection's
 * first use of each, and the backend its parse and, once it settles on a generic plan, its
 * planning. Every other text (and a cursor) goes through unchanged. One wrapper per pg
 * client, since Kysely keys its connections by the client object.
 */
function namedStatements(pool: pg.Pool): PostgresPool {
  const wrapped = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  const wrap = (client: pg.PoolClient): PostgresPoolClient => {
    let w = wrapped.get(client);
    if (!w) {
      const query = (text: unknown, values?: readonly unknown[]) => {
        if (typeof text !== 'string') return client.query(text as pg.Submittable);
        const name = reusableStatementName(text);
        const params = values as unknown[] | undefined;
        return name ? client.query({ name, text, values: params }) : client.query(text, params);
      };
      w = {
        query: query as unknown as PostgresPoolClient['query'],
        release: (destroy?: boolean) => client.release(destroy),
      };
      wrapped.set(client, w);
    }
    return w;
  };
  return {
    connect: async () => wrap(await pool.connect()),
    end: () => pool.end(),
  };
}

/**
 * `databaseUrl` (DATABASE_URL) postgres://… selects PostgreSQL; unset, the SQLite file in
 * `dataDir`. A search_path can ride along in the URL: `?options=-c%20search_path%3Dkb`.
 */
export async function openDatabase(
  dataDir: string,
  databaseUrl?: string,
  sqlite: { synchronous?: SqliteSynchronous } = {},
): Promise<Db> {
  const dialect = databaseUrl
    ? await postgresDialect(databaseUrl)
    : sqliteDialect(dataDir, sqlite.synchronous ?? 'normal');
  const db = new Kysely<Database>({ dialect });
  // Kysely looks for its lock table in every schema unless told which: another schema of the
  // same database holding one (a second deployment, a test run) made it skip creating ours.
  // The unqualified names always lived in current_schema(), so naming it changes nothing else.
  const schema = databaseUrl ? await currentSchema(db).catch(closing(db)) : undefined;
  const { error, results } = await new Migrator({
    db,
    provider: migrationProvider,
    ...(schema ? { migrationTableSchema: schema } : {}),
  }).migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    await db.destroy();
    throw new Error(`database migration failed: ${failed?.migrationName ?? ''} ${String(error)}`);
  }
  return db;
}

const closing =
  (db: Db) =>
  async (err: unknown): Promise<never> => {
    await db.destroy();
    throw err;
  };

async function currentSchema(db: Db): Promise<string> {
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  const schema = rows[0]?.schema;
  if (!schema) throw new Error('database migration failed: no schema in the search_path');
  return schema;
}

/** True for the SQLite file (SQLite-only statements such as PRAGMAs run only there). */
export function isSqlite<T>(db: Kysely<T>): boolean {
  return db.getExecutor().adapter instanceof SqliteAdapter;
}

/** A unique-index violation, in either dialect (the caller answers "already exists"). */
export function isUniqueViolation(err: unknown): boolean {
  const code = String((err as { code?: unknown } | null)?.code);
  return code.startsWith('SQLITE_CONSTRAINT') || code === '23505';
}

/** Readiness probe: a trivial query proves the database is open and answering. */
export async function databaseReachable(db: Db): Promise<boolean> {
  try {
    await sql`select 1`.execute(db);
    return true;
  } catch {
    return false;
  }
}
