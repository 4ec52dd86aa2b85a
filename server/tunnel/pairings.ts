/**
 * The relay's pairings, without sockets: what a desktop may create, a phone may join, a member
 * may send, cancel or complete, over the pairing store and a clock, each answered with a typed
 * outcome. The socket gateway (./relay.ts) turns outcomes into acks and emits; timers and
 * socket state stay there.
 */
import { createHash } from 'node:crypto';
import type { ClosedReason, PairJoinAck, PairJoined, TunnelErrorCode } from '../protocol/tunnel';
import { COMPRESSED_KEY_BYTES } from '../protocol/p256-point';
import { pairingIdFromDigest, pairingIdInput } from '../protocol/pairing-id';
import { subnetKey } from '../http/subnet';
import { deviceFromUserAgent } from '../passkeys/name-from-user-agent';
import type { PairingLink } from './attempt-link';
import type { TunnelLimits } from './limits';
import { OpenPairings } from './open-pairings';
import type { Pairing, PairingStore } from './pairing-store';

export type Refusal = { ok: false; code: TunnelErrorCode };
export type CreateOutcome = { ok: true; pairing: Pairing } | Refusal;
/** A refused claim may have closed the pairing (it had expired): its members must hear it. */
export type ClaimOutcome = { ok: true; pairing: Pairing } | (Refusal & { closed?: Closed | null });
export type AdmitOutcome =
  { ok: true; ack: Extract<PairJoinAck, { ok: true }>; joined: PairJoined; to: string } | Refusal;
/** Where a member's frame goes; null: drop it quietly. */
export type RouteOutcome = { to: string } | null;
export type SimpleOutcome = { ok: true } | Refusal;
/** A closed pairing: the sockets that must hear `pair:closed`. */
export type Closed = { pairingId: string; reason: ClosedReason; members: string[] };
export type ExpiryOutcome =
  { kind: 'rearm'; at: number } | { kind: 'closed'; closed: Closed | null };

export type Phone = { socketId: string; ip: string; userAgent: string };

const isMember = (p: Pairing, socketId: string) =>
  p.desktopSocketId === socketId || p.phone?.socketId === socketId;

function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Buffer.from(bytes).toString('base64url');
}

/**
 * The v2 pairing id for a compressed key (null when it is not one): derivePairingId's recipe
 * (server/protocol/pairing-id.ts) with node:crypto's hash, in-line, where WebCrypto's digest
 * was a fifth of the relay's CPU per create; test/server/tunnel/pairings-core.test.ts holds
 * the two equal.
 */
function keyedId(key: string): string | null {
  const bytes = Buffer.from(key, 'base64url');
  if (bytes.length !== COMPRESSED_KEY_BYTES || (bytes[0] !== 0x02 && bytes[0] !== 0x03)) {
    return null;
  }
  return pairingIdFromDigest(createHash('sha256').update(pairingIdInput(bytes)).digest());
}

