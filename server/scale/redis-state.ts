/**
 * Short-lived state shared by every server process when REDIS_URL is set
 * (docs/architecture.md §Storage and scale): passkey login and registration attempts (challenges, reverse codes) and rate-limit
 * counts. One ioredis connection for all three; the relay keeps its own (server/tunnel/).
 */
import { Redis } from 'ioredis';
import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../util/clock';
import {
  RedisLoginAttemptStore,
  RedisRegistrationAttemptStore,
} from '../passkeys/redis-attempt-stores';
import { RedisRateLimitStore } from '../rate-limit/redis-rate-limit-store';

export type SharedState = {
  loginAttempts: RedisLoginAttemptStore;
  registrationAttempts: RedisRegistrationAttemptStore;
  rateLimits: RedisRateLimitStore;
  close(): Promise<void>;
};

export function createRedisState(
  url: string,
  clock: Clock,
  log: Pick<FastifyBaseLogger, 'warn' | 'info'>,
  prefix = 'kb:',
): SharedState {
  // Few retries per command: a sign-in should fail with a 500 quickly, not hang, while Redis
  // is down (ioredis keeps reconnecting in the background).
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
  return {
    loginAttempts: new RedisLoginAttemptStore(redis, clock, prefix),
    registrationAttempts: new RedisRegistrationAttemptStore(redis, clock, prefix),
    rateLimits: new RedisRateLimitStore(redis, prefix),
    async close() {
      if (redis.status === 'ready') await redis.quit();
      else redis.disconnect();
    },
  };
}
