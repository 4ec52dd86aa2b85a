/**
 * Server configuration from the environment. Everything has a default that runs on one
 * machine with SQLite (docs/architecture.md §Storage and scale), so `npm run server` works after a clone;
 * DATABASE_URL and REDIS_URL turn on the several-processes mode.
 */
import path from 'node:path';
import { z } from 'zod';
import { parseSecretsKey } from './secrets/secrets-key';
import { parseTrustProxy, type TrustProxySetting } from './http/client-address';

/**
 * REVERSE_CODE: when a QR sign-in asks the phone for the code shown on the desktop.
 * different-network (default): when the server cannot vouch that both are on one network
 * (server/tunnel/network-check.ts). always: on every QR sign-in.
 */
export const ReverseCodeMode = z.enum(['always', 'different-network']);
export type ReverseCodeMode = z.infer<typeof ReverseCodeMode>;

export type Config = {
  port: number;
  host: string;
  rpId: string;
  rpName: string;
  /**
   * Origins a WebAuthn response may come from. null = derive from the port the server is
   * actually bound to (`http://<RP_ID>:<port>`), so tests on port 0 get matching origins.
   */
  rpOrigins: string[] | null;
  dataDir: string;
  /**
   * TRUST_PROXY: the reverse proxies whose X-Forwarded-For is believed (server/http/
   * client-address.ts). Off by default, so a client cannot pick its own IP.
   */
  trustProxy: TrustProxySetting;
  /** REVERSE_CODE; unset = different-network. */
  reverseCode?: ReverseCodeMode;
  logLevel: string;
  /** Request body limit; WebAuthn JSON is a few KiB, so 64 KiB leaves room and bounds work. */
  bodyLimit: number;
  rateLimits: RateLimitConfig;
  /**
   * SECRETS_KEY: seals TOTP seeds at rest. Unset: DATA_DIR/secrets.key, created on first
   * start (server/secrets/secrets-key.ts).
   */
  secretsKey?: Buffer;
  /**
   * REDIS_URL: pairings in Redis and the socket.io Redis adapter, so several server processes
   * form one relay (server/tunnel/attach.ts). Unset: one process, pairings in memory.
   */
  redisUrl?: string;
  /**
   * DATABASE_URL: postgres://… (or postgresql://…) puts accounts, sessions, passkeys and
   * activity in PostgreSQL, same schema and queries as SQLite. Unset: DATA_DIR/keybridge.sqlite.
   */
  databaseUrl?: string;
  /**
   * SQLITE_SYNCHRONOUS: `normal` (default) or `full`. What a power loss can undo with each is
   * in README.md (Durability and logging); server/db/database.ts applies it.
   */
  sqliteSynchronous?: SqliteSynchronous;
};

export type SqliteSynchronous = 'normal' | 'full';

function parseSqliteSynchronous(raw: string | undefined): SqliteSynchronous {
  const value = (raw ?? '').trim().toLowerCase();
  if (value === '' || value === 'normal') return 'normal';
  if (value === 'full') return 'full';
  throw new Error(`SQLITE_SYNCHRONOUS must be "normal" or "full", not "${raw}"`);
}

export type RateLimitRule = { max: number; windowSeconds: number };
/**
 * A growing delay: the first `freeFailures` cost nothing, then each failure makes the next try
 * wait firstDelaySeconds, doubling per failure, at most maxDelaySeconds. Forgotten
 * windowSeconds after the last failure.
 */
export type BackoffRule = {
  freeFailures: number;
  firstDelaySeconds: number;
  maxDelaySeconds: number;
  windowSeconds: number;
};
export type RateLimitConfig = {
  /**
   * Failed password/TOTP/step-up checks for one account from all subnets together: a high
   * ceiling, so a guesser spread over many networks is stopped without a cheap lockout.
   */
  perAccount: RateLimitRule;
  /**
   * Failed checks for one account from one subnet: throttled with a growing delay instead of
   * locked, so failures from elsewhere never stop the owner. Unset: defaultAccountThrottle.
   */
  perAccountAndSubnet?: BackoffRule;
  /**
   * The same checks from one client subnet (IPv4 /24, IPv6 /64: server/http/subnet.ts),
   * across accounts. Every "PerIp" rule counts per subnet.
   */
  perIp: RateLimitRule;
  /** Sign-ups from one subnet: each runs a 19 MiB argon2 hash. Unset: the perIp rule. */
  signupPerIp?: RateLimitRule;
  /**
   * Passkey sign-in options from one subnet: each holds a challenge in memory for up to the
   * attempt lifetime (3 minutes when linked to a QR pairing, 90 s otherwise). Unset: the
   * perIp rule.
   */
  passkeyOptionsPerIp?: RateLimitRule;
};

