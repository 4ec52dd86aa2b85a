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
 * A socket's role is fixed by its first request: `pair:create` makes it a desktop,
 * `pair:join` a phone.
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
  challengeHash,
  type ClosedReason,
  type PairJoinAck,
  type PairPurpose,
  type TunnelClientToServer,
  type TunnelError,
  type TunnelErrorCode,
  type TunnelServerToClient,
} from '../protocol/tunnel';
import type { PairingLink } from '../context';
import { deviceFromUserAgent } from '../passkeys/name-from-user-agent';
import { clientIp, type TrustProxy } from './client-ip';
import { subnetKey } from '../http/subnet';
import { TokenBucket, defaultTunnelLimits, type TunnelLimits } from './limits';
import { MemoryPairingStore, type Pairing, type PairingStore } from './pairing-store';

/**
 * What the HTTP side calls (server/context.ts PairingLink). linkAttempt binds an attempt to an
 * open, not yet scanned pairing; its challenge's hash lets the phone check it signs this
 * attempt and no other. false: no such open pairing, already scanned, or bound to another
 * attempt.
 */
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
  /** The HTTP attempt store for `kind`: a fresh 6-digit code for this attempt (stored hashed). */
  issueReverseCode?: (kind: PairPurpose, attemptId: string) => string | Promise<string>;
  /** Can the server vouch both ends share a network (server/tunnel/network-check.ts)? */
  sameNetwork?: (desktopIp: string, phoneIp: string) => boolean;
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

function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Buffer.from(bytes).toString('base64url');
}

/** Log-safe pairing reference: enough to correlate lines, not enough to join. */
const ref = (id: string) => id.slice(0, 6);

const isMember = (p: Pairing, socketId: string) =>
  p.desktopSocketId === socketId || p.phone?.socketId === socketId;

