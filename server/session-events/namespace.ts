/**
 * socket.io namespace /session on the relay's Server: a signed-in desktop connects with its
 * access token in the handshake `auth`, is checked like a bearer request, and joins the room
 * of its own session. Ending a session emits `session:ended` to that room. The relay's Redis
 * adapter (REDIS_URL) makes the room span processes, so a phone served by one process ends a
 * desktop connected to another.
 *
 * Nothing here logs the token or the handshake; a refused connection logs no more than that.
 */
import type { Server, Socket } from 'socket.io';
import type { ServerParts } from '../composition-root';
import {
  SESSION_EVENTS_ENDED,
  SESSION_EVENTS_NAMESPACE,
  SESSION_EVENTS_UNAUTHORIZED,
  SessionEventName,
  SessionEventsAuth,
  type SessionEndedReason,
  type SessionEventsClientToServer,
  type SessionEventsServerToClient,
} from '../protocol/session-events';
import { sha256 } from '../util/random';
import type { SessionEvents } from './session-events';

type SocketData = { sessionId: string };
type SessionSocket = Socket<
  SessionEventsClientToServer,
  SessionEventsServerToClient,
  object,
  SocketData
>;

const roomFor = (sessionId: string) => `session:${sessionId}`;

/** The parts of the server attachSessionEvents uses; server/app.ts hands over exactly these. */
export const sessionEventsUses = [
  'db',
  'log',
  'sessions',
] as const satisfies readonly (keyof ServerParts)[];
export type SessionEventsDeps = Pick<ServerParts, (typeof sessionEventsUses)[number]>;

/** Serves /session on `io`; returns the notifier for the session routes. One call from server/app.ts. */
export function attachSessionEvents(io: Server, ctx: SessionEventsDeps): SessionEvents {
  const nsp = io.of(SESSION_EVENTS_NAMESPACE);
  const refused = (why = SESSION_EVENTS_UNAUTHORIZED) => new Error(why);
  const isRefusal = (err: unknown) =>
    err instanceof Error &&
    (err.message === SESSION_EVENTS_UNAUTHORIZED || err.message === SESSION_EVENTS_ENDED);

  async function admit(socket: SessionSocket): Promise<void> {
    const auth = SessionEventsAuth.safeParse(socket.handshake.auth);
    if (!auth.success) throw refused();
    const session = await ctx.sessions.authenticate(auth.data.token);
    if (!session)
      throw (await endedSessionHad(auth.data.token)) ? refused(SESSION_EVENTS_ENDED) : refused();
    socket.data.sessionId = session.id;
    await socket.join(roomFor(session.id));
  }

  /** The token is the last access token of a session that has been ended (not just expired). */
  async function endedSessionHad(token: string): Promise<boolean> {
    const row = await ctx.db
      .selectFrom('sessions')
      .select('revoked_at')
      .where('token_hash', '=', sha256(token))
      .executeTakeFirst();
    return row !== undefined && row.revoked_at !== null;
  }

  nsp.use((socket, next) => {
    admit(socket as SessionSocket).then(
      () => next(),
      (err: unknown) => {
        if (isRefusal(err)) return next(err as Error);
        ctx.log.warn(
          { err: err instanceof Error ? err.message : String(err) },
          'session events: could not check a connection',
        );
        next(refused());
      },
    );
  });

  nsp.on('connection', (raw) => {
    const socket = raw as SessionSocket;
    // A client has nothing to send here; anything it sends ends the connection.
    socket.onAny(() => socket.disconnect(true));
    // The session may have ended between the token check and joining the room, when the
    // event went to an empty room: look once more, now that any later end reaches us.
    void ctx.db
      .selectFrom('sessions')
      .select('revoked_at')
      .where('id', '=', socket.data.sessionId)
      .executeTakeFirst()
      .then(
        (row) => {
          if (row && row.revoked_at === null) return;
          socket.emit(SessionEventName.ended, { reason: 'revoked' });
          socket.disconnect();
        },
        () => undefined,
      );
  });

  const events: SessionEvents = {
    ended(sessionIds: string[], reason: SessionEndedReason) {
      for (const id of sessionIds) {
        nsp.to(roomFor(id)).emit(SessionEventName.ended, { reason });
        // Sockets here leave after the event (it is written first); a client on another
        // process closes its own connection when the event reaches it.
        nsp.local.in(roomFor(id)).disconnectSockets();
      }
    },
  };
  return events;
}
