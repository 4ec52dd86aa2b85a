/**
 * Relay limits: lifetimes (docs/architecture.md §Tunnel protocol) and abuse limits. Tests shorten the lifetimes
 * instead of waiting a minute.
 */
import { MAX_MESSAGE_CHARS } from '../protocol/tunnel';

export type TunnelLimits = {
  /** An unscanned pairing lives this long. */
  unscannedMs: number;
  /** After the phone joined, the pairing lives this much longer. */
  scannedMs: number;
  /** Largest pair:msg data (base64url characters). */
  maxMessageChars: number;
  /** Per-socket event rate: sustained events per second and burst size. */
  eventsPerSecond: number;
  eventBurst: number;
  /** Open pairings one desktop socket may hold (it replaces the QR until one is scanned). */
  maxPairingsPerDesktop: number;
  /**
   * Open pairings from one client subnet (IPv4 /24, IPv6 /64, many sockets and addresses),
   * and in the whole process: an attacker needs 100 subnets, not 40 addresses, to fill it.
   */
  maxPairingsPerIp: number;
  maxOpenPairings: number;
  /** How long a closed pairing's reason is remembered for late joiners. */
  tombstoneMs: number;
};

export const defaultTunnelLimits: TunnelLimits = {
  unscannedMs: 60_000,
  scannedMs: 120_000,
  maxMessageChars: MAX_MESSAGE_CHARS,
  eventsPerSecond: 10,
  eventBurst: 20,
  maxPairingsPerDesktop: 4,
  maxPairingsPerIp: 200,
  maxOpenPairings: 20_000,
  tombstoneMs: 10 * 60_000,
};

/** Classic token bucket: `burst` tokens, refilled at `perSecond`. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  take(): boolean {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.perSecond);
    this.last = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
