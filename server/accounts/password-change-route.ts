/**
 * POST /api/account/password: change the password of the signed-in account. It needs a fresh
 * step-up and the current password (a session left open on a shared machine is not enough),
 * except after a passkey step-up, which is how a forgotten password is replaced,
 * holds the new one to the sign-up rule, and signs out every other session of the account:
 * whoever knew the old password may be holding one.
 */
import type { RouteHandlers } from '../http/route-table';
import type { ServerParts } from '../composition-root';
import { ChangePasswordRequest, Password } from '../protocol/api';
import { ApiError, parseWith } from '../http/errors';
import { requestMeta, requireSession, requireStepUp } from '../http/request-helpers';
import type { SessionEvents } from '../session-events/session-events';
import { signOutOtherSessions } from '../sessions/sign-out-others';
import { hashPassword, verifyPassword } from './passwords';

/** The parts of the server passwordChangeRoutes uses; server/app.ts hands over exactly these. */
export const passwordChangeUses = [
  'accounts',
  'activity',
  'clock',
  'guard',
  'sessions',
] as const satisfies readonly (keyof ServerParts)[];
export type PasswordChangeDeps = Pick<ServerParts, (typeof passwordChangeUses)[number]> & {
  /** Tells the signed-out sessions' clients (server/session-events/namespace.ts). */
  sessionEvents: SessionEvents;
};

export function passwordChangeRoutes(ctx: PasswordChangeDeps): RouteHandlers<'changePassword'> {
  return {
    changePassword: async (request) => {
      const { session, user } = await requireSession(ctx, request);
      const body = parseWith(ChangePasswordRequest, request.body);
      requireStepUp(ctx, session);
      const meta = requestMeta(request);
      // Someone who forgot the password signs in with a passkey and confirms with it: that
      // session may set a new one without the old. A password step-up proves no more than a
      // session left open, so there the current password is still asked.
      const byPasskey = session.elevated_by === 'passkey';
      if (body.currentPassword === undefined && !byPasskey)
        throw new ApiError(
          403,
          'current_password_required',
          'Type your current password, or confirm it is you with your passkey first.',
        );
      if (body.currentPassword !== undefined) {
        // The current password is a guess target like step-up's: the same counters, so the
        // two routes together give a guesser no more tries than one.
        await ctx.guard.assertAllowed('stepup', user.id, meta.ip);
        if (!(await verifyPassword(user.password_hash, body.currentPassword))) {
          await ctx.guard.recordFailure('stepup', user.id, meta.ip);
          throw new ApiError(403, 'invalid_credentials', 'The current password is not right.');
        }
        await ctx.guard.recordSuccess('stepup', user.id);
      }
      if (!Password.safeParse(body.newPassword).success)
        throw new ApiError(
          400,
          'weak_password',
          'Choose a new password of at least 10 characters.',
        );
      await ctx.accounts.setPasswordHash(user.id, await hashPassword(body.newPassword));
      const signedOutSessions = await signOutOtherSessions(ctx, user.id, session.id);
      await ctx.activity.record(user.id, 'password.changed', meta, {
        sessionId: session.id,
        signedOutSessions,
        // How the person proved it: the old password, or a passkey (a forgotten password).
        verifiedWith: body.currentPassword !== undefined ? 'current-password' : 'passkey',
      });
      return { signedOutSessions };
    },
  };
}
