/** Small helpers every route uses: who is calling, from where, and are they elevated. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServerParts } from '../composition-root';
import type { Config } from '../config';
import type { SessionRow, UserRow } from '../db/schema';
import type { RequestMeta } from '../activity/activity-log';
import { Token } from '../protocol/api';
import { ApiError } from './errors';
import { normaliseIp } from './client-address';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Set by server/app.ts from config: true when the phone origin is https. Behind a
     * TLS-terminating proxy request.protocol says http, so it cannot decide the Secure flag.
     */
    secureCookies: boolean;
  }
}

export const SESSION_COOKIE = 'kb_session';
export const STEP_UP_WINDOW_MS = 5 * 60 * 1000;

export function requestMeta(request: FastifyRequest): RequestMeta {
  const ua = request.headers['user-agent'];
  return {
    ip: normaliseIp(request.ip),
    userAgent: typeof ua === 'string' ? ua.slice(0, 512) : null,
  };
}

export type Caller = { session: SessionRow; user: UserRow };

function presentedToken(request: FastifyRequest): string | null {
  const auth = request.headers.authorization;
  if (auth !== undefined) {
    const match = /^Bearer ([^\s]+)$/.exec(auth);
    const token = match?.[1];
    if (token === undefined || !Token.safeParse(token).success)
      throw new ApiError(401, 'unauthorized', 'The access token is malformed.');
    return token;
  }
  const cookie = request.cookies?.[SESSION_COOKIE];
  if (cookie && Token.safeParse(cookie).success) return cookie;
  return null;
}

/** The signed-in caller (bearer token for the desktop, cookie for the web app), or 401. */
export async function requireSession(
  ctx: Pick<ServerParts, 'sessions' | 'accounts'>,
  request: FastifyRequest,
): Promise<Caller> {
  const token = presentedToken(request);
  if (!token) throw new ApiError(401, 'unauthorized', 'Sign in first.');
  const session = await ctx.sessions.authenticate(token);
  if (!session) throw new ApiError(401, 'unauthorized', 'This session has ended. Sign in again.');
  const user = await ctx.accounts.byId(session.user_id);
  if (!user) throw new ApiError(401, 'unauthorized', 'This account no longer exists.');
  return { session, user };
}

export function isElevated(ctx: Pick<ServerParts, 'clock'>, session: SessionRow): boolean {
  return session.elevated_until !== null && session.elevated_until > ctx.clock.now();
}

/** Adding/removing passkeys and changing 2FA need a security verification in the last 5 minutes. */
export function requireStepUp(ctx: Pick<ServerParts, 'clock'>, session: SessionRow): void {
  if (!isElevated(ctx, session)) {
    throw new ApiError(
      403,
      'step_up_required',
      'Confirm it is you (password, and code if you use an authenticator app) first.',
    );
  }
}

export function setSessionCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  token: string,
  maxAgeMs: number,
): void {
  reply.setCookie(SESSION_COOKIE, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'strict',
    secure: request.server.secureCookies,
    maxAge: Math.floor(maxAgeMs / 1000),
  });
}

export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, {
    path: '/',
    httpOnly: true,
    sameSite: 'strict',
    secure: request.server.secureCookies,
  });
}

/** An https phone origin (RP_ORIGINS, first entry) means every cookie is Secure. */
export function secureCookiesFor(config: Pick<Config, 'rpOrigins'>): boolean {
  return config.rpOrigins?.[0]?.startsWith('https:') ?? false;
}
