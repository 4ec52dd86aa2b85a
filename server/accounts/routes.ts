/** Sign up, and GET /api/me (account summary with the security checklist). */
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context';
import type { ChecklistItem, MeResponse } from '../protocol/api';
import { SignUpRequest } from '../protocol/api';
import { ApiError, parseWith } from '../http/errors';
import {
  STEP_UP_WINDOW_MS,
  isElevated,
  requestMeta,
  requireSession,
} from '../http/request-helpers';
import { completeSignIn } from '../auth/sign-in';
import { hashPassword } from './passwords';

export function registerAccountRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post('/api/accounts', async (request, reply) => {
    const body = parseWith(SignUpRequest, request.body);
    const now = ctx.clock.now();
    const user = await ctx.accounts.create(body.email, await hashPassword(body.password), now);
    if (!user)
      throw new ApiError(409, 'email_taken', 'An account with this email exists. Sign in instead.');
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
    return reply.code(201).send(res);
  });

  app.get('/api/me', async (request): Promise<MeResponse> => {
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
        detail: totpEnabled
          ? `${Number(unusedCodes.n)} unused recovery codes`
          : 'Recovery codes come with the authenticator app.',
      },
      {
        id: 'sessions',
        label: 'Review where you are signed in',
        done: sessionCount <= 1,
        detail: `${sessionCount} active session${sessionCount === 1 ? '' : 's'}`,
      },
    ];
    return {
      user: { id: user.id, email: user.email, createdAt: new Date(user.created_at).toISOString() },
      totpEnabled,
      passkeyCount,
      sessionCount,
      elevatedUntil: isElevated(ctx, session)
        ? new Date(session.elevated_until as number).toISOString()
        : null,
      session: { id: session.id, method: session.method, passkeyId: session.passkey_id },
      webauthnUserId: user.webauthn_user_id,
      checklist,
    };
  });
}
