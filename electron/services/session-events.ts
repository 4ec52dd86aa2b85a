/**
 * The desktop's line to the server's /session namespace (server/session-events/namespace.ts):
 * while signed in, the server pushes `session:ended` the moment the session is ended anywhere
 * (the phone's Sessions list, "Sign out everywhere else", a refresh token used twice), so the
 * app signs out at once instead of on the next click. Plain Node (socket.io-client), no Electron.
 *
 * Every (re)connect asks for an access token afresh, so a reconnect after the 15-minute access
 * token ran out presents a new one; it goes in the handshake `auth`, never in the URL. A refused
 * handshake (token expired or revoked meanwhile) is retried with a token refreshed on purpose,
 * with backoff; the refresh itself tells the session manager when the session is really over.
 */
import type { Agent } from 'node:http';
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import {
  SESSION_EVENTS_ENDED,
  SESSION_EVENTS_NAMESPACE,
  SESSION_EVENTS_UNAUTHORIZED,
  SessionEnded,
  SessionEventName,
  type SessionEndedReason,
  type SessionEventsClientToServer,
  type SessionEventsServerToClient,
} from '../../server/protocol/session-events';

export type SessionEventsOptions = {
  /** The server's origin (the API client's serverUrl). */
  serverUrl: string;
  /** Bind the connection to this local address, like the API client ('127.0.0.2' in tests). */
  localAddress?: string;
  /** The system-proxy agent (api-client.ts socketAgent); unset: direct. */
  agent?: Agent;
  /**
   * An access token for the handshake. `fresh` after the server refused the last one: refresh
   * first. Rejects when there is none to give (signed out meanwhile); the try then fails and
   * is retried later unless `stop()` was called.
   */
  accessToken(fresh: boolean): Promise<string>;
  onEnded(reason: SessionEndedReason): void;
  /** First retry delay and the cap; the delay doubles per failure with some jitter. */
  backoff?: { initialMs: number; maxMs: number };
};

export type SessionEventsConnection = {
  /** True once the server accepted the handshake (and false again while reconnecting). */
  connected(): boolean;
  stop(): void;
};

type EventsSocket = Socket<SessionEventsServerToClient, SessionEventsClientToServer>;

export function connectSessionEvents(options: SessionEventsOptions): SessionEventsConnection {
  const { initialMs, maxMs } = options.backoff ?? { initialMs: 1_000, maxMs: 60_000 };
  let stopped = false;
  let wantFresh = false;
  let failures = 0;
  let retry: NodeJS.Timeout | undefined;

  // localAddress and an http.Agent are passed through to the Node WebSocket (ws) but the
  // browser-minded types do not know them.
  const socketOptions: Omit<Partial<ManagerOptions & SocketOptions>, 'agent'> & {
    localAddress?: string;
    agent?: Agent;
  } = {
    transports: ['websocket'],
    // Its own connection: another manager in this process may bind another local address.
    forceNew: true,
    localAddress: options.localAddress,
    ...(options.agent ? { agent: options.agent } : {}),
    reconnectionDelay: initialMs,
    reconnectionDelayMax: maxMs,
    randomizationFactor: 0.5,
    // Called on every connect and reconnect: the token is never reused from an old handshake.
    auth: (cb) => {
      const fresh = wantFresh;
      wantFresh = false;
      options.accessToken(fresh).then(
        (token) => cb({ token }),
        () => cb({}),
      );
    },
  };
  const url = new URL(SESSION_EVENTS_NAMESPACE, options.serverUrl).href;
  const socket: EventsSocket = io(url, socketOptions as Partial<ManagerOptions & SocketOptions>);

  socket.on('connect', () => {
    failures = 0;
  });

  function ended(reason: SessionEndedReason) {
    stop();
    options.onEnded(reason);
  }

  socket.on(SessionEventName.ended, (payload: unknown) => {
    const parsed = SessionEnded.safeParse(payload);
    if (parsed.success && !stopped) ended(parsed.data.reason);
  });

  socket.on('connect_error', (err) => {
    if (stopped) return;
    // Ended while we were away (asleep, offline): the server does not say how; "revoked" is
    // the one a person can do, and what the user is told either way.
    if (err.message === SESSION_EVENTS_ENDED) return ended('revoked');
    // socket.io retries transport failures itself (socket.active); a refused handshake it does
    // not, so that one is retried here, with a token refreshed on purpose.
    if (socket.active) return;
    if (err.message === SESSION_EVENTS_UNAUTHORIZED) wantFresh = true;
    scheduleRetry();
  });

  socket.on('disconnect', (reason) => {
    // The server let go of this socket without saying why (e.g. it shut down the namespace):
    // socket.io does not come back from that by itself.
    if (!stopped && reason === 'io server disconnect') scheduleRetry();
  });

  function scheduleRetry() {
    clearTimeout(retry);
    const base = Math.min(maxMs, initialMs * 2 ** failures);
    failures += 1;
    const delay = base * (0.75 + Math.random() * 0.5);
    retry = setTimeout(() => {
      if (!stopped) socket.connect();
    }, delay);
  }

  function stop() {
    stopped = true;
    clearTimeout(retry);
    socket.off();
    socket.disconnect();
  }

  return { connected: () => socket.connected, stop };
}
