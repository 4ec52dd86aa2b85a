/** TOTP enrolment (setup -> confirm with a first code -> recovery codes once) and removal. */
import type { RouteHandlers } from '../http/route-table';
import { z } from 'zod';
import type { ServerParts } from '../composition-root';
import { TotpConfirmRequest } from '../protocol/api';
import { ApiError, parseWith } from '../http/errors';
import { requestMeta, requireSession, requireStepUp } from '../http/request-helpers';
import { randomId } from '../util/random';
import { checkTotp, newTotpSecret, otpauthUri } from './totp';
import { RECOVERY_CODE_COUNT, hashRecoveryCode, newRecoveryCode } from './recovery-codes';

const NoBody = z.strictObject({}).optional();

/** The parts of the server totpRoutes uses; server/app.ts hands over exactly these. */
export const totpUses = [
  'accounts',
  'activity',
  'clock',
  'config',
  'db',
  'guard',
  'sessions',
  'totpSecrets',
] as const satisfies readonly (keyof ServerParts)[];
export type TotpDeps = Pick<ServerParts, (typeof totpUses)[number]>;

export function totpRoutes(
  ctx: TotpDeps,
): RouteHandlers<'totpSetup' | 'totpConfirm' | 'totpDisable'> {
  return {
    totpSetup: async (request) => {
      const { session, user } = await requireSession(ctx, request);
      parseWith(NoBody, request.body);
      requireStepUp(ctx, session);
      if (user.totp_secret)
        throw new ApiError(409, 'totp_already_enabled', 'An authenticator app is already set up.');
      const secret = newTotpSecret();
      await ctx.db
        .updateTable('users')
        .set({ totp_pending_secret: ctx.totpSecrets.seal(user.id, secret) })
        .where('id', '=', user.id)
        .execute();
      return { otpauthUri: otpauthUri(secret, user.email, ctx.config.rpName), secret };
    },

    totpConfirm: async (request) => {
      const { session, user } = await requireSession(ctx, request);
      const body = parseWith(TotpConfirmRequest, request.body);
      requireStepUp(ctx, session);
      if (user.totp_secret)
        throw new ApiError(409, 'totp_already_enabled', 'An authenticator app is already set up.');
      if (!user.totp_pending_secret)
        throw new ApiError(400, 'bad_request', 'Start the authenticator app setup first.');
      const meta = requestMeta(request);
      await ctx.guard.assertAllowed('totp', user.id, meta.ip);
      const pending = ctx.totpSecrets.open(user.id, user.totp_pending_secret);
      const step = checkTotp(pending, body.code, ctx.clock.now(), null);
      if (step === null) {
        await ctx.guard.recordFailure('totp', user.id, meta.ip);
        throw new ApiError(
          400,
          'invalid_totp',
          'That code is not right. Check the time on your phone and try the current code.',
        );
      }
      await ctx.guard.recordSuccess('totp', user.id);
      const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
      await ctx.db.transaction().execute(async (trx) => {
        await trx
          .updateTable('users')
          .set({
            totp_secret: user.totp_pending_secret, // still sealed, for the same user
            totp_pending_secret: null,
            totp_last_step: step,
          })
          .where('id', '=', user.id)
          .execute();
        await trx.deleteFrom('recovery_codes').where('user_id', '=', user.id).execute();
        await trx
          .insertInto('recovery_codes')
          .values(
            codes.map((c) => ({
              id: randomId(),
              user_id: user.id,
              code_hash: hashRecoveryCode(c),
              used_at: null,
            })),
          )
          .execute();
      });
      await ctx.activity.record(user.id, 'totp.enabled', meta);
      return { recoveryCodes: codes };
    },

    totpDisable: async (request) => {
      const { session, user } = await requireSession(ctx, request);
      parseWith(NoBody, request.body);
      requireStepUp(ctx, session);
      if (!user.totp_secret)
        throw new ApiError(409, 'totp_not_enabled', 'No authenticator app is set up.');
      await ctx.db.transaction().execute(async (trx) => {
        await trx
          .updateTable('users')
          .set({ totp_secret: null, totp_pending_secret: null, totp_last_step: null })
          .where('id', '=', user.id)
          .execute();
        await trx.deleteFrom('recovery_codes').where('user_id', '=', user.id).execute();
      });
      await ctx.activity.record(user.id, 'totp.disabled', requestMeta(request));
      return { ok: true };
    },
  };
}
