/**
 * SQLITE_SYNCHRONOUS (server/config.ts) reaches the SQLite file (server/db/database.ts): WAL
 * with synchronous NORMAL by default, FULL on request; anything else is refused at start-up.
 * README.md (Durability and logging) says what a power loss can undo with each.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, test } from 'vitest';
import { sql } from 'kysely';
import { loadConfig } from '../../server/config';
import { openDatabase } from '../../server/db/database';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function pragmas(synchronous?: 'normal' | 'full') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kb-sync-'));
  dirs.push(dir);
  const db = await openDatabase(dir, undefined, { synchronous });
  try {
    const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(db);
    const sync = await sql<{ synchronous: number }>`pragma synchronous`.execute(db);
    return { journal: mode.rows[0]?.journal_mode, synchronous: sync.rows[0]?.synchronous };
  } finally {
    await db.destroy();
  }
}

test('WAL with synchronous NORMAL by default, FULL when asked', async () => {
  // SQLite's numbers: 1 = NORMAL, 2 = FULL.
  assert.deepEqual(await pragmas(), { journal: 'wal', synchronous: 1 });
  assert.deepEqual(await pragmas('normal'), { journal: 'wal', synchronous: 1 });
  assert.deepEqual(await pragmas('full'), { journal: 'wal', synchronous: 2 });
});

test('SQLITE_SYNCHRONOUS: normal, full, unset; anything else refused', () => {
  assert.equal(loadConfig({}).sqliteSynchronous, 'normal');
  assert.equal(loadConfig({ SQLITE_SYNCHRONOUS: 'FULL' }).sqliteSynchronous, 'full');
  assert.equal(loadConfig({ SQLITE_SYNCHRONOUS: 'normal' }).sqliteSynchronous, 'normal');
  assert.throws(() => loadConfig({ SQLITE_SYNCHRONOUS: 'off' }), /SQLITE_SYNCHRONOUS/);
});
