/**
 * The relay (docs/architecture.md §Tunnel protocol): socket.io namespace /tunnel, a dumb pipe between exactly one
 * desktop and one phone per pairing. It never sees plaintext: `pair:msg` data is an opaque
 * channel frame (server/protocol/channel.ts). What it adds is what only the server can vouch
 * for: the desktop's IP, when the pairing was made, whether both sides share a network, and
 * (when they do not) the reverse code from the store of the linked attempt (sign-in or
 * add-passkey), sent to the phone only; and what the pairing is for (`purpose`) with the hash
 * of its challenge, so the phone acts on that attempt and no other. The desktop learns only a
 * readable name of the phone ("Chrome on Android"), never its IP or raw user agent.
 *
 * This file is the socket gateway: origin check, rate limits, roles, acks and emits, timers.
 * What a pairing may do is decided in ./pairings.ts (no sockets); which attempt a pairing
 * serves, and its reverse code, in ./attempt-link.ts. A socket's role is fixed by its first
 * request: `pair:create` makes it a desktop, `pair:join` a phone.
 */
import type { Server as HttpServer } from 'node:http';
import { Server, type Namespace, type ServerOptions, type Socket } from 'socket.io';
import {
  PairCancel,
  PairComplete,
  PairCreateRequest,
  PairJoinRequest,
  PairMsg,
  TUNNEL_NAMESPACE,
  TunnelEvent,
  type TunnelClientToServer,
  type TunnelError,
  type TunnelErrorCode,
  type TunnelServerToClient,
} from '../protocol/tunnel';
import { createPairingLink, type PairingLink, type ReverseCodeIssuer } from './attempt-link';
import { clientIp, type TrustProxy } from './client-ip';
import { TokenBucket, defaultTunnelLimits, type TunnelLimits } from './limits';
import { MemoryPairingStore, type PairingStore } from './pairing-store';
import { createPairings, type Closed } from './pairings';

export type { PairingLink };

/** Every event in and out of the namespace, for tests that check what the relay can see. */
export type RelayObservation = {
  direction: 'in' | 'out';
  event: string;
  socketId: string;
  payload: unknown;
};

type Logger = {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
};

export type TunnelOptions = {
  trustProxy?: TrustProxy;
  limits?: Partial<TunnelLimits>;
  store?: PairingStore;
  /**
   * The attempt <-> pairing link over the same store (server/tunnel/attempt-link.ts), built by
   * the composition. Absent: one is made over `store` with `issueReverseCode` (relay tests).
   */
  link?: PairingLink;
  /** Only without `link`: a fresh 6-digit code for the linked attempt. */
  issueReverseCode?: ReverseCodeIssuer;
  /** Can the server vouch both ends share a network (server/tunnel/network-check.ts)? */
  sameNetwork?: (desktopIp: string, phoneIp: string) => boolean;
  /** REVERSE_CODE=always: a code even when the networks are the same. */
  alwaysAskCode?: boolean;
  /** Browser origins allowed to connect (Node clients send none); null/undefined = any. */
  allowedOrigins?: () => string[] | null | undefined;
  observer?: (o: RelayObservation) => void;
  logger?: Logger;
  /** socket.io adapter (e.g. @socket.io/redis-adapter) so sockets on other processes are reachable. */
  adapter?: ServerOptions['adapter'];
  now?: () => number;
};

export type Tunnel = {
  io: Server;
  namespace: Namespace;
  store: PairingStore;
  pairingLink: PairingLink;
  limits: TunnelLimits;
  /** Close every pairing (reason shutdown), disconnect sockets, stop timers. Leaves the HTTP server alone. */
  close(): Promise<void>;
};

type SocketData = { role?: 'desktop' | 'phone'; pairings: Set<string>; ip: string };
type TunnelSocket = Socket<TunnelClientToServer, TunnelServerToClient, object, SocketData>;

const silent: Logger = { info() {}, warn() {} };

