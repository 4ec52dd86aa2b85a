/**
 * server/db/statement-cache.ts on a real SQLite file: each SQL text is prepared once and its
 * statement reused, the least recently used one is dropped past the bound, a statement still
 * iterating is never handed out twice, and Kysely's queries read and write exactly as before.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, test } from 'vitest';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { cachingStatements } from '../../server/db/statement-cache';

let dir: string;
let file: SQLite.Database;
let prepared: string[];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kb-stmt-'));
  file = new SQLite(path.join(dir, 'db.sqlite'));
  file.exec('create table t (id integer primary key, v text)');
  // Count the real prepares by wrapping the file's own method (the file stays real).
  prepared = [];
  const prepare = file.prepare.bind(file);
  file.prepare = ((sql: string) => {
    prepared.push(sql);
    return prepare(sql);
  }) as typeof file.prepare;
});

afterEach(() => {
  if (file.open) file.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('one prepare per SQL text, and the same statement each time', () => {
  const db = cachingStatements(file);
  const a = db.prepare('select v from t where id = ?');
  const b = db.prepare('select v from t where id = ?');
  assert.equal(a, b);
  db.prepare('insert into t (v) values (?)');
  assert.deepEqual(prepared, ['select v from t where id = ?', 'insert into t (v) values (?)']);
  assert.equal(db.cachedStatements, 2);
});

test('past the bound the least recently used statement goes, the others stay', () => {
  const db = cachingStatements(file, 2);
  const q1 = db.prepare('select 1');
  db.prepare('select 2');
  assert.equal(db.prepare('select 1'), q1); // 'select 1' is now the most recent
  db.prepare('select 3'); // drops 'select 2'
  assert.equal(db.cachedStatements, 2);
  assert.equal(db.prepare('select 1'), q1);
  prepared.length = 0;
  db.prepare('select 2');
  assert.deepEqual(prepared, ['select 2'], "'select 2' was prepared again");
});

test('a statement still iterating is not handed out again', () => {
  file.exec("insert into t (v) values ('a'), ('b')");
  const db = cachingStatements(file);
  const sql = 'select v from t order by id';
  const first = db.prepare(sql);
  const rows = first.iterate([]);
  assert.deepEqual(rows.next().value, { v: 'a' });
  const second = db.prepare(sql);
  assert.notEqual(second, first);
  assert.deepEqual(second.all([]), [{ v: 'a' }, { v: 'b' }]);
  assert.deepEqual(rows.next().value, { v: 'b' });
  rows.return?.();
  assert.equal(db.prepare(sql), first, 'once done, the cached statement is used again');
});

test('Kysely over the cache: reads, writes, changes and insert ids as before', async () => {
  type Schema = { t: { id: number | null; v: string } };
  const db = new Kysely<Schema>({
    dialect: new SqliteDialect({ database: cachingStatements(file) }),
  });
  try {
    for (const v of ['x', 'y', 'z']) {
      const r = await db.insertInto('t').values({ id: null, v }).executeTakeFirstOrThrow();
      assert.equal(typeof r.insertId, 'bigint');
    }
    const upd = await db.updateTable('t').set({ v: 'w' }).where('v', '=', 'y').executeTakeFirst();
    assert.equal(upd.numUpdatedRows, 1n);
    const none = await db.updateTable('t').set({ v: 'w' }).where('v', '=', 'q').executeTakeFirst();
    assert.equal(none.numUpdatedRows, 0n);
    const rows = await db.selectFrom('t').select('v').orderBy('id').execute();
    assert.deepEqual(
      rows.map((r) => r.v),
      ['x', 'w', 'z'],
    );
    const one = await db.selectFrom('t').select('v').where('id', '=', 3).executeTakeFirst();
    assert.equal(one?.v, 'z');
    // The three inserts share one text, the two updates another, plus two selects: four texts.
    assert.equal(new Set(prepared).size, prepared.length);
    assert.equal(prepared.length, 4);
  } finally {
    await db.destroy();
  }
  assert.equal(file.open, false, 'destroy closed the file');
});
