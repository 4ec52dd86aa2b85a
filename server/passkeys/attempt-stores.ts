/**
 * Challenges live in short-lived attempts, in memory behind interfaces (Redis when scaled:
 * server/passkeys/redis-attempt-stores.ts; every method may answer through a promise).
 * A challenge is single-use: the verify route takes the attempt out before checking the
 * response, so a second try with the same challenge finds nothing.
 *
 * QR ceremonies (attempt linked to a pairing) go in two steps: the phone posts its WebAuthn
 * response to an approve route, which verifies it and parks the result on the attempt
 * (`approve`, once only); the desktop then redeems the attempt with its secret id (+ the
 * reverse code when the networks differ) and `take`s it. The assertion never reaches the
 * desktop, so it learns nothing about the account before the server said yes.
 */
import type { Clock } from '../util/clock';
import type { NewPasskey } from '../db/schema';
import { ApiError } from '../http/errors';
import { randomDigits, randomId, sha256 } from '../util/random';

/** What a verified QR sign-in assertion leaves on its attempt for the desktop to redeem. */
export type LoginApproval = { userId: string; passkeyId: string; passkeyName: string };

/** The fields every attempt that a QR pairing can carry has (see module comment). */
export type PairedAttempt<A> = {
  id: string;
  challenge: string;
  expiresAt: number;
  pairingId: string | null;
  reverseCodeHash: string | null;
  wrongReverseCodes: number;
  dead: boolean;
  approval: A | null;
};

export type LoginAttempt = PairedAttempt<LoginApproval>;

/** Where every attempt starts, in memory or in Redis: unapproved, no reverse code, no wrong tries. */
export function newPairedAttempt(
  challenge: string,
  expiresAt: number,
  pairingId: string | null,
): PairedAttempt<never> {
  return {
    id: randomId(),
    challenge,
    expiresAt,
    pairingId,
    reverseCodeHash: null,
    wrongReverseCodes: 0,
    dead: false,
    approval: null,
  };
}

/** A verified registration waiting for the desktop: the passkey row, minus id and time. */
export type RegistrationApproval = Omit<NewPasskey, 'id' | 'created_at' | 'last_used_at'>;

export type RegistrationAttempt = PairedAttempt<RegistrationApproval> & {
  /** Bound to the session that asked: another session cannot finish it. */
  sessionId: string;
  userId: string;
};

/** What a verified step-up assertion leaves on its attempt: which passkey confirmed. */
export type StepUpApproval = { passkeyId: string; passkeyName: string };

