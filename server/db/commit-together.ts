/**
 * Writes that belong to one event commit together: a sign-in's passkey counter, its session,
 * its refresh token and its activity entry are stored all or not at all.
 *
 * - SQLite: one transaction, so one commit (one WAL append) per sign-in instead of four.
 * - PostgreSQL: one statement. A transaction there costs a round trip per statement (begin,
 *   four writes, commit: 6 per sign-in, issue 10); the writes are instead collected while
 *   `work` runs and sent together as data-modifying CTEs, which PostgreSQL runs atomically
 *   under one snapshot, foreign keys checked at the statement's end: 1 round trip.
 *
 * Inside `work`, use only the stores it is handed: on SQLite a transaction holds the one
 * connection, so a query through the server's own stores would wait for it forever. And write
 * only: on PostgreSQL nothing has reached the database until `work` has returned, so a write's
 * result is not known inside it (a select or a `returning` there throws instead of guessing).
 */
import {
  CompiledQuery,
  DeleteQueryNode,
  InsertQueryNode,
  Kysely,
  PostgresIntrospector,
  PostgresQueryCompiler,
  UpdateQueryNode,
} from 'kysely';
import type { DatabaseConnection, Dialect, Driver, QueryResult } from 'kysely';
import { isSqlite, type Db } from './database';
import { nameCombinedStatement, reusableStatementName } from './reusable-query';
import type { Database } from './schema';
import type { ActivityLog } from '../activity/activity-log';
import type { PasskeyStore } from '../passkeys/passkey-store';
import type { SessionStore } from '../sessions/session-store';

/** The stores a sign-in writes to, each bound to the same transaction. */
export type TogetherStores = {
  readonly sessions: SessionStore;
  readonly activity: ActivityLog;
  readonly passkeys: PasskeyStore;
};

export type CommitTogether = <T>(work: (stores: TogetherStores) => Promise<T>) => Promise<T>;

const bound = (stores: TogetherStores, db: Db): TogetherStores => ({
  sessions: stores.sessions.on(db),
  activity: stores.activity.on(db),
  passkeys: stores.passkeys.on(db),
});

export function commitTogether(db: Db, stores: TogetherStores): CommitTogether {
  return isSqlite(db) ? commitInTransaction(db, stores) : commitAsOneStatement(db, stores);
}

/** begin, each write, commit: SQLite's path (on PostgreSQL, the reference for the other). */
export function commitInTransaction(db: Db, stores: TogetherStores): CommitTogether {
  return (work) => db.transaction().execute((trx) => work(bound(stores, trx)));
}

/** PostgreSQL: the work's writes collected, then run as one statement. */
export function commitAsOneStatement(db: Db, stores: TogetherStores): CommitTogether {
  // The database's own adapter, so the reusable queries (keyed by adapter) keep their
  // compiled texts, and with them their prepared-statement names.
  const adapter = db.getExecutor().adapter;
  return async (work) => {
    const writes: CompiledQuery[] = [];
    const collecting = new Kysely<Database>({ dialect: collectingDialect(adapter, writes) });
    const result = await work(bound(stores, collecting));
    const statement = oneStatement(writes);
    if (statement) await db.executeQuery(statement);
    return result;
  };
}

function collectingDialect(
  adapter: ReturnType<Db['getExecutor']>['adapter'],
  into: CompiledQuery[],
): Dialect {
  const connection: DatabaseConnection = {
    executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
      const node = query.query;
      const write =
        InsertQueryNode.is(node) || UpdateQueryNode.is(node) || DeleteQueryNode.is(node);
      if (!write || node.returning)
        throw new Error('commitTogether: only writes whose result is not read can be put together');
      into.push(query);
      return Promise.resolve({ rows: [] });
    },
    streamQuery() {
      throw new Error('commitTogether: no streaming inside the writes put together');
    },
  };
  const driver: Driver = {
    init: async () => {},
    acquireConnection: async () => connection,
    beginTransaction: () => Promise.reject(new Error('commitTogether: already one unit')),
    commitTransaction: async () => {},
    rollbackTransaction: async () => {},
    releaseConnection: async () => {},
    destroy: async () => {},
  };
  return {
    createAdapter: () => adapter,
    createDriver: () => driver,
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  };
}

/** A single-row `insert … values ($…)` as Kysely compiles one (server/db/reusable-query.ts). */
const SINGLE_ROW_INSERT = /^(insert into .+ values )(\(\$\d+(?:, \$\d+)*\))$/s;

/**
 * The writes as one statement: `with w0 as (…), w1 as (…) <last>`. The CTEs' order of
 * execution is PostgreSQL's to choose, which only a column default drawn from a sequence
 * could see (activity's `seq`, whose order is the log's): inserts of the same text are
 * therefore one multi-row insert, whose rows take the sequence in the order written.
 */
export function oneStatement(writes: readonly CompiledQuery[]): CompiledQuery | undefined {
  const parts: { sql: string; rows: (readonly unknown[])[] }[] = [];
  for (const w of writes) {
    const same = SINGLE_ROW_INSERT.test(w.sql) ? parts.find((p) => p.sql === w.sql) : undefined;
    if (same) same.rows.push(w.parameters);
    else parts.push({ sql: w.sql, rows: [w.parameters] });
  }
  if (parts.length === 0) return undefined;
  const single = parts.length === 1 && parts[0]!.rows.length === 1;
  if (single) return writes[0];
  const parameters: unknown[] = [];
  const texts = parts.map((p) => {
    const offset = parameters.length;
    let text = renumbered(p.sql, offset);
    for (const [i, row] of p.rows.entries()) {
      if (i > 0) {
        const tuple = SINGLE_ROW_INSERT.exec(p.sql)![2]!;
        text += `, ${renumbered(tuple, offset + i * row.length)}`;
      }
    }
    for (const row of p.rows) parameters.push(...row);
    return text;
  });
  const last = texts.pop()!;
  const sql = texts.length
    ? `with ${texts.map((t, i) => `w${i} as (${t})`).join(', ')} ${last}`
    : last;
  // Made only of reusable texts, it is as fixed as they are: one name per shape of sign-in.
  if (writes.every((w) => reusableStatementName(w.sql))) nameCombinedStatement(sql);
  return CompiledQuery.raw(sql, parameters);
}

/** `$n` → `$(n + offset)`, outside quoted identifiers and string literals. */
function renumbered(sql: string, offset: number): string {
  if (offset === 0) return sql;
  return sql.replace(/"(?:[^"]|"")*"|'(?:[^']|'')*'|\$(\d+)/g, (m, n: string | undefined) =>
    n === undefined ? m : `$${Number(n) + offset}`,
  );
}
