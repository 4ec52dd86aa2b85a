/**
 * Everything a route needs, built once per server. Attempts and rate limits live in memory by
 * default, or in Redis (`shared`, the Redis root from REDIS_URL) when several processes serve
 * one exchange.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from './config';
import type { Db } from './db/database';
import type { Clock } from './util/clock';
import { AccountStore } from './accounts/account-store';
import { ActivityLog } from './activity/activity-log';
import { SessionStore } from './sessions/session-store';
import { SecondFactor } from './totp/second-factor';
import type { TotpSecrets } from './totp/totp-secrets';
import { PasskeyStore } from './passkeys/passkey-store';
import { AssertionVerifier } from './passkeys/assertion-verifier';
import {
  MemoryLoginAttemptStore,
  MemoryRegistrationAttemptStore,
  type LoginAttemptStore,
  type RegistrationAttemptStore,
} from './passkeys/attempt-stores';
import { MemoryRateLimitStore } from './rate-limit/rate-limiter';
import type { RedisState } from './scale/redis-state';
import { createPairingLink, noPairings, type PairingLink } from './tunnel/attempt-link';
import type { PairingStore } from './tunnel/pairing-store';
import { AttemptGuard } from './rate-limit/attempt-guard';
import { IpLimiter } from './rate-limit/ip-limiter';

export type ServerContext = {
  config: Config;
  db: Db;
  clock: Clock;
  log: FastifyBaseLogger;
  accounts: AccountStore;
  sessions: SessionStore;
  passkeys: PasskeyStore;
  /** Sign-in assertions, with each passkey's public key imported once (bounded LRU). */
  assertions: AssertionVerifier;
  activity: ActivityLog;
  secondFactor: SecondFactor;
  /** Seals/opens TOTP seeds stored in the database (AES-256-GCM under the secrets key). */
  totpSecrets: TotpSecrets;
  guard: AttemptGuard;
  /** Per-IP limits on sign-ups and passkey sign-in options (work done whatever the outcome). */
  ipLimits: IpLimiter;
  loginAttempts: LoginAttemptStore;
  registrationAttempts: RegistrationAttemptStore;
  /**
   * Extra /readyz checks beside the database, by name: "redis" when the server runs on Redis
   * (server/scale/redis-state.ts). Each answers true when its dependency responds.
   */
  readonly readyChecks: Readonly<Record<string, () => Promise<boolean>>>;
  /**
   * Which attempt belongs to which pairing (server/tunnel/attempt-link.ts): the same object
   * the relay uses, built once in server/app.ts.
   */
  readonly pairingLink: PairingLink;
  /** WebAuthn origins accepted: RP_ORIGINS, or `http://<RP_ID>:<bound port>` when unset. */
  rpOrigins(): string[];
  /** The origin the phone should open (first RP origin); the QR link points here. */
  phoneOrigin(): string;
};

export function createContext(
  config: Config,
  db: Db,
  clock: Clock,
  log: FastifyBaseLogger,
  boundPort: () => number,
  totpSecrets: TotpSecrets,
  parts: {
    shared?: RedisState | null;
    /** The relay's pairing store; absent: no relay, every link is refused. */
    pairings?: PairingStore;
  } = {},
): ServerContext {
  const shared = parts.shared ?? null;
  const loginAttempts = shared?.loginAttempts ?? new MemoryLoginAttemptStore(clock);
  const registrationAttempts =
    shared?.registrationAttempts ?? new MemoryRegistrationAttemptStore(clock);
  // The relay reaches the attempt stores only through this link (reverse codes on join).
  const pairingLink = parts.pairings
    ? createPairingLink({
        pairings: parts.pairings,
        issueReverseCode: (kind, attemptId) =>
          kind === 'sign-in'
            ? loginAttempts.issueReverseCode(attemptId)
            : registrationAttempts.issueReverseCode(attemptId),
        // The relay's clock (pairing lifetimes are wall-clock, server/tunnel/relay.ts).
        now: Date.now,
      })
    : noPairings;
  const activity = new ActivityLog(db, clock);
  const rateLimitStore = shared?.rateLimits ?? new MemoryRateLimitStore(clock);
  const defaultOrigin = () => `http://${config.rpId}:${boundPort()}`;
  const rpOrigins = () => config.rpOrigins ?? [defaultOrigin()];
  return {
    config,
    db,
    clock,
    log,
    accounts: new AccountStore(db),
    sessions: new SessionStore(db, clock),
    passkeys: new PasskeyStore(db),
    assertions: new AssertionVerifier(),
    activity,
    secondFactor: new SecondFactor(db, activity, totpSecrets),
    totpSecrets,
    guard: new AttemptGuard(rateLimitStore, config.rateLimits),
    ipLimits: new IpLimiter(rateLimitStore, config.rateLimits),
    loginAttempts,
    registrationAttempts,
    readyChecks: shared ? { redis: () => shared.ready() } : {},
    pairingLink,
    rpOrigins,
    phoneOrigin: () => rpOrigins()[0] ?? defaultOrigin(),
  };
}