export type StepUpAttempt = PairedAttempt<StepUpApproval> & {
  /** The session to elevate: only it may finish the attempt (verify or redeem). */
  sessionId: string;
  /** The account whose passkeys may answer (allowCredentials); any other is refused. */
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

/** What login and registration stores share: the QR approve / reverse code / redeem steps. */
export interface PairedAttemptStore<T extends PairedAttempt<A>, A> {
  get(attemptId: string): Awaitable<T | undefined>;
  /** Removes and returns the attempt: its challenge can be checked once only. */
  take(attemptId: string): Awaitable<T | undefined>;
  /**
   * The direct (unpaired) ceremony's take, one atomic step: returns the attempt, and removes
   * it only when no pairing is linked to it (a paired one stays for approve and redeem).
   */
  takeUnpaired(attemptId: string): Awaitable<T | undefined>;
  /** Records a wrong reverse code; returns tries left (0 = the attempt is dead). */
  recordWrongReverseCode(attemptId: string): Awaitable<number>;
  /**
   * Called by the relay when the phone joins from a different network: a 6-digit code that
   * the desktop must then send when it redeems. Stored hashed; returned once. A new code
   * replaces the old one but keeps the wrong-try count.
   */
  issueReverseCode(attemptId: string): Awaitable<string>;
  /**
   * Parks a verified approval on a live attempt. Once only (atomic in Redis): false when the
   * attempt is gone, dead, expired or already approved.
   */
  approve(attemptId: string, approval: A): Awaitable<boolean>;
}

export interface LoginAttemptStore extends PairedAttemptStore<LoginAttempt, LoginApproval> {
  /** Throws 503 server_busy when too many attempts are live. */
  create(challenge: string, timeoutMs: number, pairingId: string | null): Awaitable<LoginAttempt>;
}

/** The in-memory half of PairedAttemptStore, shared by both memory stores. */
abstract class MemoryPairedStore<T extends PairedAttempt<A>, A> {
  /** Exposed for tests: the live entries and how often expired ones were swept. */
  readonly map: ExpiringMap<T>;
  constructor(
    protected readonly clock: Clock,
    options: AttemptStoreOptions = {},
  ) {
    this.map = new ExpiringMap(clock, options.maxLive ?? DEFAULT_MAX_LIVE_ATTEMPTS);
  }
  get(attemptId: string) {
    return this.map.get(attemptId);
  }
  take(attemptId: string) {
    return this.map.take(attemptId);
  }
  takeUnpaired(attemptId: string): T | undefined {
    const attempt = this.map.get(attemptId);
    return attempt && attempt.pairingId !== null ? attempt : this.map.take(attemptId);
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
      throw new Error('no live attempt for this id');
    }
    const code = randomDigits(6);
    attempt.reverseCodeHash = hashReverseCode(attemptId, code);
    return code;
  }
  approve(attemptId: string, approval: A): boolean {
    const attempt = this.map.get(attemptId);
    if (!attempt || attempt.dead || attempt.approval !== null) return false;
    if (attempt.expiresAt <= this.clock.now()) return false;
    attempt.approval = approval;
    return true;
  }
}

export class MemoryLoginAttemptStore
  extends MemoryPairedStore<LoginAttempt, LoginApproval>
  implements LoginAttemptStore
{
  create(challenge: string, timeoutMs: number, pairingId: string | null): LoginAttempt {
    const attempt: LoginAttempt = newPairedAttempt(
      challenge,
      this.clock.now() + timeoutMs,
      pairingId,
    );
    this.map.put(attempt);
    return attempt;
  }
}

export function hashReverseCode(attemptId: string, code: string): string {
  return sha256(`reverse:${attemptId}:${code}`);
}

export interface RegistrationAttemptStore extends PairedAttemptStore<
  RegistrationAttempt,
  RegistrationApproval
> {
  create(
    challenge: string,
    timeoutMs: number,
    sessionId: string,
    userId: string,
    pairingId?: string | null,
  ): Awaitable<RegistrationAttempt>;
}

export class MemoryRegistrationAttemptStore
  extends MemoryPairedStore<RegistrationAttempt, RegistrationApproval>
  implements RegistrationAttemptStore
{
  create(
    challenge: string,
    timeoutMs: number,
    sessionId: string,
    userId: string,
    pairingId: string | null = null,
  ): RegistrationAttempt {
    const attempt: RegistrationAttempt = {
      ...newPairedAttempt(challenge, this.clock.now() + timeoutMs, pairingId),
      sessionId,
      userId,
    };
    this.map.put(attempt);
    return attempt;
  }
}

export interface StepUpAttemptStore extends PairedAttemptStore<StepUpAttempt, StepUpApproval> {
  create(
    challenge: string,
    timeoutMs: number,
    sessionId: string,
    userId: string,
    pairingId: string | null,
  ): Awaitable<StepUpAttempt>;
}

export class MemoryStepUpAttemptStore
  extends MemoryPairedStore<StepUpAttempt, StepUpApproval>
  implements StepUpAttemptStore
{
  create(
    challenge: string,
    timeoutMs: number,
    sessionId: string,
    userId: string,
    pairingId: string | null,
  ): StepUpAttempt {
    const attempt: StepUpAttempt = {
      ...newPairedAttempt(challenge, this.clock.now() + timeoutMs, pairingId),
      sessionId,
      userId,
    };
    this.map.put(attempt);
    return attempt;
  }
}
