/** POST /api/auth/password: email + password (+ TOTP or recovery code where enrolled). */
import type { RouteHandlers } from '../http/route-table';
import type { ServerParts } from '../composition-root';
import { PasswordLoginRequest } from '../protocol/api';
import { ApiError, parseWith } from '../http/errors';
import { requestMeta } from '../http/request-helpers';
import { verifyPassword } from '../accounts/passwords';
import { completeSignIn } from './sign-in';

/** The parts of the server passwordLoginRoutes uses; server/app.ts hands over exactly these. */
export const passwordLoginUses = [
  'accounts',
  'activity',
  'clock',
  'commitTogether',
  'guard',
  'secondFactor',
  'sessions',
] as const satisfies readonly (keyof ServerParts)[];
export type PasswordLoginDeps = Pick<ServerParts, (typeof passwordLoginUses)[number]>;

export function passwordLoginRoutes(ctx: PasswordLoginDeps): RouteHandlers<'passwordLogin'> {
  return {
    passwordLogin: async (request, reply) => {
      const body = parseWith(PasswordLoginRequest, request.body);
      const meta = requestMeta(request);
      // Keyed by the email as typed, so guessing against a non-existent account is limited too,
      // and throttled per subnet: wrong passwords from one network never lock out the owner.
      await ctx.guard.assertAllowed('password', body.email, meta.ip);
      const user = await ctx.accounts.byEmail(body.email);
      // An unknown email runs argon2 against a dummy hash: the same answer after the same work.
      const ok = await verifyPassword(user?.password_hash ?? null, body.password);
      if (!user || !ok) {
        await ctx.guard.recordFailure('password', body.email, meta.ip);
        if (user)
          await ctx.activity.record(user.id, 'signin.failed', meta, {
            method: 'password',
            reason: 'wrong_password',
          });
        throw new ApiError(401, 'invalid_credentials', 'The email or password is not right.');
      }
      if (user.totp_secret) {
        if (!body.totp)
          throw new ApiError(
            401,
            'totp_required',
            'Enter the 6-digit code from your authenticator app.',
          );
        await ctx.guard.assertAllowed('totp', user.id, meta.ip);
        if (!(await ctx.secondFactor.verify(user, body.totp, ctx.clock.now(), meta))) {
          await ctx.guard.recordFailure('totp', user.id, meta.ip);
          await ctx.activity.record(user.id, 'signin.failed', meta, {
            method: 'password',
            reason: 'wrong_totp',
          });
          throw new ApiError(401, 'invalid_totp', 'That code is not right or was already used.');
        }
        await ctx.guard.recordSuccess('totp', user.id, meta.ip);
      }
      await ctx.guard.recordSuccess('password', body.email, meta.ip);
      return completeSignIn(ctx, request, reply, {
        user,
        client: body.client,
        device: body.device,
        method: 'password',
        passkey: null,
      });
    },
  };
}
