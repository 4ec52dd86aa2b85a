/**
 * The end of every successful sign-in (password or passkey): create the session, answer with
 * a cookie (web) or tokens (desktop, body "client":"desktop"), and record the event. The
 * session, its refresh token, the event and the caller's own writes (a passkey's counter) are
 * stored together (server/db/commit-together.ts: one transaction on SQLite, one statement on
 * PostgreSQL), so the work below only writes: it reads nothing back from the database.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServerParts } from '../composition-root';
import type { UserRow } from '../db/schema';
import type { TogetherStores } from '../db/commit-together';
import type {
  ClientKind,
  CookieLoginResponse,
  DeviceInfo,
  SignInMethod,
  TokenResponse,
} from '../protocol/api';
import { requestMeta, setSessionCookie } from '../http/request-helpers';
import { sessionDeviceFromUserAgent } from '../sessions/session-device';
import { WEB_SESSION_TTL_MS } from '../sessions/session-store';

export type SignIn = {
  user: UserRow;
  client: ClientKind | undefined;
  device: DeviceInfo | undefined;
  method: SignInMethod;
  passkey: { id: string; name: string } | null;
  elevatedUntil?: number | null;
  /** More writes of this sign-in, committed with the session (only through `stores`). */
  alsoWrite?: (stores: TogetherStores) => Promise<void>;
};

export async function completeSignIn(
  ctx: Pick<ServerParts, 'commitTogether'>,
  request: FastifyRequest,
  reply: FastifyReply,
  s: SignIn,
): Promise<TokenResponse | CookieLoginResponse> {
  const meta = requestMeta(request);
  const client = s.client ?? 'web';
  const device = s.device
    ? `${s.device.name} (${s.device.platform})`
    : client === 'desktop'
      ? 'Keybridge desktop'
      : sessionDeviceFromUserAgent(meta.userAgent);
  const issued = await ctx.commitTogether(async (stores) => {
    await s.alsoWrite?.(stores);
    const made = await stores.sessions.create({
      userId: s.user.id,
      client,
      device,
      method: s.method,
      passkeyId: s.passkey?.id ?? null,
      ip: meta.ip,
      userAgent: meta.userAgent,
      elevatedUntil: s.elevatedUntil ?? null,
    });
    await stores.activity.record(s.user.id, 'signin.succeeded', meta, {
      method: s.method,
      client,
      sessionId: made.session.id,
      passkeyId: s.passkey?.id ?? null,
      passkeyName: s.passkey?.name ?? null,
    });
    return made;
  });
  const user = { id: s.user.id, email: s.user.email };
  if (issued.kind === 'desktop') {
    return {
      accessToken: issued.accessToken,
      refreshToken: issued.refreshToken,
      expiresIn: issued.expiresIn,
      user,
      sessionId: issued.session.id,
    };
  }
  setSessionCookie(request, reply, issued.cookieToken, WEB_SESSION_TTL_MS);
  return { user, sessionId: issued.session.id };
}
