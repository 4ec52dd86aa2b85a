/** Queries on the passkeys table. */
import type { Db } from '../db/database';
import type { NewPasskey, PasskeyRow, UserRow } from '../db/schema';
import { isUniqueViolation } from '../db/database';
import { reusableQuery } from '../db/reusable-query';

// Run on every passkey sign-in, so compiled once (server/db/reusable-query.ts).
const byCredential = reusableQuery<{ credentialId: string }, PasskeyRow>(
  ['credentialId'],
  (db, param) =>
    db.selectFrom('passkeys').selectAll().where('credential_id', '=', param('credentialId')),
);
/** A passkey's row beside its owner's columns, each named `owner_<column>`. */
type PasskeyWithOwnerRow = PasskeyRow & { [K in keyof UserRow as `owner_${K}`]: UserRow[K] | null };
// The sign-in reads the passkey and its owner together: one statement, one round trip on
// PostgreSQL. A left join, so a passkey without an owner still reads as found, as before.
const byCredentialWithOwner = reusableQuery<{ credentialId: string }, PasskeyWithOwnerRow>(
  ['credentialId'],
  (db, param) =>
    db
      .selectFrom('passkeys')
      .leftJoin('users', 'users.id', 'passkeys.user_id')
      .selectAll('passkeys')
      .select([
        'users.id as owner_id',
        'users.email as owner_email',
        'users.password_hash as owner_password_hash',
        'users.webauthn_user_id as owner_webauthn_user_id',
        'users.totp_secret as owner_totp_secret',
        'users.totp_pending_secret as owner_totp_pending_secret',
        'users.totp_last_step as owner_totp_last_step',
        'users.created_at as owner_created_at',
      ])
      .where('passkeys.credential_id', '=', param('credentialId')),
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

  /** The passkey with this credential id and its owner (undefined if the account is gone). */
  async byCredentialIdWithOwner(
    credentialId: string,
  ): Promise<{ passkey: PasskeyRow; owner: UserRow | undefined } | undefined> {
    const row = (await byCredentialWithOwner(this.db, { credentialId })).rows[0];
    if (!row) return undefined;
    const {
      owner_id,
      owner_email,
      owner_password_hash,
      owner_webauthn_user_id,
      owner_totp_secret,
      owner_totp_pending_secret,
      owner_totp_last_step,
      owner_created_at,
      ...passkey
    } = row;
    const owner =
      owner_id === null
        ? undefined
        : {
            id: owner_id,
            email: owner_email!,
            password_hash: owner_password_hash!,
            webauthn_user_id: owner_webauthn_user_id!,
            totp_secret: owner_totp_secret,
            totp_pending_secret: owner_totp_pending_secret,
            totp_last_step: owner_totp_last_step,
            created_at: owner_created_at!,
          };
    return { passkey, owner };
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
