/**
 * Where the relay keeps pairings. In memory by default; the interface is async and each
 * mutation is one atomic step so a Redis implementation (redis-pairing-store.ts,
 * for a scaled deployment) can take over without touching the relay.
 *
 * Closed pairings leave a small tombstone (id -> why it ended, nothing else) for a while, so a
 * late phone hears "expired" or "already used" instead of "unknown".
 */
import type { ClosedReason, PairPurpose } from '../protocol/tunnel';

export type Pairing = {
  id: string;
  desktopSocketId: string;
  desktopIp: string;
  /** ms since epoch */
  createdAt: number;
  expiresAt: number;
  /** What the linked attempt is for: which attempt store holds it. */
  kind?: PairPurpose;
  /** The attempt the server linked to this pairing (never sent to the phone). */
  attemptId?: string;
  /** challengeHash() of the linked attempt's challenge. */
  challengeHash?: string;
  phone?: { socketId: string; ip: string; userAgent: string; joinedAt: number };
};

export type StoredLink = { kind: PairPurpose; attemptId: string; challengeHash: string };

export type ClaimResult =
  | { ok: true; pairing: Pairing }
  | { ok: false; reason: 'unknown' | 'already-joined' | 'expired' | { closed: ClosedReason } };

export interface PairingStore {
  create(pairing: Pairing): Promise<void>;
  get(id: string): Promise<Pairing | undefined>;
  /** Link an attempt; refused once a phone joined or when another attempt is linked. */
  linkAttempt(id: string, link: StoredLink): Promise<boolean>;
  /** Atomically make `phone` the one phone of this pairing, with a new expiry. */
  claimPhone(
    id: string,
    phone: NonNullable<Pairing['phone']>,
    expiresAt: number,
    now: number,
  ): Promise<ClaimResult>;
  /** Remove the pairing and remember why; returns it if it was open. */
  close(id: string, reason: ClosedReason): Promise<Pairing | undefined>;
  /** Why a pairing ended, while the tombstone lasts. */
  closedReason(id: string): Promise<ClosedReason | undefined>;
}

export class MemoryPairingStore implements PairingStore {
  private readonly open = new Map<string, Pairing>();
  private readonly tombstones = new Map<string, { reason: ClosedReason; at: number }>();

  constructor(
    private readonly opts: { tombstoneMs: number; maxTombstones: number; now: () => number } = {
      tombstoneMs: 10 * 60_000,
      maxTombstones: 50_000,
      now: Date.now,
    },
  ) {}

  async create(pairing: Pairing): Promise<void> {
    if (this.open.has(pairing.id) || this.tombstones.has(pairing.id)) {
      throw new Error('pairing id collision');
    }
    this.open.set(pairing.id, { ...pairing });
  }

  async get(id: string): Promise<Pairing | undefined> {
    const p = this.open.get(id);
    return p && { ...p };
  }

  async linkAttempt(id: string, link: StoredLink): Promise<boolean> {
    const p = this.open.get(id);
    if (!p || p.phone || this.opts.now() >= p.expiresAt) return false;
    if (p.attemptId !== undefined && p.attemptId !== link.attemptId) return false;
    p.kind = link.kind;
    p.attemptId = link.attemptId;
    p.challengeHash = link.challengeHash;
    return true;
  }

  async claimPhone(
    id: string,
    phone: NonNullable<Pairing['phone']>,
    expiresAt: number,
    now: number,
  ): Promise<ClaimResult> {
    const p = this.open.get(id);
    if (!p) {
      const closed = await this.closedReason(id);
      return { ok: false, reason: closed ? { closed } : 'unknown' };
    }
    if (now >= p.expiresAt) return { ok: false, reason: 'expired' };
    if (p.phone) return { ok: false, reason: 'already-joined' };
    p.phone = { ...phone };
    p.expiresAt = expiresAt;
    return { ok: true, pairing: { ...p } };
  }

  async close(id: string, reason: ClosedReason): Promise<Pairing | undefined> {
    const p = this.open.get(id);
    if (!p) return undefined;
    this.open.delete(id);
    this.tombstones.set(id, { reason, at: this.opts.now() });
    this.prune();
    return p;
  }

  async closedReason(id: string): Promise<ClosedReason | undefined> {
    const t = this.tombstones.get(id);
    if (!t) return undefined;
    if (this.opts.now() - t.at > this.opts.tombstoneMs) {
      this.tombstones.delete(id);
      return undefined;
    }
    return t.reason;
  }

  /** Oldest tombstones go first (Map keeps insertion order). */
  private prune() {
    const cutoff = this.opts.now() - this.opts.tombstoneMs;
    for (const [id, t] of this.tombstones) {
      if (t.at >= cutoff && this.tombstones.size <= this.opts.maxTombstones) break;
      this.tombstones.delete(id);
    }
  }
}
