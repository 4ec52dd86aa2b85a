/** GET /api/me: the account summary, this session, and the security checklist. */
import type { RouteHandlers } from '../http/route-table';
import type { ServerParts } from '../composition-root';
import type { ChecklistItem } from '../protocol/api';
import { isElevated, requireSession } from '../http/request-helpers';

/** The parts of the server meRoutes uses; server/app.ts hands over exactly these. */
export const meUses = [
  'accounts',
  'clock',
  'db',
  'passkeys',
  'sessions',
] as const satisfies readonly (keyof ServerParts)[];
export type MeDeps = Pick<ServerParts, (typeof meUses)[number]>;

export function meRoutes(ctx: MeDeps): RouteHandlers<'me'> {
  return {
    me: async (request) => {
      const { session, user } = await requireSession(ctx, request);
      const passkeyCount = await ctx.passkeys.countForUser(user.id);
      const sessionCount = (await ctx.sessions.listLive(user.id)).length;
      const unusedCodes = await ctx.db
        .selectFrom('recovery_codes')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('user_id', '=', user.id)
        .where('used_at', 'is', null)
        .executeTakeFirstOrThrow();
      const totpEnabled = user.totp_secret !== null;
      const checklist: ChecklistItem[] = [
        {
          id: 'passkey',
          label: 'Add a passkey',
          done: passkeyCount > 0,
          count: passkeyCount,
          detail:
            passkeyCount > 0
              ? `${passkeyCount} passkey${passkeyCount === 1 ? '' : 's'}`
              : 'Sign in with your phone instead of a password.',
        },
        {
          id: 'totp',
          label: 'Turn on an authenticator app',
          done: totpEnabled,
          detail: totpEnabled
            ? 'Codes are asked with your password.'
            : 'Protects password sign-in with a 6-digit code.',
        },
        {
          id: 'recovery',
          label: 'Keep your recovery codes',
          done: totpEnabled && Number(unusedCodes.n) > 0,
          count: Number(unusedCodes.n),
          detail: totpEnabled
            ? `${Number(unusedCodes.n)} unused recovery codes`
            : 'Recovery codes come with the authenticator app.',
        },
        {
          id: 'sessions',
          label: 'Review where you are signed in',
          done: sessionCount <= 1,
          count: sessionCount,
          detail: `${sessionCount} active session${sessionCount === 1 ? '' : 's'}`,
        },
      ];
      return {
        user: {
          id: user.id,
          email: user.email,
          createdAt: new Date(user.created_at).toISOString(),
        },
        totpEnabled,
        passkeyCount,
        sessionCount,
        elevatedUntil: isElevated(ctx, session)
          ? new Date(session.elevated_until as number).toISOString()
          : null,
        elevatedBy: isElevated(ctx, session) ? (session.elevated_by ?? 'password') : null,
        session: { id: session.id, method: session.method, passkeyId: session.passkey_id },
        webauthnUserId: user.webauthn_user_id,
        checklist,
      };
    },
  };
}