/** 1, 2, 4, ... s after five failures, at most five minutes between tries. */
export const defaultAccountThrottle: BackoffRule = {
  freeFailures: 5,
  firstDelaySeconds: 1,
  maxDelaySeconds: 5 * 60,
  windowSeconds: 15 * 60,
};

export const defaultRateLimits: RateLimitConfig = {
  perAccount: { max: 100, windowSeconds: 15 * 60 },
  perAccountAndSubnet: defaultAccountThrottle,
  perIp: { max: 50, windowSeconds: 15 * 60 },
  // A household or office behind one address signs up a few people, not dozens an hour.
  signupPerIp: { max: 20, windowSeconds: 60 * 60 },
  // One sign-in asks once (a retry or a new QR code asks again); 60 a minute is many people.
  // It is also the per-subnet cap on live attempts: a 3-minute attempt outlives at most four
  // 60 s windows, so one subnet holds at most 240 of the store's 20,000 (attempt-stores.ts).
  passkeyOptionsPerIp: { max: 60, windowSeconds: 60 },
};

function parsePort(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 8787;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`PORT must be 0-65535, got "${raw}"`);
  return port;
}

function parseReverseCode(raw: string | undefined): ReverseCodeMode {
  if (raw === undefined || raw.trim() === '') return 'different-network';
  const parsed = ReverseCodeMode.safeParse(raw.trim());
  if (!parsed.success)
    throw new Error(`REVERSE_CODE must be "always" or "different-network", got "${raw}"`);
  return parsed.data;
}

function parseDatabaseUrl(raw: string | undefined): string | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const scheme = raw.slice(0, raw.indexOf(':') + 1);
  if (scheme !== 'postgres:' && scheme !== 'postgresql:')
    throw new Error('DATABASE_URL must start with postgres:// or postgresql://');
  return raw;
}

function parseOrigins(raw: string | undefined): string[] | null {
  if (raw === undefined || raw.trim() === '') return null;
  return raw
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean)
    .map((o) => {
      const url = new URL(o);
      if (url.origin !== o.replace(/\/$/, ''))
        throw new Error(`RP_ORIGINS entry "${o}" is not a bare origin`);
      return url.origin;
    });
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const databaseUrl = parseDatabaseUrl(env.DATABASE_URL);
  // A shared database is read by several machines: a key file made on each one would seal
  // TOTP seeds that the others cannot open.
  if (databaseUrl && !env.SECRETS_KEY)
    throw new Error('DATABASE_URL needs SECRETS_KEY: every server process must share one key');
  return {
    port: parsePort(env.PORT),
    host: env.HOST || '127.0.0.1',
    rpId: env.RP_ID || 'localhost',
    rpName: env.RP_NAME || 'Keybridge Exchange',
    rpOrigins: parseOrigins(env.RP_ORIGINS),
    dataDir: path.resolve(env.DATA_DIR || './data'),
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
    reverseCode: parseReverseCode(env.REVERSE_CODE),
    logLevel: env.LOG_LEVEL || 'info',
    bodyLimit: 64 * 1024,
    rateLimits: defaultRateLimits,
    redisUrl: env.REDIS_URL || undefined,
    databaseUrl,
    sqliteSynchronous: parseSqliteSynchronous(env.SQLITE_SYNCHRONOUS),
    secretsKey: env.SECRETS_KEY ? parseSecretsKey(env.SECRETS_KEY, 'SECRETS_KEY') : undefined,
  };
}
