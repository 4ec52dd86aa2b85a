/**
 * Session events: the server tells a signed-in desktop, over socket.io namespace /session,
 * that its session has ended (revoked from another device, logged out, or a refresh token used
 * twice), so the desktop can sign out at once instead of on its next click. Shared by the
 * server (server/session-events/) and the desktop (electron/services/session-events.ts).
 *
 * The access token travels in the socket.io handshake `auth` only: never in the URL, where
 * proxies and access logs would keep it.
 */
import { z } from 'zod';
import { Token } from './api';

export const SESSION_EVENTS_NAMESPACE = '/session';

/** Handshake `auth` of a /session connection. */
export const SessionEventsAuth = z.strictObject({ token: Token });
export type SessionEventsAuth = z.infer<typeof SessionEventsAuth>;

/**
 * revoked: ended from the sessions list (one session, or "sign out everywhere else");
 * signed-out: the session itself logged out (e.g. the terminal client sharing it);
 * token-reused: a spent refresh token came back, so the whole family was ended for safety.
 */
export const SessionEndedReason = z.enum(['revoked', 'signed-out', 'token-reused']);
export type SessionEndedReason = z.infer<typeof SessionEndedReason>;

export const SessionEnded = z.strictObject({ reason: SessionEndedReason });
export type SessionEnded = z.infer<typeof SessionEnded>;

export const SessionEventName = { ended: 'session:ended' } as const;

/** Why a connection was refused (the connect_error message the client sees). */
export const SESSION_EVENTS_UNAUTHORIZED = 'unauthorized';
/**
 * Refused because the token's session was ended (while this client was away): only a holder of
 * that token learns it, and it tells the desktop to sign out for the same reason as the push.
 */
export const SESSION_EVENTS_ENDED = 'session-ended';

export type SessionEventsServerToClient = {
  'session:ended': (payload: SessionEnded) => void;
};
/** The client has nothing to say on this namespace. */
export type SessionEventsClientToServer = Record<string, never>;
