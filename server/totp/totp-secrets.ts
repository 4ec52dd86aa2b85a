/**
 * TOTP seeds at rest: sealed with the server's secrets key, bound to their user (moving a
 * sealed seed to another account's row makes it unreadable). Rows written before sealing
 * existed hold the raw base32 seed; sealLegacyTotpSecrets converts them at start-up.
 */
import type { FastifyBaseLogger } from 'fastify';
import { sql } from 'kysely';
import { isSqlite, type Db } from '../db/database';
import { SecretBox } from '../secrets/secret-box';

export class TotpSecrets {
  constructor(private readonly box: SecretBox) {}

  seal(userId: string, secret: string): string {
    return this.box.seal(secret, `totp:${userId}`);
  }

  /** The base32 seed; throws if it was sealed under another key (wrong SECRETS_KEY). */
  open(userId: string, stored: string): string {
    return this.box.open(stored, `totp:${userId}`);
  }
}

const legacy = (value: string | null): value is string =>
  value !== null && !SecretBox.isSealed(value);

/** Seals any raw seeds left from before; returns how many rows changed. */
export async function sealLegacyTotpSecrets(
  db: Db,
  secrets: TotpSecrets,
  log: FastifyBaseLogger,
): Promise<number> {
  const rows = await db
    .selectFrom('users')
    .select(['id', 'totp_secret', 'totp_pending_secret'])
    .where((eb) =>
      eb.or([eb('totp_secret', 'is not', null), eb('totp_pending_secret', 'is not', null)]),
    )
    .execute();
  let changed = 0;
  let checked = false;
  for (const row of rows) {
    if (!checked && row.totp_secret && !legacy(row.totp_secret)) {
      checked = true;
      try {
        secrets.open(row.id, row.totp_secret);
      } catch {
        log.error(
          'TOTP secrets in the database do not open with this secrets key: is SECRETS_KEY (or DATA_DIR/secrets.key) the one they were sealed with?',
        );
      }
    }
    if (!legacy(row.totp_secret) && !legacy(row.totp_pending_secret)) continue;
    await db
      .updateTable('users')
      .set({
        totp_secret: legacy(row.totp_secret)
          ? secrets.seal(row.id, row.totp_secret)
          : row.totp_secret,
        totp_pending_secret: legacy(row.totp_pending_secret)
          ? secrets.seal(row.id, row.totp_pending_secret)
          : row.totp_pending_secret,
      })
      .where('id', '=', row.id)
      .execute();
    changed += 1;
  }
  if (changed > 0) {
    // Copy the rewritten pages into the main file now, so the old raw values (zeroed by
    // secure_delete in the new pages) do not linger there until some later checkpoint.
    if (isSqlite(db)) await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(db);
    log.info({ rows: changed }, 'sealed TOTP secrets stored before encryption');
  }
  return changed;
}
