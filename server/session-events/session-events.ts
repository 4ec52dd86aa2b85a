/**
 * The seam between the routes that end sessions (server/sessions/routes.ts) and whatever tells
 * the ended sessions' clients (server/session-events/namespace.ts, over socket.io). The
 * composition in server/app.ts attaches the namespace first and hands its notifier to the
 * session routes; no socket.io type reaches the routes.
 */
import type { SessionEndedReason } from '../protocol/session-events';

export interface SessionEvents {
  /** Fire and forget: a client that is not connected learns on its next request instead. */
  ended(sessionIds: string[], reason: SessionEndedReason): void;
}
