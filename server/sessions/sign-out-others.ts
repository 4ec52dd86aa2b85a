/**
 * Signs out every live session of an account but one, and tells their clients at once
 * (server/session-events/namespace.ts). Shared by "sign out other sessions" and a password
 * change, which must end the same sessions the same way.
 */
import type { SessionStore } from './session-store';
import type { SessionEvents } from '../session-events/session-events';

export async function signOutOtherSessions(
  deps: { sessions: SessionStore; sessionEvents: SessionEvents },
  userId: string,
  keepSessionId: string,
): Promise<number> {
  const others = (await deps.sessions.listLive(userId)).filter((s) => s.id !== keepSessionId);
  for (const s of others) await deps.sessions.revoke(s.id);
  deps.sessionEvents.ended(
    others.map((s) => s.id),
    'revoked',
  );
  return others.length;
}
