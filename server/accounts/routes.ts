/** POST /api/accounts: sign up with email + password. */
import type { RouteHandlers } from '../http/route-table';
import type { ServerParts } from '../composition-root';
import { SignUpRequest } from '../protocol/api';
import { ApiError, parseWith } from '../http/errors';
import { STEP_UP_WINDOW_MS, requestMeta } from '../http/request-helpers';
import { completeSignIn } from '../auth/sign-in';
import { hashPassword } from './passwords';

/** The parts of the server accountRoutes uses; server/app.ts hands over exactly these. */
export const accountUses = [
  'accounts',
  'activity',
  'clock',
  'commitTogether',
  'ipLimits',
  'sessions',
] as const satisfies readonly (keyof ServerParts)[];
export type AccountDeps = Pick<ServerParts, (typeof accountUses)[number]>;

export function accountRoutes(ctx: AccountDeps): RouteHandlers<'signUp'> {
  return {
    signUp: async (request, reply) => {
      const body = parseWith(SignUpRequest, request.body);
      // Before the hash: every sign-up costs 19 MiB of argon2, whether or not the email is free.
      await ctx.ipLimits.take('signup', request.ip);
      const now = ctx.clock.now();
      const user = await ctx.accounts.create(body.email, await hashPassword(body.password), now);
      if (!user)
        throw new ApiError(
          409,
          'email_taken',
          'An account with this email exists. Sign in instead.',
        );
      await ctx.activity.record(user.id, 'account.created', requestMeta(request));
      // The password was verified seconds ago by choosing it, so the new session starts elevated:
      // enrolling TOTP or a first passkey right after sign-up needs no second password prompt.
      const res = await completeSignIn(ctx, request, reply, {
        user,
        client: 'web',
        device: undefined,
        method: 'password',
        passkey: null,
        elevatedUntil: now + STEP_UP_WINDOW_MS,
      });
      return res;
    },
  };
}