const messages: Record<TunnelErrorCode, string> = {
  unknown: 'This sign-in link is not known. Scan the QR code on your computer again.',
  expired: 'This QR code has expired. Show a new one on your computer and scan it again.',
  'already-joined': 'Another phone already scanned this QR code.',
  completed: 'This QR code was already used to sign in.',
  cancelled: 'This sign-in was cancelled on the computer.',
  invalid: 'The request was not understood.',
  'rate-limited': 'Too many requests. Wait a moment and try again.',
  'wrong-role': 'This connection cannot do that.',
  'too-many-pairings': 'The server is busy. Try again in a moment.',
};

const refuse = (code: TunnelErrorCode): { ok: false; error: TunnelError } => ({
  ok: false,
  error: { code, message: messages[code] },
});

/** One set for every connection (10,000 waiting desktops are 10,000 connections). */
const KNOWN_EVENTS: ReadonlySet<string> = new Set<string>(Object.values(TunnelEvent));

/** Log-safe pairing reference: enough to correlate lines, not enough to join. */
const ref = (id: string) => id.slice(0, 6);

export function attachTunnel(httpServer: HttpServer, options: TunnelOptions = {}): Tunnel {
  const limits: TunnelLimits = { ...defaultTunnelLimits, ...options.limits };
  const now = options.now ?? Date.now;
  const log = options.logger ?? silent;
  const trustProxy = options.trustProxy ?? false;
  const store =
    options.store ??
    new MemoryPairingStore({ tombstoneMs: limits.tombstoneMs, maxTombstones: 50_000, now });
  const link =
    options.link ??
    createPairingLink({ pairings: store, issueReverseCode: options.issueReverseCode, now });
  const pairings = createPairings({
    store,
    link,
    limits,
    now,
    sameNetwork: options.sameNetwork,
    alwaysAskCode: options.alwaysAskCode,
  });
  const observe = options.observer ?? (() => {});
  const timers = new Map<string, NodeJS.Timeout>();
  let closing = false;

  const io = new Server<TunnelClientToServer, TunnelServerToClient, object, SocketData>(
    httpServer,
    {
      serveClient: false,
      ...(options.adapter ? { adapter: options.adapter } : {}),
      // Room for one 16 KiB frame plus framing; anything bigger is dropped by engine.io.
      maxHttpBufferSize: limits.maxMessageChars + 4096,
      allowRequest: (req, done) => {
        const origin = req.headers.origin;
        const allowed = options.allowedOrigins?.();
        if (!origin || !allowed || allowed.includes(origin)) return done(null, true);
        log.warn({ origin }, 'tunnel: refused a connection from a foreign origin');
        done('origin not allowed', false);
      },
    },
  );
  const nsp = io.of(TUNNEL_NAMESPACE);

  const send = <E extends keyof TunnelServerToClient>(
    socketId: string,
    event: E,
    payload: Parameters<TunnelServerToClient[E]>[0],
  ) => {
    observe({ direction: 'out', event, socketId, payload });
    // A socket on this process gets it straight away: a room broadcast builds an operator per
    // frame and, with the Redis adapter, publishes every frame to the other processes too.
    // A socket elsewhere (scaled relay) is reached through its room, which the adapter spans.
    const local = nsp.sockets.get(socketId);
    if (local) (local.emit as (ev: string, p: unknown) => void)(event, payload);
    else (nsp.to(socketId).emit as (ev: string, p: unknown) => void)(event, payload);
  };

  // Stryker disable next-line ArrowFunction: leaving a closed id in a member's set only costs a lookup later: create and claim prune closed ids before they count (./pairings.ts), and closing a closed pairing again announces nothing.
  const localSocket = (id: string) => nsp.sockets.get(id) as TunnelSocket | undefined;

  /** Background work (timers, disconnects) must never become an unhandled rejection. */
  const background = (work: Promise<unknown>, what: string) =>
    work.catch((err: unknown) =>
      log.warn({ err: err instanceof Error ? err.message : String(err) }, `tunnel: ${what} failed`),
    );

  // Stryker disable next-line BlockStatement: a timer left armed fires at the closed pairing's old expiry and finds nothing open (closing a closed pairing again does nothing); only its handle lives until then.
  const disarm = (id: string) => {
    clearTimeout(timers.get(id));
    timers.delete(id);
  };

  const arm = (id: string, at: number) => {
    clearTimeout(timers.get(id));
    const t = setTimeout(() => void background(expire(id), 'expiry'), Math.max(0, at - now()));
    t.unref();
    timers.set(id, t);
  };

  async function expire(id: string) {
    timers.delete(id);
    const outcome = await pairings.expire(id);
    if (outcome.kind === 'rearm') return arm(id, outcome.at);
    announce(outcome.closed);
  }

  /** Tells the members of a closed pairing why it ended. */
  function announce(closed: Closed | null): void {
    if (!closed) return;
    disarm(closed.pairingId);
    log.info({ pairing: ref(closed.pairingId), reason: closed.reason }, 'tunnel: pairing closed');
    for (const socketId of closed.members) {
      localSocket(socketId)?.data.pairings.delete(closed.pairingId);
      send(socketId, TunnelEvent.closed, { pairingId: closed.pairingId, reason: closed.reason });
    }
  }

  async function closePairing(id: string, reason: Closed['reason']): Promise<void> {
    disarm(id);
    announce(await pairings.close(id, reason));
  }

  nsp.on('connection', (rawSocket) => {
    const socket = rawSocket as TunnelSocket;
    if (closing) {
      socket.disconnect(true);
      return;
    }
    socket.data.pairings = new Set();
    socket.data.ip = clientIp(socket.request, trustProxy);
    const userAgent = String(socket.handshake.headers['user-agent'] ?? '').slice(0, 512);
    const bucket = new TokenBucket(limits.eventsPerSecond, limits.eventBurst, now);

    let abusive = false;
    const abuse = async (why: string) => {
      if (abusive) return;
      abusive = true;
      log.warn({ ip: socket.data.ip, why }, 'tunnel: closing an abusive connection');
      try {
        for (const id of [...socket.data.pairings]) await closePairing(id, 'abuse');
      } finally {
        socket.disconnect(true);
      }
    };

    /** Every incoming event: observe, rate-limit, then run; errors never escape. */
    const on = (
      event: string,
      handler: (payload: unknown, ack: (res: unknown) => void) => Promise<void>,
    ) => {
      socket.on(event as keyof TunnelClientToServer, (payload: unknown, maybeAck?: unknown) => {
        observe({ direction: 'in', event, socketId: socket.id, payload });
        const ack = (res: unknown) => {
          if (typeof maybeAck !== 'function') return;
          observe({ direction: 'out', event: `${event}:ack`, socketId: socket.id, payload: res });
          (maybeAck as (r: unknown) => void)(res);
        };
        if (!bucket.take()) {
          ack(refuse('rate-limited'));
          void background(abuse('rate'), 'abuse');
          return;
        }
        handler(payload, ack).catch((err: unknown) => {
          log.warn(
            { err: err instanceof Error ? err.message : String(err), event },
            'tunnel: handler failed',
          );
          ack(refuse('invalid'));
        });
      });
    };

    on(TunnelEvent.create, async (payload, ack) => {
      const parsed = PairCreateRequest.safeParse(payload ?? {});
      if (!parsed.success) return ack(refuse('invalid'));
      if (socket.data.role === 'phone') return ack(refuse('wrong-role'));
      const created = await pairings.create(
        { socketId: socket.id, ip: socket.data.ip, key: parsed.data.key },
        socket.data.pairings,
      );
      if (!created.ok) return ack(refuse(created.code));
      socket.data.role = 'desktop';
      const { pairing } = created;
      socket.data.pairings.add(pairing.id);
      arm(pairing.id, pairing.expiresAt);
      if (!socket.connected) {
        await closePairing(pairing.id, 'peer-left');
        return;
      }
      log.info({ pairing: ref(pairing.id), ip: socket.data.ip }, 'tunnel: pairing created');
      ack({
        ok: true,
        pairingId: pairing.id,
        expiresAt: new Date(pairing.expiresAt).toISOString(),
      });
    });

    on(TunnelEvent.join, async (payload, ack) => {
      const parsed = PairJoinRequest.safeParse(payload);
      if (!parsed.success) return ack(refuse('invalid'));
      if (socket.data.role === 'desktop') return ack(refuse('wrong-role'));
      const { pairingId } = parsed.data;
      const phone = { socketId: socket.id, ip: socket.data.ip, userAgent };
      const claim = await pairings.claim(phone, pairingId, socket.data.pairings);
      if (!claim.ok && claim.code === 'too-many-pairings') return ack(refuse(claim.code));
      socket.data.role = 'phone';
      if (!claim.ok) {
        // Nothing reaches the desktop: a stranger's join must not disturb a live pairing.
        // An expired pairing was closed by the claim: its desktop hears that.
        if (claim.code === 'expired') {
          disarm(pairingId);
          announce(claim.closed ?? null);
        }
        log.info({ pairing: ref(pairingId), code: claim.code }, 'tunnel: join refused');
        return ack(refuse(claim.code));
      }
      socket.data.pairings.add(pairingId);
      arm(pairingId, claim.pairing.expiresAt);
      let admitted;
      try {
        admitted = await pairings.admit(claim.pairing, phone);
      } catch (err) {
        log.warn({ pairing: ref(pairingId), err: String(err) }, 'tunnel: no reverse code; closing');
        await closePairing(pairingId, 'cancelled');
        return ack(refuse('cancelled'));
      }
      if (!admitted.ok || !socket.connected) {
        // A gone socket's set is never read again: no need to ask whether it is still here.
        socket.data.pairings.delete(pairingId);
        return ack(refuse('cancelled'));
      }
      log.info(
        { pairing: ref(pairingId), sameNetwork: admitted.ack.sameNetwork },
        'tunnel: phone joined',
      );
      ack(admitted.ack);
      send(admitted.to, TunnelEvent.joined, admitted.joined);
    });

    on(TunnelEvent.msg, async (payload) => {
      const parsed = PairMsg.safeParse(payload);
      // Our clients never send a malformed or oversized frame: treat it as abuse.
      if (!parsed.success) return abuse('bad message');
      const { pairingId, data } = parsed.data;
      if (data.length > limits.maxMessageChars) return abuse('message too large');
      const route = await pairings.route(pairingId, socket.id);
      if (route) send(route.to, TunnelEvent.msg, { pairingId, data });
    });

    on(TunnelEvent.cancel, async (payload, ack) => {
      const parsed = PairCancel.safeParse(payload);
      if (!parsed.success) return ack(refuse('invalid'));
      const { pairingId, reason } = parsed.data;
      const out = await pairings.cancel(pairingId, socket.id, reason ?? 'cancelled');
      if (!out.ok) return ack(refuse(out.code));
      disarm(pairingId);
      announce(out.closed);
      ack({ ok: true });
    });

    on(TunnelEvent.complete, async (payload, ack) => {
      const parsed = PairComplete.safeParse(payload);
      if (!parsed.success) return ack(refuse('invalid'));
      if (socket.data.role !== 'desktop') return ack(refuse('wrong-role'));
      const out = await pairings.complete(parsed.data.pairingId, socket.id);
      if (!out.ok) return ack(refuse(out.code));
      disarm(parsed.data.pairingId);
      announce(out.closed);
      ack({ ok: true });
    });

    // Events we do not know still cost a token, so they cannot be used to flood the relay.
    socket.onAny((event: string) => {
      if (KNOWN_EVENTS.has(event)) return;
      observe({ direction: 'in', event, socketId: socket.id, payload: undefined });
      if (!bucket.take()) void background(abuse('rate'), 'abuse');
    });

    socket.on('disconnect', () => {
      for (const id of [...socket.data.pairings]) {
        void background(closePairing(id, 'peer-left'), 'close on disconnect');
      }
    });
  });

  return {
    io,
    namespace: nsp,
    store,
    pairingLink: link,
    limits,
    async close() {
      closing = true;
      // Only pairings with a side on this process: others live on in a scaled relay.
      const local = new Set<string>();
      for (const socket of nsp.sockets.values()) {
        for (const id of (socket as TunnelSocket).data.pairings) local.add(id);
      }
      for (const id of local) await closePairing(id, 'shutdown');
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
      // Stryker disable next-line BooleanLiteral: io.engine.close() below closes every transport either way; the namespace disconnect is what tells clients not to reconnect.
      nsp.disconnectSockets(true);
      // Not io.close(): that would also close the HTTP server, which its owner closes.
      io.engine.close();
    },
  };
}
