/**
 * better-sqlite3 prepares a statement from scratch on every `prepare`, and Kysely's SQLite
 * driver calls `prepare` for every query. The SQL texts come from the code (values are bound
 * parameters), so there are few of them: each is prepared once and kept, least recently used
 * dropped beyond `max`. A statement still iterating (a Kysely stream) is busy and cannot be
 * reused; that caller gets a fresh one.
 */
import type SQLite from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';
import { Lru } from '../util/lru';

export const STATEMENT_CACHE_SIZE = 256;

export function cachingStatements(
  file: SQLite.Database,
  max = STATEMENT_CACHE_SIZE,
): SqliteDatabase & { readonly cachedStatements: number } {
  const cache = new Lru<string, SQLite.Statement>(max);
  return {
    get cachedStatements() {
      return cache.size;
    },
    prepare(sql) {
      const hit = cache.get(sql);
      if (hit && !hit.busy) return hit;
      const fresh = file.prepare(sql);
      if (!hit) cache.set(sql, fresh);
      return fresh;
    },
    close() {
      cache.clear();
      file.close();
    },
  };
}
