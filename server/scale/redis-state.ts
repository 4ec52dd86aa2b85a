/**
 * The one Redis root (REDIS_URL): every Redis-backed store of the server comes from here,
 * over one command connection (plus the publish/subscribe pair the socket.io adapter needs),
 * with one readiness check for /readyz. Several server processes on one Redis then share
 * passkey attempts (challenges, reverse codes), rate-limit counts and the relay's pairings,
 * and form one relay. A command that fails raises StorageError (./storage-error.ts).
 */
import { Redis } from 'ioredis';
import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../util/clock';
import {
  RedisLoginAttemptStore,
  RedisRegistrationAttemptStore,
  RedisStepUpAttemptStore,
} from '../passkeys/redis-attempt-stores';
import { RedisRateLimitStore } from '../rate-limit/redis-rate-limit-store';
import { createRedisTunnelBackend, type RedisTunnelBackend } from '../tunnel/redis-backend';

export type RedisState = {
  loginAttempts: RedisLoginAttemptStore;
  registrationAttempts: RedisRegistrationAttemptStore;
  stepUpAttempts: RedisStepUpAttemptStore;
  rateLimits: RedisRateLimitStore;
  /** The relay's pairing store and socket.io adapter. */
  tunnel: Pick<RedisTunnelBackend, 'store' | 'adapter'>;
  /** True when Redis answers PING in time (for /readyz). */
  ready(): Promise<boolean>;
  close(): Promise<void>;
};

export function createRedisState(
  url: string,
  clock: Clock,
  log: Pick<FastifyBaseLogger, 'warn' | 'info'>,
  /** Key prefix (tests share one Redis); the relay's keys live under `${prefix}tunnel:`. */
  prefix = 'kb:',
  tunnel: { tombstoneMs: number } = { tombstoneMs: 10 * 60_000 },
): RedisState {
  // Few retries per command: a sign-in should fail quickly (503), not hang, while Redis is
  // down (ioredis keeps reconnecting in the background).
  const redis = new Redis(url, { maxRetriesPerRequest: 2 });
  let down = false;
  redis.on('error', (err: Error) => {
    if (down) return;
    down = true;
    log.warn({ err: err.message }, 'state Redis connection lost; retrying');
  });
  redis.on('ready', () => {
    if (down) log.info('state Redis connection back');
    down = false;
  });
  const relay = createRedisTunnelBackend(redis, {
    tombstoneMs: tunnel.tombstoneMs,
    prefix: `${prefix}tunnel:`,
    logger: log,
  });
  return {
    loginAttempts: new RedisLoginAttemptStore(redis, clock, prefix),
    registrationAttempts: new RedisRegistrationAttemptStore(redis, clock, prefix),
    stepUpAttempts: new RedisStepUpAttemptStore(redis, clock, prefix),
    rateLimits: new RedisRateLimitStore(redis, prefix),
    tunnel: { store: relay.store, adapter: relay.adapter },
    ready: () => relay.ready(),
    close: () => relay.close(),
  };
}
