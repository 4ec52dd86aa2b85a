/**
 * A query Kysely builds and compiles once, then runs with new values. Kysely otherwise builds
 * an operation tree and walks it to SQL on every call (8–11% of a sign-in's CPU in issue 10's
 * profile); for the few statements every sign-in runs, the SQL text is the same each time and
 * only the bound values change.
 *
 * `build` receives `param(name)`, a placeholder that Kysely treats as an ordinary value, so it
 * becomes a bound parameter; each run puts the caller's values in those places. The compiled
 * text is kept per dialect (per adapter, which a transaction shares with its database), so
 * SQLite and PostgreSQL each get their own, and both still come from the same Kysely query.
 */
import type { Compilable, CompiledQuery, Insertable, Kysely, QueryResult } from 'kysely';
import type { Database } from './schema';

type Values = Record<string, unknown>;
type Param<V extends Values> = <K extends keyof V & string>(name: K) => V[K];
type Slot = { readonly name: string } | { readonly value: unknown };

/** Placeholders are strings no caller could pass as a value (they start with a NUL). */
const MARK = '\u0000keybridge-param:';

/**
 * The SQL text of every reusable query, compiled so far, each with a statement name. On
 * PostgreSQL these texts run as named prepared statements (server/db/database.ts): the backend
 * parses and plans each once per connection instead of on every sign-in. Only these: they are
 * few and fixed, where an ad-hoc query (an IN list of any length) could fill a connection
 * with statements used once.
 */
const statementNames = new Map<string, string>();

/** The prepared-statement name of a reusable query's SQL text, or undefined for any other. */
export function reusableStatementName(sql: string): string | undefined {
  return statementNames.get(sql);
}

/**
 * Names a statement made only of reusable queries' texts (server/db/commit-together.ts puts a
 * sign-in's writes together): there are as few of those as there are shapes of sign-in.
 */
export function nameCombinedStatement(sql: string): void {
  if (!statementNames.has(sql)) statementNames.set(sql, `kb_${statementNames.size}`);
}

export type ReusableQuery<V extends Values, R> = (
  db: Kysely<Database>,
  values: V,
) => Promise<QueryResult<R>>;

export function reusableQuery<V extends Values, R>(
  names: readonly (keyof V & string)[],
  build: (db: Kysely<Database>, param: Param<V>) => Compilable<R>,
): ReusableQuery<V, R> {
  const byAdapter = new WeakMap<object, { query: CompiledQuery<R>; slots: Slot[] }>();
  const compile = (db: Kysely<Database>) => {
    const query = build(db, ((name: string) => MARK + name) as Param<V>).compile();
    const slots = query.parameters.map((p): Slot =>
      typeof p === 'string' && p.startsWith(MARK) ? { name: p.slice(MARK.length) } : { value: p },
    );
    // A value Kysely wrote into the SQL text instead of binding it would be fixed forever.
    for (const name of names)
      if (!slots.some((s) => 'name' in s && s.name === name))
        throw new Error(`reusableQuery: ${name} is not a bound parameter of ${query.sql}`);
    if (!statementNames.has(query.sql)) statementNames.set(query.sql, `kb_${statementNames.size}`);
    return { query, slots };
  };
  return async (db, values) => {
    const adapter = db.getExecutor().adapter;
    let compiled = byAdapter.get(adapter);
    if (!compiled) byAdapter.set(adapter, (compiled = compile(db)));
    const { query, slots } = compiled;
    // undefined as null: Kysely leaves an undefined value out of the statement, and a column
    // left out of an insert is null (none of these has another default).
    const parameters = slots.map((s) => ('name' in s ? (values[s.name] ?? null) : s.value));
    return await db.executeQuery<R>({ ...query, parameters });
  };
}

type InsertKeys<T extends keyof Database> = keyof Insertable<Database[T]> & string;
/** The columns Kysely does not generate (every column but `seq` on activity). */
type WrittenKeys<T extends keyof Database> = {
  [K in InsertKeys<T>]: undefined extends Insertable<Database[T]>[K]
    ? null extends Insertable<Database[T]>[K]
      ? K
      : never
    : K;
}[InsertKeys<T>];

/**
 * `insert into <table> (<columns>) values (…)` with every written column bound, missing values
 * as null. The column list must name every column the table's type says is written (a new
 * column cannot be left out); a check at compile time, `MissingColumns` reads `never` when so.
 */
export function insertRowQuery<T extends keyof Database, C extends readonly InsertKeys<T>[]>(
  table: T,
  columns: C & ([Exclude<WrittenKeys<T>, C[number]>] extends [never] ? unknown : never),
): ReusableQuery<Insertable<Database[T]> & Values, unknown> {
  return reusableQuery<Insertable<Database[T]> & Values, unknown>(columns, (db, param) =>
    db
      .insertInto(table)
      .values(
        Object.fromEntries(columns.map((c) => [c, param(c)])) as unknown as Insertable<Database[T]>,
      ),
  );
}
