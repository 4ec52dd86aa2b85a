/**
 * POST /api/step-up: password (+ TOTP where enrolled) marks this session elevated for five
 * minutes, which adding/removing passkeys and changing 2FA require. Failures answer 403 (not
 * 401): the session is still valid, only this verification failed.
 */
import type { RouteHandlers } from '../http/route-table';
import type { ServerParts } from '../composition-root';
import { StepUpRequest } from '../protocol/api';
import { ApiError, parseWith } from '../http/errors';
import { STEP_UP_WINDOW_MS, requestMeta, requireSession } from '../http/request-helpers';
import { verifyPassword } from '../accounts/passwords';

/** The parts of the server stepUpRoutes uses; server/app.ts hands over exactly these. */
export const stepUpUses = [
  'accounts',
  'activity',
  'clock',
  'guard',
  'secondFactor',
  'sessions',
] as const satisfies readonly (keyof ServerParts)[];
export type StepUpDeps = Pick<ServerParts, (typeof stepUpUses)[number]>;

export function stepUpRoutes(ctx: StepUpDeps): RouteHandlers<'stepUp'> {
  return {
    stepUp: async (request) => {
      const { session, user } = await requireSession(ctx, request);
      const body = parseWith(StepUpRequest, request.body);
      const meta = requestMeta(request);
      await ctx.guard.assertAllowed('stepup', user.id, meta.ip);
      const fail = async (
        code: 'invalid_credentials' | 'totp_required' | 'invalid_totp',
        message: string,
      ) => {
        await ctx.guard.recordFailure('stepup', user.id, meta.ip);
        await ctx.activity.record(user.id, 'stepup.failed', meta, {
          reason: code,
          sessionId: session.id,
        });
        return new ApiError(403, code, message);
      };
      if (!(await verifyPassword(user.password_hash, body.password)))
        throw await fail('invalid_credentials', 'The password is not right.');
      if (user.totp_secret) {
        if (!body.totp)
          throw new ApiError(
            403,
            'totp_required',
            'Enter the 6-digit code from your authenticator app too.',
          );
        if (!(await ctx.secondFactor.verify(user, body.totp, ctx.clock.now(), meta)))
          throw await fail('invalid_totp', 'That code is not right or was already used.');
      }
      await ctx.guard.recordSuccess('stepup', user.id);
      const until = ctx.clock.now() + STEP_UP_WINDOW_MS;
      await ctx.sessions.elevate(session.id, until, 'password');
      await ctx.activity.record(user.id, 'stepup.succeeded', meta, {
        sessionId: session.id,
        method: 'password',
      });
      return { elevatedUntil: new Date(until).toISOString(), method: 'password' as const };
    },
  };
}