export function createPairings(deps: {
  store: PairingStore;
  link: PairingLink;
  limits: TunnelLimits;
  now: () => number;
  /** Can the server vouch both ends share a network (server/tunnel/network-check.ts)? */
  sameNetwork?: (desktopIp: string, phoneIp: string) => boolean;
  /** REVERSE_CODE=always: a code even when the networks are the same. */
  alwaysAskCode?: boolean;
}) {
  const { store, link, limits, now } = deps;
  /**
   * Pairings created through this process, by desktop subnet, to bound open pairings per
   * subnet and in total. Another process may close one of them (scaled relay), so they are
   * re-checked against the store before anybody is refused.
   */
  const createdHere = new OpenPairings();
  async function pruneClosed(ids: Iterable<string>, drop: (id: string) => void) {
    for (const id of [...ids]) if (!(await store.get(id))) drop(id);
  }

  async function close(id: string, reason: ClosedReason): Promise<Closed | null> {
    const p = await store.close(id, reason);
    if (!p) return null;
    createdHere.delete(id);
    const members = [p.desktopSocketId, p.phone?.socketId].filter((s): s is string => !!s);
    return { pairingId: id, reason, members };
  }

  return {
    close,

    /** `mine`: the desktop socket's open pairings (pruned here of ones closed elsewhere). */
    /** `key`: the desktop's compressed public key (v2 link): the id is derived from it. */
    async create(
      desktop: { socketId: string; ip: string; key?: string },
      mine: Set<string>,
    ): Promise<CreateOutcome> {
      if (mine.size >= limits.maxPairingsPerDesktop) {
        await pruneClosed(mine, (id) => mine.delete(id));
      }
      const subnet = subnetKey(desktop.ip);
      const drop = (id: string) => createdHere.delete(id);
      if (createdHere.countIn(subnet) >= limits.maxPairingsPerIp) {
        await pruneClosed(createdHere.idsIn(subnet), drop);
      }
      if (createdHere.size >= limits.maxOpenPairings) await pruneClosed(createdHere.ids(), drop);
      if (
        mine.size >= limits.maxPairingsPerDesktop ||
        createdHere.countIn(subnet) >= limits.maxPairingsPerIp ||
        createdHere.size >= limits.maxOpenPairings
      ) {
        return { ok: false, code: 'too-many-pairings' };
      }
      const id = desktop.key === undefined ? randomId() : keyedId(desktop.key);
      // A key seen before (a desktop reusing one, or replaying another's create) gets no
      // pairing: ids are never reused while the store remembers them.
      if (id === null || (await store.get(id)) || (await store.closedReason(id))) {
        return { ok: false, code: 'invalid' };
      }
      const createdAt = now();
      const pairing: Pairing = {
        id,
        desktopSocketId: desktop.socketId,
        desktopIp: desktop.ip,
        createdAt,
        expiresAt: createdAt + limits.unscannedMs,
      };
      await store.create(pairing);
      createdHere.add(pairing.id, subnet);
      return { ok: true, pairing };
    },

    /** A phone takes the pairing (one phone per pairing, one pairing per phone socket). */
    async claim(phone: Phone, pairingId: string, mine: Set<string>): Promise<ClaimOutcome> {
      // Unconditional: pruning an empty set looks nothing up (a guard here only adds an
      // equivalent mutant).
      await pruneClosed(mine, (id) => mine.delete(id));
      if (mine.size > 0) return { ok: false, code: 'too-many-pairings' };
      const joinedAt = now();
      const claim = await store.claimPhone(
        pairingId,
        { ...phone, joinedAt },
        joinedAt + limits.scannedMs,
        joinedAt,
      );
      if (claim.ok) return { ok: true, pairing: claim.pairing };
      const closed = claim.reason === 'expired' ? await close(pairingId, 'expired') : null;
      const r = claim.reason;
      const code: TunnelErrorCode =
        typeof r === 'string'
          ? r
          : r.closed === 'expired'
            ? 'expired'
            : r.closed === 'completed'
              ? 'completed'
              : 'cancelled';
      return { ok: false, code, closed };
    },

    /**
     * After the claim: the reverse code when the networks differ, and what the phone and the
     * desktop are told. Throws when no code could be issued (the gateway closes the pairing).
     */
    async admit(p: Pairing, phone: Phone): Promise<AdmitOutcome> {
      const sameNetwork = deps.sameNetwork?.(p.desktopIp, phone.ip) ?? p.desktopIp === phone.ip;
      const reverseCode =
        sameNetwork && !deps.alwaysAskCode ? undefined : await link.reverseCodeFor(p);
      // The desktop may have left while the code was being issued.
      if (!(await store.get(p.id))) return { ok: false, code: 'cancelled' };
      const ack: Extract<PairJoinAck, { ok: true }> = {
        ok: true,
        desktop: { ip: p.desktopIp, createdAt: new Date(p.createdAt).toISOString() },
        sameNetwork,
        ...(reverseCode ? { reverseCode } : {}),
        ...(p.kind ? { purpose: p.kind } : {}),
        ...(p.challengeHash ? { challengeHash: p.challengeHash } : {}),
        expiresAt: new Date(p.expiresAt).toISOString(),
      };
      return {
        ok: true,
        ack,
        to: p.desktopSocketId,
        joined: {
          pairingId: p.id,
          // A name, not the IP or raw user agent: enough for "Is this your phone?".
          phone: { device: deviceFromUserAgent(phone.userAgent) },
          sameNetwork,
          expiresAt: ack.expiresAt,
        },
      };
    },

    /** Closed a moment ago, not this socket's pairing, or nobody to talk to yet: null. */
    async route(pairingId: string, from: string): Promise<RouteOutcome> {
      const p = await store.get(pairingId);
      if (!p?.phone || !isMember(p, from)) return null;
      return { to: p.desktopSocketId === from ? p.phone.socketId : p.desktopSocketId };
    },

    async cancel(
      pairingId: string,
      from: string,
      reason: ClosedReason,
    ): Promise<{ ok: true; closed: Closed | null } | Refusal> {
      const p = await store.get(pairingId);
      if (!p || !isMember(p, from)) return { ok: false, code: 'unknown' };
      return { ok: true, closed: await close(pairingId, reason) };
    },

    async complete(
      pairingId: string,
      from: string,
    ): Promise<{ ok: true; closed: Closed | null } | Refusal> {
      const p = await store.get(pairingId);
      if (!p || p.desktopSocketId !== from) return { ok: false, code: 'unknown' };
      return { ok: true, closed: await close(pairingId, 'completed') };
    },

    /** The store's expiry is the authority: a join handled elsewhere may have extended it. */
    async expire(id: string): Promise<ExpiryOutcome> {
      const p = await store.get(id);
      if (p && p.expiresAt > now()) return { kind: 'rearm', at: p.expiresAt };
      return { kind: 'closed', closed: await close(id, 'expired') };
    },
  };
}

export type Pairings = ReturnType<typeof createPairings>;
