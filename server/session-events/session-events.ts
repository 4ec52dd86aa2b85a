/**
 * The seam between the routes that end sessions (server/sessions/routes.ts) and whatever tells
 * the ended sessions' clients (server/session-events/namespace.ts, over socket.io). Routes ask
 * `sessionEventsOf(ctx)`; until a notifier is attached to the context, ending a session tells
 * nobody, which is the behaviour without a relay (e.g. tests that build only the HTTP app).
 *
 * A WeakMap keyed by the context rather than a field on it: server/context.ts stays free of
 * anything socket.io, and a closed server's notifier goes away with its context.
 */
import type { ServerContext } from '../context';
import type { SessionEndedReason } from '../protocol/session-events';

export interface SessionEvents {
  /** Fire and forget: a client that is not connected learns on its next request instead. */
  ended(sessionIds: string[], reason: SessionEndedReason): void;
}

export const noSessionEvents: SessionEvents = { ended: () => undefined };

const attached = new WeakMap<ServerContext, SessionEvents>();

export function setSessionEvents(ctx: ServerContext, events: SessionEvents): void {
  attached.set(ctx, events);
}

export function sessionEventsOf(ctx: ServerContext): SessionEvents {
  return attached.get(ctx) ?? noSessionEvents;
}
