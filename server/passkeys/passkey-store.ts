/** Queries on the passkeys table. */
import type { Db } from '../db/database';
import type { NewPasskey, PasskeyRow } from '../db/schema';
import { isUniqueViolation } from '../db/database';
import { reusableQuery } from '../db/reusable-query';

// Run on every passkey sign-in, so compiled once (server/db/reusable-query.ts).
const byCredential = reusableQuery<{ credentialId: string }, PasskeyRow>(
  ['credentialId'],
  (db, param) =>
    db.selectFrom('passkeys').selectAll().where('credential_id', '=', param('credentialId')),
);
const recordUseQuery = reusableQuery<
  { id: string; counter: number; backedUp: number; now: number },
  unknown
>(['id', 'counter', 'backedUp', 'now'], (db, param) =>
  db
    .updateTable('passkeys')
    .set({ counter: param('counter'), backed_up: param('backedUp'), last_used_at: param('now') })
    .where('id', '=', param('id')),
);

export class PasskeyStore {
  constructor(private readonly db: Db) {}

  /** The same store over `db` (a transaction: server/db/commit-together.ts). */
  on(db: Db): PasskeyStore {
    return new PasskeyStore(db);
  }

  async byCredentialId(credentialId: string): Promise<PasskeyRow | undefined> {
    return (await byCredential(this.db, { credentialId })).rows[0];
  }

  byIdForUser(id: string, userId: string): Promise<PasskeyRow | undefined> {
    return this.db
      .selectFrom('passkeys')
      .selectAll()
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .executeTakeFirst();
  }

  listForUser(userId: string): Promise<PasskeyRow[]> {
    return this.db
      .selectFrom('passkeys')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('created_at', 'asc')
      .execute();
  }

  async countForUser(userId: string): Promise<number> {
    const row = await this.db
      .selectFrom('passkeys')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_id', '=', userId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** false when the credential id exists already (unique index), whoever owns it. */
  async insert(row: NewPasskey): Promise<boolean> {
    try {
      await this.db.insertInto('passkeys').values(row).execute();
      return true;
    } catch (err) {
      if (isUniqueViolation(err)) return false;
      throw err;
    }
  }

  /** Called only after every check of an assertion passed. */
  async recordUse(id: string, counter: number, backedUp: boolean, now: number): Promise<void> {
    await recordUseQuery(this.db, { id, counter, backedUp: backedUp ? 1 : 0, now });
  }

  async rename(id: string, userId: string, name: string): Promise<boolean> {
    const res = await this.db
      .updateTable('passkeys')
      .set({ name })
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async delete(id: string, userId: string): Promise<boolean> {
    const res = await this.db
      .deleteFrom('passkeys')
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return Number(res.numDeletedRows) === 1;
  }
}
