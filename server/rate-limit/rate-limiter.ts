/**
 * Counters for guessable secrets (password, TOTP, step-up) and costly requests: fixed windows
 * (a ceiling) and backoffs (a delay that doubles with each failure). In memory behind an
 * interface, like challenges; with REDIS_URL the Redis implementation
 * (redis-rate-limit-store.ts) shares the counts between server processes (docs/architecture.md §Storage and scale).
 */
import type { BackoffRule, RateLimitRule } from '../config';
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
  /** Seconds to wait before the next try under a backoff key, 0 if free. */
  backoffCheck(key: string, rule: BackoffRule): Awaitable<number>;
  /** Counts one failure under a backoff key; returns the seconds now to wait. */
  backoffHit(key: string, rule: BackoffRule): Awaitable<number>;
}

/**
 * The delay a backoff key imposes after `failures` failures, the last at `last` (ms): none
 * for the first `rule.freeFailures`, then firstDelaySeconds, doubling, up to maxDelaySeconds.
 */
export function backoffWaitSeconds(
  rule: BackoffRule,
  failures: number,
  last: number,
  now: number,
): number {
  if (failures < rule.freeFailures) return 0;
  const exponent = Math.min(30, failures - rule.freeFailures);
  const delayMs = Math.min(rule.maxDelaySeconds, rule.firstDelaySeconds * 2 ** exponent) * 1000;
  const left = last + delayMs - now;
  return left > 0 ? Math.ceil(left / 1000) : 0;
}

type Backoff = { failures: number; last: number; end: number };

type Window = { start: number; count: number; end: number };

/** Finished windows are dropped at most this often, so keys from many IPs do not pile up. */
const SWEEP_EVERY_MS = 60_000;

export class MemoryRateLimitStore implements RateLimitStore {
  private readonly windows = new Map<string, Window>();
  private readonly backoffs = new Map<string, Backoff>();
  private lastSweep: number;
  constructor(private readonly clock: Clock) {
    this.lastSweep = clock.now();
  }

  /** Keys currently tracked (tests check finished windows are dropped). */
  get size(): number {
    return this.windows.size + this.backoffs.size;
  }

  private current(key: string, rule: RateLimitRule) {
    const now = this.clock.now();
    if (now - this.lastSweep >= SWEEP_EVERY_MS) {
      this.lastSweep = now;
      for (const [k, w] of this.windows) if (w.end <= now) this.windows.delete(k);
      for (const [k, b] of this.backoffs) if (b.end <= now) this.backoffs.delete(k);
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
    this.backoffs.delete(key);
  }

  private backoff(key: string): { b: Backoff | undefined; now: number } {
    const now = this.clock.now();
    const b = this.backoffs.get(key);
    if (b && b.end <= now) {
      this.backoffs.delete(key);
      return { b: undefined, now };
    }
    return { b, now };
  }

  backoffCheck(key: string, rule: BackoffRule): number {
    const { b, now } = this.backoff(key);
    return b ? backoffWaitSeconds(rule, b.failures, b.last, now) : 0;
  }

  backoffHit(key: string, rule: BackoffRule): number {
    const { b, now } = this.backoff(key);
    const failures = (b?.failures ?? 0) + 1;
    // Forgotten a whole window after the last failure: quiet guessers start over.
    this.backoffs.set(key, { failures, last: now, end: now + rule.windowSeconds * 1000 });
    return backoffWaitSeconds(rule, failures, now, now);
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
