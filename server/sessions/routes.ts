/** Refresh, logout, and the account's session list with revoke (one, or all others). */
import type { RouteHandlers } from '../http/route-table';
import { z } from 'zod';
import type { ServerParts } from '../composition-root';
import { IdParams, RefreshRequest } from '../protocol/api';
import { ApiError, parseWith } from '../http/errors';
import { clearSessionCookie, requestMeta, requireSession } from '../http/request-helpers';
import type { SessionEvents } from '../session-events/session-events';
import { signOutOtherSessions } from './sign-out-others';

const NoBody = z.strictObject({}).optional();

/** The parts of the server sessionRoutes uses; server/app.ts hands over exactly these. */
export const sessionUses = [
  'accounts',
  'activity',
  'sessions',
] as const satisfies readonly (keyof ServerParts)[];
export type SessionRouteDeps = Pick<ServerParts, (typeof sessionUses)[number]> & {
  /** Who tells an ended session's clients (server/session-events/namespace.ts). */
  sessionEvents: SessionEvents;
};

export function sessionRoutes(
  ctx: SessionRouteDeps,
): RouteHandlers<'refresh' | 'logout' | 'sessions' | 'revokeSession' | 'revokeOtherSessions'> {
  return {
    refresh: async (request) => {
      const body = parseWith(RefreshRequest, request.body);
      const outcome = await ctx.sessions.refresh(body.refreshToken);
      if (!outcome.ok && outcome.reason === 'reused') {
        // A spent refresh token came back: either the client or a thief replayed it. The whole
        // family (the session) is revoked, so whoever holds the newer token is signed out too.
        ctx.sessionEvents.ended([outcome.session.id], 'token-reused');
        await ctx.activity.record(
          outcome.session.user_id,
          'refresh_token.reused',
          requestMeta(request),
          { sessionId: outcome.session.id },
        );
        throw new ApiError(
          401,
          'token_reused',
          'This sign-in was ended for safety (a refresh token was used twice). Sign in again.',
        );
      }
      if (!outcome.ok)
        throw new ApiError(401, 'token_invalid', 'This sign-in has ended. Sign in again.');
      const user = await ctx.accounts.byId(outcome.session.user_id);
      if (!user) throw new ApiError(401, 'token_invalid', 'This account no longer exists.');
      return {
        accessToken: outcome.accessToken,
        refreshToken: outcome.refreshToken,
        expiresIn: outcome.expiresIn,
        user: { id: user.id, email: user.email },
        sessionId: outcome.session.id,
      };
    },

    logout: async (request, reply) => {
      const { session, user } = await requireSession(ctx, request);
      parseWith(NoBody, request.body);
      await ctx.sessions.revoke(session.id);
      ctx.sessionEvents.ended([session.id], 'signed-out');
      await ctx.activity.record(user.id, 'session.signed_out', requestMeta(request), {
        sessionId: session.id,
      });
      clearSessionCookie(request, reply);
      return { ok: true };
    },

    sessions: async (request) => {
      const { session, user } = await requireSession(ctx, request);
      const rows = await ctx.sessions.listLive(user.id);
      return {
        sessions: rows.map((s) => ({
          id: s.id,
          client: s.client,
          device: s.device,
          method: s.method,
          ip: s.ip,
          userAgent: s.user_agent,
          createdAt: new Date(s.created_at).toISOString(),
          lastActiveAt: new Date(s.last_active_at).toISOString(),
          current: s.id === session.id,
        })),
      };
    },

    revokeSession: async (request, reply) => {
      const { session, user } = await requireSession(ctx, request);
      const { id } = parseWith(IdParams, request.params);
      parseWith(NoBody, request.body);
      const target = (await ctx.sessions.listLive(user.id)).find((s) => s.id === id);
      if (!target) throw new ApiError(404, 'not_found', 'No such active session on this account.');
      await ctx.sessions.revoke(id);
      ctx.sessionEvents.ended([id], 'revoked');
      await ctx.activity.record(user.id, 'session.revoked', requestMeta(request), {
        sessionId: id,
        device: target.device,
      });
      if (id === session.id) clearSessionCookie(request, reply);
      return { revoked: 1 };
    },

    revokeOtherSessions: async (request) => {
      const { session, user } = await requireSession(ctx, request);
      parseWith(NoBody, request.body);
      const revoked = await signOutOtherSessions(ctx, user.id, session.id);
      if (revoked > 0) {
        await ctx.activity.record(user.id, 'session.revoked', requestMeta(request), {
          count: revoked,
          scope: 'all_others',
        });
      }
      return { revoked };
    },
  };
}
