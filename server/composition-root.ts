/**
 * The composition root: every store and service of one server, built once, each from named
 * parts. server/app.ts hands every route module only the members it declares (its `…Uses`
 * list); nothing changes a member after construction. Attempts and rate limits live in memory
 * by default, or in Redis (`shared`, the Redis root from REDIS_URL) when several processes
 * serve one exchange.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from './config';
import type { Db } from './db/database';
import { commitTogether, type CommitTogether } from './db/commit-together';
import type { Clock } from './util/clock';
import { AccountStore } from './accounts/account-store';
import { ActivityLog } from './activity/activity-log';
import { refreshSuccessorKey, SessionStore } from './sessions/session-store';
import { SecondFactor } from './totp/second-factor';
import type { TotpSecrets } from './totp/totp-secrets';
import { PasskeyStore } from './passkeys/passkey-store';
import { AssertionVerifier } from './passkeys/assertion-verifier';
import {
  MemoryLoginAttemptStore,
  MemoryRegistrationAttemptStore,
  MemoryStepUpAttemptStore,
  type LoginAttemptStore,
  type RegistrationAttemptStore,
  type StepUpAttemptStore,
} from './passkeys/attempt-stores';
import { MemoryRateLimitStore } from './rate-limit/rate-limiter';
import type { RedisState } from './scale/redis-state';
import { createPairingLink, noPairings, type PairingLink } from './tunnel/attempt-link';
import type { PairingStore } from './tunnel/pairing-store';
import type { PairPurpose } from './protocol/tunnel';
import { AttemptGuard } from './rate-limit/attempt-guard';
import { IpLimiter } from './rate-limit/ip-limiter';

/** The built server: what route modules pick their deps from (`Pick<ServerParts, …>`). */
export type ServerParts = {
  readonly config: Config;
  readonly db: Db;
  readonly clock: Clock;
  readonly log: FastifyBaseLogger;
  readonly accounts: AccountStore;
  readonly sessions: SessionStore;
  readonly passkeys: PasskeyStore;
  /** Sign-in assertions, with each passkey's public key imported once (bounded LRU). */
  readonly assertions: AssertionVerifier;
  readonly activity: ActivityLog;
  /** Runs writes over `sessions`, `activity` and `passkeys` as one transaction. */
  readonly commitTogether: CommitTogether;
  readonly secondFactor: SecondFactor;
  /** Seals/opens TOTP seeds stored in the database (AES-256-GCM under the secrets key). */
  readonly totpSecrets: TotpSecrets;
  readonly guard: AttemptGuard;
  /** Per-IP limits on sign-ups and passkey sign-in options (work done whatever the outcome). */
  readonly ipLimits: IpLimiter;
  readonly loginAttempts: LoginAttemptStore;
  readonly registrationAttempts: RegistrationAttemptStore;
  /** Passkey step-up attempts, each bound to the session it elevates (server/step-up/). */
  readonly stepUpAttempts: StepUpAttemptStore;
  /**
   * Extra /readyz checks beside the database, by name: "redis" when the server runs on Redis
   * (server/scale/redis-state.ts). Each answers true when its dependency responds.
   */
  readonly readyChecks: Readonly<Record<string, () => Promise<boolean>>>;
  /**
   * Which attempt belongs to which pairing (server/tunnel/attempt-link.ts): the same object
   * the relay uses.
   */
  readonly pairingLink: PairingLink;
  /** WebAuthn origins accepted: RP_ORIGINS, or `http://<RP_ID>:<bound port>` when unset. */
  rpOrigins(): string[];
  /** The origin the phone should open (first RP origin); the QR link points here. */
  phoneOrigin(): string;
};

/**
 * Stand-ins a test puts in place of a part (the one seam for doubles; production passes none).
 * `pairingLink` wraps the real link, so a test can play the relay's side and still fall back.
 */
export type ServerSeams = {
  loginAttempts?: LoginAttemptStore;
  pairingLink?: (real: PairingLink) => PairingLink;
};

export type ServerPartsInput = {
  config: Config;
  db: Db;
  clock: Clock;
  log: FastifyBaseLogger;
  /** The port the HTTP server bound, asked when the RP origin is derived from it. */
  boundPort: () => number;
  totpSecrets: TotpSecrets;
  /** SECRETS_KEY: refresh successors are keyed from it (server/sessions/session-store.ts). */
  secretsKey: Buffer;
  /** The Redis root (REDIS_URL), or null for one process. */
  shared: RedisState | null;
  /** The relay's pairing store; absent: no relay, every link is refused. */
  pairings?: PairingStore;
  seams?: ServerSeams;
};

export function composeServer(input: ServerPartsInput): ServerParts {
  const { config, db, clock, shared, seams = {} } = input;
  const loginAttempts =
    seams.loginAttempts ?? shared?.loginAttempts ?? new MemoryLoginAttemptStore(clock);
  const registrationAttempts =
    shared?.registrationAttempts ?? new MemoryRegistrationAttemptStore(clock);
  const stepUpAttempts = shared?.stepUpAttempts ?? new MemoryStepUpAttemptStore(clock);
  const attemptsOf: Record<
    PairPurpose,
    { issueReverseCode(id: string): string | Promise<string> }
  > = {
    'sign-in': loginAttempts,
    'add-passkey': registrationAttempts,
    'step-up': stepUpAttempts,
  };
  // The relay reaches the attempt stores only through this link (reverse codes on join).
  const realLink = input.pairings
    ? createPairingLink({
        pairings: input.pairings,
        issueReverseCode: (kind, attemptId) => attemptsOf[kind].issueReverseCode(attemptId),
        // The relay's clock (pairing lifetimes are wall-clock, server/tunnel/relay.ts).
        now: Date.now,
      })
    : noPairings;
  const activity = new ActivityLog(db, clock);
  // Keyed from the secrets key, so every process sharing SECRETS_KEY derives the same
  // successor for a retried refresh.
  const sessions = new SessionStore(db, clock, refreshSuccessorKey(input.secretsKey));
  const passkeys = new PasskeyStore(db);
  const rateLimitStore = shared?.rateLimits ?? new MemoryRateLimitStore(clock);
  const defaultOrigin = () => `http://${config.rpId}:${input.boundPort()}`;
  const rpOrigins = () => config.rpOrigins ?? [defaultOrigin()];
  return {
    config,
    db,
    clock,
    log: input.log,
    accounts: new AccountStore(db),
    sessions,
    passkeys,
    assertions: new AssertionVerifier(),
    activity,
    commitTogether: commitTogether(db, { sessions, activity, passkeys }),
    secondFactor: new SecondFactor(db, activity, input.totpSecrets),
    totpSecrets: input.totpSecrets,
    guard: new AttemptGuard(rateLimitStore, config.rateLimits),
    ipLimits: new IpLimiter(rateLimitStore, config.rateLimits),
    loginAttempts,
    registrationAttempts,
    stepUpAttempts,
    readyChecks: shared ? { redis: () => shared.ready() } : {},
    pairingLink: seams.pairingLink ? seams.pairingLink(realLink) : realLink,
    rpOrigins,
    phoneOrigin: () => rpOrigins()[0] ?? defaultOrigin(),
  };
}

/** The members `keys` of the built server: exactly what one module declared it uses. */
export function partsFor<K extends keyof ServerParts>(
  parts: ServerParts,
  keys: readonly K[],
): Pick<ServerParts, K> {
  return Object.fromEntries(keys.map((k) => [k, parts[k]])) as Pick<ServerParts, K>;
}