export function attachTunnel(httpServer: HttpServer, options: TunnelOptions = {}): Tunnel {
  const limits: TunnelLimits = { ...defaultTunnelLimits, ...options.limits };
  const now = options.now ?? Date.now;
  const log = options.logger ?? silent;
  const trustProxy = options.trustProxy ?? false;
  const store =
    options.store ??
    new MemoryPairingStore({ tombstoneMs: limits.tombstoneMs, maxTombstones: 50_000, now });
  const observe = options.observer ?? (() => {});
  const timers = new Map<string, NodeJS.Timeout>();
  /**
   * Pairings created through this process (id -> desktop subnet), to bound open pairings
   * per subnet and in total. Another process may close one of them (scaled relay), so the
   * map is re-checked against the store before it refuses anybody.
   */
  const createdHere = new Map<string, string>();
  const countFor = (subnet: string) => {
    let n = 0;
    for (const v of createdHere.values()) if (v === subnet) n++;
    return n;
  };
  const overCap = (ip: string) =>
    countFor(subnetKey(ip)) >= limits.maxPairingsPerIp ||
    createdHere.size >= limits.maxOpenPairings;
  async function pruneClosed(ids: Iterable<string>, drop: (id: string) => void) {
    for (const id of [...ids]) if (!(await store.get(id))) drop(id);
  }
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
    // Typed emit through a room keeps working when an adapter (Redis) spans processes.
    (nsp.to(socketId).emit as (ev: string, p: unknown) => void)(event, payload);
  };

  const localSocket = (id: string) => nsp.sockets.get(id) as TunnelSocket | undefined;

  /** Background work (timers, disconnects) must never become an unhandled rejection. */
  const background = (work: Promise<unknown>, what: string) =>
    work.catch((err: unknown) =>
      log.warn({ err: err instanceof Error ? err.message : String(err) }, `tunnel: ${what} failed`),
    );

  const arm = (id: string, at: number) => {
    clearTimeout(timers.get(id));
    const t = setTimeout(() => void background(expire(id), 'expiry'), Math.max(0, at - now()));
    t.unref();
    timers.set(id, t);
  };

  /** The store's expiry is the authority: a join handled elsewhere may have extended it. */
  async function expire(id: string) {
    timers.delete(id);
    const p = await store.get(id);
    if (p && p.expiresAt > now()) return arm(id, p.expiresAt);
    await closePairing(id, 'expired');
  }

  async function closePairing(id: string, reason: ClosedReason): Promise<boolean> {
    clearTimeout(timers.get(id));
    timers.delete(id);
    const p = await store.close(id, reason);
    if (!p) return false;
    createdHere.delete(id);
    log.info({ pairing: ref(id), reason }, 'tunnel: pairing closed');
    for (const socketId of [p.desktopSocketId, p.phone?.socketId]) {
      if (!socketId) continue;
      localSocket(socketId)?.data.pairings.delete(id);
      send(socketId, TunnelEvent.closed, { pairingId: id, reason });
    }
    return true;
  }

  const pairingLink: PairingLink = {
    async linkAttempt(pairingId, { kind, attemptId, challenge }) {
      return store.linkAttempt(pairingId, {
        kind,
        attemptId,
        challengeHash: await challengeHash(challenge),
      });
    },
    async linkedAttempt(pairingId) {
      const p = await store.get(pairingId);
      // Only a scanned pairing: the reverse-code decision was made when the phone joined.
      if (!p?.phone || !p.kind || !p.attemptId || p.expiresAt <= now()) return null;
      return { kind: p.kind, attemptId: p.attemptId };
    },
  };

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
      if (socket.data.pairings.size >= limits.maxPairingsPerDesktop) {
        await pruneClosed(socket.data.pairings, (id) => socket.data.pairings.delete(id));
      }
      if (overCap(socket.data.ip))
        await pruneClosed(createdHere.keys(), (id) => createdHere.delete(id));
      if (socket.data.pairings.size >= limits.maxPairingsPerDesktop || overCap(socket.data.ip)) {
        return ack(refuse('too-many-pairings'));
      }
      socket.data.role = 'desktop';
      const createdAt = now();
      const pairing: Pairing = {
        id: randomId(),
        desktopSocketId: socket.id,
        desktopIp: socket.data.ip,
        createdAt,
        expiresAt: createdAt + limits.unscannedMs,
      };
      await store.create(pairing);
      createdHere.set(pairing.id, subnetKey(pairing.desktopIp));
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
      if (socket.data.pairings.size > 0) {
        await pruneClosed(socket.data.pairings, (id) => socket.data.pairings.delete(id));
      }
      if (socket.data.pairings.size > 0) return ack(refuse('too-many-pairings'));
      socket.data.role = 'phone';
      const { pairingId } = parsed.data;
      const joinedAt = now();
      const claim = await store.claimPhone(
        pairingId,
        { socketId: socket.id, ip: socket.data.ip, userAgent, joinedAt },
        joinedAt + limits.scannedMs,
        joinedAt,
      );
      if (!claim.ok) {
        // Nothing reaches the desktop: a stranger's join must not disturb a live pairing.
        if (claim.reason === 'expired') await closePairing(pairingId, 'expired');
        const r = claim.reason;
        const code: TunnelErrorCode =
          typeof r === 'string'
            ? r
            : r.closed === 'expired'
              ? 'expired'
              : r.closed === 'completed'
                ? 'completed'
                : 'cancelled';
        log.info({ pairing: ref(pairingId), code }, 'tunnel: join refused');
        return ack(refuse(code));
      }
      const p = claim.pairing;
      socket.data.pairings.add(pairingId);
      arm(pairingId, p.expiresAt);
      const sameNetwork =
        options.sameNetwork?.(p.desktopIp, socket.data.ip) ?? p.desktopIp === socket.data.ip;
      let reverseCode: string | undefined;
      if (!sameNetwork && p.attemptId && p.kind && options.issueReverseCode) {
        try {
          reverseCode = await options.issueReverseCode(p.kind, p.attemptId);
        } catch (err) {
          log.warn(
            { pairing: ref(pairingId), err: String(err) },
            'tunnel: no reverse code; closing',
          );
          await closePairing(pairingId, 'cancelled');
          return ack(refuse('cancelled'));
        }
      }
      // The desktop may have left while the code was being issued.
      if (!(await store.get(pairingId)) || !socket.connected) {
        if (socket.connected) socket.data.pairings.delete(pairingId);
        return ack(refuse('cancelled'));
      }
      const joinAck: PairJoinAck = {
        ok: true,
        desktop: { ip: p.desktopIp, createdAt: new Date(p.createdAt).toISOString() },
        sameNetwork,
        ...(reverseCode ? { reverseCode } : {}),
        ...(p.kind ? { purpose: p.kind } : {}),
        ...(p.challengeHash ? { challengeHash: p.challengeHash } : {}),
        expiresAt: new Date(p.expiresAt).toISOString(),
      };
      log.info({ pairing: ref(pairingId), sameNetwork }, 'tunnel: phone joined');
      ack(joinAck);
      send(p.desktopSocketId, TunnelEvent.joined, {
        pairingId,
        // A name, not the IP or raw user agent: enough for "Is this your phone?".
        phone: { device: deviceFromUserAgent(userAgent) },
        sameNetwork,
        expiresAt: joinAck.expiresAt,
      });
    });

    on(TunnelEvent.msg, async (payload) => {
      const parsed = PairMsg.safeParse(payload);
      // Our clients never send a malformed or oversized frame: treat it as abuse.
      if (!parsed.success) return abuse('bad message');
      const { pairingId, data } = parsed.data;
      if (data.length > limits.maxMessageChars) return abuse('message too large');
      const p = await store.get(pairingId);
      // Closed a moment ago, not this socket's pairing, or nobody to talk to yet: drop quietly.
      if (!p?.phone || !isMember(p, socket.id)) return;
      const to = p.desktopSocketId === socket.id ? p.phone.socketId : p.desktopSocketId;
      send(to, TunnelEvent.msg, { pairingId, data });
    });

    on(TunnelEvent.cancel, async (payload, ack) => {
      const parsed = PairCancel.safeParse(payload);
      if (!parsed.success) return ack(refuse('invalid'));
      const { pairingId, reason } = parsed.data;
      const p = await store.get(pairingId);
      if (!p || !isMember(p, socket.id)) return ack(refuse('unknown'));
      await closePairing(pairingId, reason ?? 'cancelled');
      ack({ ok: true });
    });

    on(TunnelEvent.complete, async (payload, ack) => {
      const parsed = PairComplete.safeParse(payload);
      if (!parsed.success) return ack(refuse('invalid'));
      const { pairingId } = parsed.data;
      if (socket.data.role !== 'desktop') return ack(refuse('wrong-role'));
      const p = await store.get(pairingId);
      if (!p || p.desktopSocketId !== socket.id) return ack(refuse('unknown'));
      await closePairing(pairingId, 'completed');
      ack({ ok: true });
    });

    // Events we do not know still cost a token, so they cannot be used to flood the relay.
    const known = new Set<string>(Object.values(TunnelEvent));
    socket.onAny((event: string) => {
      if (known.has(event)) return;
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
    pairingLink,
    limits,
    async close() {
      closing = true;
      // Only pairings with a side on this process: others live on in a scaled relay.
      const local = new Set<string>();
      for (const socket of nsp.sockets.values()) {
        for (const id of (socket as TunnelSocket).data.pairings ?? []) local.add(id);
      }
      for (const id of local) await closePairing(id, 'shutdown');
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
      nsp.disconnectSockets(true);
      // Not io.close(): that would also close the HTTP server, which its owner closes.
      io.engine.close();
    },
  };
}
