/**
 * Checks a second-factor code for an account with TOTP enabled: a 6-digit TOTP code (not
 * reused) or an unused recovery code, which is then spent. Callers rate-limit around this.
 */
import type { Db } from '../db/database';
import type { UserRow } from '../db/schema';
import type { ActivityLog, RequestMeta } from '../activity/activity-log';
import { checkTotp } from './totp';
import type { TotpSecrets } from './totp-secrets';
import { hashRecoveryCode, isRecoveryCodeShape } from './recovery-codes';

export class SecondFactor {
  constructor(
    private readonly db: Db,
    private readonly activity: ActivityLog,
    private readonly secrets: TotpSecrets,
  ) {}

  async verify(user: UserRow, code: string, now: number, meta: RequestMeta): Promise<boolean> {
    if (!user.totp_secret) return false;
    if (isRecoveryCodeShape(code)) {
      const spent = await this.db
        .updateTable('recovery_codes')
        .set({ used_at: now })
        .where('user_id', '=', user.id)
        .where('code_hash', '=', hashRecoveryCode(code))
        .where('used_at', 'is', null)
        .executeTakeFirst();
      if (Number(spent.numUpdatedRows) !== 1) return false;
      await this.activity.record(user.id, 'recovery_code.used', meta);
      return true;
    }
    const secret = this.secrets.open(user.id, user.totp_secret);
    const step = checkTotp(secret, code, now, user.totp_last_step);
    if (step === null) return false;
    // Conditional update: two requests racing with the same code cannot both pass.
    const res = await this.db
      .updateTable('users')
      .set({ totp_last_step: step })
      .where('id', '=', user.id)
      .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }
}
