/**
 * Challenges live in short-lived attempts, in memory behind interfaces (Redis when scaled:
 * server/passkeys/redis-attempt-stores.ts; every method may answer through a promise).
 * A challenge is single-use: the verify route takes the attempt out before checking the
 * response, so a second try with the same challenge finds nothing.
 */
import type { Clock } from '../util/clock';
import { ApiError } from '../http/errors';
import { randomDigits, randomId, sha256 } from '../util/random';

export type LoginAttempt = {
  id: string;
  challenge: string;
  expiresAt: number;
  pairingId: string | null;
  reverseCodeHash: string | null;
  wrongReverseCodes: number;
  dead: boolean;
};

export type RegistrationAttempt = {
  id: string;
  challenge: string;
  expiresAt: number;
  /** Bound to the session that asked: another session cannot finish it. */
  sessionId: string;
  userId: string;
};

export const MAX_REVERSE_CODE_TRIES = 5;

/** In memory a value, in Redis a promise: callers always await. */
export type Awaitable<T> = T | Promise<T>;

/** Keeps entries a little past expiry so a late verify gets "expired" rather than "not found". */
const GRACE_MS = 5 * 60 * 1000;
/** Expired entries are looked for at most this often, not on every put. */
const SWEEP_EVERY_MS = 1000;
/**
 * Live attempts kept per store, across all clients: an attempt is a few hundred bytes, so
 * this bounds the memory anyone can make us hold. The per-subnet limit on passkey options
 * (server/rate-limit/ip-limiter.ts) comes first and holds one subnet to a few hundred.
 */
export const DEFAULT_MAX_LIVE_ATTEMPTS = 20_000;

export type AttemptStoreOptions = { maxLive?: number };

function storeFull(): ApiError {
  return new ApiError(503, 'server_busy', 'The server is busy. Try again in a moment.', {
    retryAfterSeconds: 5,
  });
}

class ExpiringMap<T extends { id: string; expiresAt: number }> {
  private readonly items = new Map<string, T>();
  private lastSweep = -Infinity;
  /** How many sweeps ran (tests check they are rationed). */
  sweeps = 0;
  constructor(
    protected readonly clock: Clock,
    private readonly maxLive: number,
  ) {}

  get size(): number {
    return this.items.size;
  }
  /** Throws 503 server_busy when the store is full of live attempts. */
  put(item: T): void {
    const now = this.clock.now();
    if (now - this.lastSweep >= SWEEP_EVERY_MS) this.sweep(now);
    if (this.items.size >= this.maxLive) throw storeFull();
    this.items.set(item.id, item);
  }
  get(id: string): T | undefined {
    return this.items.get(id);
  }
  take(id: string): T | undefined {
    const item = this.items.get(id);
    this.items.delete(id);
    return item;
  }
  private sweep(now: number): void {
    this.lastSweep = now;
    this.sweeps += 1;
    const cutoff = now - GRACE_MS;
    for (const [id, item] of this.items) if (item.expiresAt < cutoff) this.items.delete(id);
    // When full, attempts that have already timed out give up their grace period first.
    if (this.items.size >= this.maxLive)
      for (const [id, item] of this.items) if (item.expiresAt <= now) this.items.delete(id);
  }
}

export interface LoginAttemptStore {
  /** Throws 503 server_busy when too many attempts are live. */
  create(challenge: string, timeoutMs: number, pairingId: string | null): Awaitable<LoginAttempt>;
  get(attemptId: string): Awaitable<LoginAttempt | undefined>;
  /** Removes and returns the attempt: its challenge can be checked once only. */
  take(attemptId: string): Awaitable<LoginAttempt | undefined>;
  /** Records a wrong reverse code; returns tries left (0 = the attempt is dead). */
  recordWrongReverseCode(attemptId: string): Awaitable<number>;
  /**
   * Called by the relay when the phone joins from a different network: a 6-digit code that
   * the desktop must then send with the assertion. Stored hashed; returned once.
   */
  issueReverseCode(attemptId: string): Awaitable<string>;
}

export class MemoryLoginAttemptStore implements LoginAttemptStore {
  /** Exposed for tests: the live entries and how often expired ones were swept. */
  readonly map: ExpiringMap<LoginAttempt>;
  constructor(
    private readonly clock: Clock,
    options: AttemptStoreOptions = {},
  ) {
    this.map = new ExpiringMap(clock, options.maxLive ?? DEFAULT_MAX_LIVE_ATTEMPTS);
  }

  create(challenge: string, timeoutMs: number, pairingId: string | null): LoginAttempt {
    const attempt: LoginAttempt = {
      id: randomId(),
      challenge,
      expiresAt: this.clock.now() + timeoutMs,
      pairingId,
      reverseCodeHash: null,
      wrongReverseCodes: 0,
      dead: false,
    };
    this.map.put(attempt);
    return attempt;
  }
  get(attemptId: string) {
    return this.map.get(attemptId);
  }
  take(attemptId: string) {
    return this.map.take(attemptId);
  }
  recordWrongReverseCode(attemptId: string): number {
    const attempt = this.map.get(attemptId);
    if (!attempt) return 0;
    attempt.wrongReverseCodes += 1;
    const left = Math.max(0, MAX_REVERSE_CODE_TRIES - attempt.wrongReverseCodes);
    if (left === 0) attempt.dead = true;
    return left;
  }
  issueReverseCode(attemptId: string): string {
    const attempt = this.map.get(attemptId);
    if (!attempt || attempt.dead || attempt.expiresAt <= this.clock.now()) {
      throw new Error('no live login attempt for this id');
    }
    const code = randomDigits(6);
    attempt.reverseCodeHash = hashReverseCode(attemptId, code);
    return code;
  }
}

export function hashReverseCode(attemptId: string, code: string): string {
  return sha256(`reverse:${attemptId}:${code}`);
}

export interface RegistrationAttemptStore {
  create(
    challenge: string,
    timeoutMs: number,
    sessionId: string,
    userId: string,
  ): Awaitable<RegistrationAttempt>;
  get(attemptId: string): Awaitable<RegistrationAttempt | undefined>;
  take(attemptId: string): Awaitable<RegistrationAttempt | undefined>;
}

export class MemoryRegistrationAttemptStore implements RegistrationAttemptStore {
  /** Exposed for tests: the live entries and how often expired ones were swept. */
  readonly map: ExpiringMap<RegistrationAttempt>;
  constructor(
    private readonly clock: Clock,
    options: AttemptStoreOptions = {},
  ) {
    this.map = new ExpiringMap(clock, options.maxLive ?? DEFAULT_MAX_LIVE_ATTEMPTS);
  }
  create(
    challenge: string,
    timeoutMs: number,
    sessionId: string,
    userId: string,
  ): RegistrationAttempt {
    const attempt = {
      id: randomId(),
      challenge,
      expiresAt: this.clock.now() + timeoutMs,
      sessionId,
      userId,
    };
    this.map.put(attempt);
    return attempt;
  }
  get(attemptId: string) {
    return this.map.get(attemptId);
  }
  take(attemptId: string) {
    return this.map.take(attemptId);
  }
}
