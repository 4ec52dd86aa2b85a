/**
 * Fixed-window counters for guessable secrets (password, TOTP, step-up), per account and per
 * IP. In memory behind an interface, like challenges; with REDIS_URL the Redis implementation
 * (redis-rate-limit-store.ts) shares the counts between server processes (DESIGN.md section 6).
 */
import type { RateLimitRule } from '../config';
import type { Clock } from '../util/clock';
import { ApiError } from '../http/errors';

/** In memory a value, in Redis a promise (server/rate-limit/redis-rate-limit-store.ts). */
type Awaitable<T> = T | Promise<T>;

export interface RateLimitStore {
  /** Counts one hit; returns seconds to wait if the key is over its limit, else 0. */
  hit(key: string, rule: RateLimitRule): Awaitable<number>;
  /** Seconds to wait without counting, 0 if free. */
  check(key: string, rule: RateLimitRule): Awaitable<number>;
  reset(key: string): Awaitable<void>;
}

type Window = { start: number; count: number; end: number };

/** Finished windows are dropped at most this often, so keys from many IPs do not pile up. */
const SWEEP_EVERY_MS = 60_000;

export class MemoryRateLimitStore implements RateLimitStore {
  private readonly windows = new Map<string, Window>();
  private lastSweep: number;
  constructor(private readonly clock: Clock) {
    this.lastSweep = clock.now();
  }

  /** Keys currently tracked (tests check finished windows are dropped). */
  get size(): number {
    return this.windows.size;
  }

  private current(key: string, rule: RateLimitRule) {
    const now = this.clock.now();
    if (now - this.lastSweep >= SWEEP_EVERY_MS) {
      this.lastSweep = now;
      for (const [k, w] of this.windows) if (w.end <= now) this.windows.delete(k);
    }
    let w = this.windows.get(key);
    if (!w || now - w.start >= rule.windowSeconds * 1000) {
      w = { start: now, count: 0, end: now + rule.windowSeconds * 1000 };
      this.windows.set(key, w);
    }
    return { w, now };
  }

  private wait(w: Window, now: number, rule: RateLimitRule): number {
    if (w.count < rule.max) return 0;
    return Math.max(1, Math.ceil((w.start + rule.windowSeconds * 1000 - now) / 1000));
  }

  check(key: string, rule: RateLimitRule): number {
    const { w, now } = this.current(key, rule);
    return this.wait(w, now, rule);
  }

  hit(key: string, rule: RateLimitRule): number {
    const { w, now } = this.current(key, rule);
    const wait = this.wait(w, now, rule);
    if (wait === 0) w.count += 1;
    return wait;
  }

  reset(key: string): void {
    this.windows.delete(key);
  }
}

export function rateLimited(retryAfterSeconds: number): ApiError {
  return new ApiError(
    429,
    'rate_limited',
    `Too many attempts. Try again in ${retryAfterSeconds} seconds.`,
    {
      retryAfterSeconds,
    },
  );
}
