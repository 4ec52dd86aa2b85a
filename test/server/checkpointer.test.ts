/**
 * server/db/checkpointer.ts through openDatabase: the WAL is folded into the database file by
 * the checkpointer's thread while the server keeps writing (the main connection's own
 * automatic checkpoint, at 10,000 pages, never fires here), and closing the database stops
 * the thread and leaves no WAL behind, with every committed row in the file.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, test } from 'vitest';
import SQLite from 'better-sqlite3';
import { openDatabase, type Db } from '../../server/db/database';
import { AccountStore } from '../../server/accounts/account-store';
import { ActivityLog } from '../../server/activity/activity-log';
import { systemClock } from '../../server/util/clock';

let dir: string;
let file: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kb-ckpt-'));
  file = path.join(dir, 'keybridge.sqlite');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const size = (f: string) => (fs.existsSync(f) ? fs.statSync(f).size : 0);

async function until(what: string, ok: () => boolean, ms = 10_000) {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function writeRows(db: Db, n: number) {
  const user = await new AccountStore(db).create(`a${Math.random()}@example.com`, 'x', 1);
  const log = new ActivityLog(db, systemClock);
  // About 1 KiB each: n = 2000 puts ~500 pages in the WAL, well under the backstop.
  for (let i = 0; i < n; i++)
    await log.record(user!.id, 'signin.succeeded', null, { note: 'x'.repeat(900), i });
}

test('the WAL reaches the database file while the server writes, off its thread', async () => {
  const db = await openDatabase(dir);
  try {
    const before = size(file);
    await writeRows(db, 2000);
    await until('the checkpointer to copy the pages', () => size(file) > before + 1_000_000);
  } finally {
    await db.destroy();
  }
});

test('closing stops the checkpointer: no WAL left, every row in the file', async () => {
  const db = await openDatabase(dir);
  await writeRows(db, 300);
  await db.destroy();
  assert.equal(fs.existsSync(`${file}-wal`), false, 'the last close folded the WAL');
  const raw = new SQLite(file, { readonly: true });
  try {
    const { n } = raw.prepare('select count(*) as n from activity').get() as { n: number };
    assert.equal(n, 300);
  } finally {
    raw.close();
  }
});
