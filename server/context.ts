/**
 * Everything a route needs, built once per server. Attempts and rate limits live in memory by
 * default, or in Redis (`shared`, from REDIS_URL) when several processes serve one exchange.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from './config';
import type { Db } from './db/database';
import type { Clock } from './util/clock';
import type { PairPurpose } from './protocol/tunnel';
import { AccountStore } from './accounts/account-store';
import { ActivityLog } from './activity/activity-log';
import { SessionStore } from './sessions/session-store';
import { SecondFactor } from './totp/second-factor';
import type { TotpSecrets } from './totp/totp-secrets';
import { PasskeyStore } from './passkeys/passkey-store';
import {
  MemoryLoginAttemptStore,
  MemoryRegistrationAttemptStore,
  type LoginAttemptStore,
  type RegistrationAttemptStore,
} from './passkeys/attempt-stores';
import { MemoryRateLimitStore } from './rate-limit/rate-limiter';
import type { SharedState } from './scale/redis-state';
import { AttemptGuard } from './rate-limit/attempt-guard';
import { IpLimiter } from './rate-limit/ip-limiter';

/** What POST .../options {pairingId} links to a pairing: which store, which attempt. */
export type AttemptLink = { kind: PairPurpose; attemptId: string; challenge: string };

/**
 * The seam the relay (server/tunnel/) plugs into. The options routes (sign-in and add-passkey)
 * ask it to link their new attempt to a live, unscanned pairing; false -> 404
 * pairing_not_found. The relay later asks the right store for a reverse code when the phone
 * joins from a different network, and the approve routes find the attempt through the pairing
 * the phone joined (`linkedAttempt`), so the phone never needs the desktop's attemptId.
 */
export interface PairingLink {
  linkAttempt(pairingId: string, link: AttemptLink): boolean | Promise<boolean>;
  /** The attempt linked to an open pairing that a phone has joined; null otherwise. */
  linkedAttempt(pairingId: string):
    | { kind: PairPurpose; attemptId: string }
    | null
    | Promise<{
        kind: PairPurpose;
        attemptId: string;
      } | null>;
}

/** Until the relay is wired in, there are no pairings, so every link is refused. */
export const noPairings: PairingLink = { linkAttempt: () => false, linkedAttempt: () => null };

export type ServerContext = {
  config: Config;
  db: Db;
  clock: Clock;
  log: FastifyBaseLogger;
  accounts: AccountStore;
  sessions: SessionStore;
  passkeys: PasskeyStore;
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
   * Extra /readyz checks beside the database, by name; the relay adds "redis" when it runs
   * on Redis. Each answers true when its dependency responds.
   */
  readyChecks: Record<string, () => Promise<boolean>>;
  /** Replaceable by the relay: `context.pairingLink = relay`. */
  pairingLink: PairingLink;
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
  shared: SharedState | null = null,
): ServerContext {
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
    activity,
    secondFactor: new SecondFactor(db, activity, totpSecrets),
    totpSecrets,
    guard: new AttemptGuard(rateLimitStore, config.rateLimits),
    ipLimits: new IpLimiter(rateLimitStore, config.rateLimits),
    loginAttempts: shared?.loginAttempts ?? new MemoryLoginAttemptStore(clock),
    registrationAttempts: shared?.registrationAttempts ?? new MemoryRegistrationAttemptStore(clock),
    readyChecks: {},
    pairingLink: noPairings,
    rpOrigins,
    phoneOrigin: () => rpOrigins()[0] ?? defaultOrigin(),
  };
}
