/** Queries on the users table. */
import { randomBytes } from 'node:crypto';
import type { Db } from '../db/database';
import type { UserRow } from '../db/schema';
import { randomId } from '../util/random';
import { isUniqueViolation } from '../db/database';
import { reusableQuery } from '../db/reusable-query';

// Run on every sign-in, so compiled once (server/db/reusable-query.ts).
const userById = reusableQuery<{ id: string }, UserRow>(['id'], (db, param) =>
  db.selectFrom('users').selectAll().where('id', '=', param('id')),
);

export class AccountStore {
  constructor(private readonly db: Db) {}

  byEmail(email: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
  }

  async byId(id: string): Promise<UserRow | undefined> {
    return (await userById(this.db, { id })).rows[0];
  }

  byWebauthnUserId(handle: string): Promise<UserRow | undefined> {
    return this.db
      .selectFrom('users')
      .selectAll()
      .where('webauthn_user_id', '=', handle)
      .executeTakeFirst();
  }

  async setPasswordHash(id: string, passwordHash: string): Promise<void> {
    await this.db
      .updateTable('users')
      .set({ password_hash: passwordHash })
      .where('id', '=', id)
      .execute();
  }

  /** Returns null when the email is taken (unique constraint), so the race is handled too. */
  async create(email: string, passwordHash: string, now: number): Promise<UserRow | null> {
    const row: UserRow = {
      id: randomId(),
      email,
      password_hash: passwordHash,
      webauthn_user_id: randomBytes(32).toString('base64url'),
      totp_secret: null,
      totp_pending_secret: null,
      totp_last_step: null,
      created_at: now,
    };
    try {
      await this.db.insertInto('users').values(row).execute();
      return row;
    } catch (err) {
      if (isUniqueViolation(err)) return null;
      throw err;
    }
  }
}
