/**
 * The backoff counters behind password throttling, in memory and in Redis (REDIS_URL): the
 * same delays, a window after the last failure they are forgotten, reset clears them.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'vitest';
import { Redis } from 'ioredis';
import { defaultAccountThrottle } from '../../server/config';
import { MemoryRateLimitStore, type RateLimitStore } from '../../server/rate-limit/rate-limiter';
import { RedisRateLimitStore } from '../../server/rate-limit/redis-rate-limit-store';
import { ManualClock } from '../../server/util/clock';
import { REDIS_SERVER, startRedis } from './tunnel/support/redis-server';
import { skipIf } from '../support/vitest';

const skip = fs.existsSync(REDIS_SERVER) ? false : `${REDIS_SERVER} is not installed`;
const rule = defaultAccountThrottle;

async function delays(store: RateLimitStore, key: string): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < 12; i++) out.push(await store.backoffHit(key, rule));
  return out;
}

const expected = [0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 64, 128];

test('memory: 1, 2, 4, ... s after five failures, capped, forgotten after the window', async () => {
  const clock = new ManualClock();
  const store = new MemoryRateLimitStore(clock);
  assert.deepEqual(await delays(store, 'k'), expected);
  for (let i = 0; i < 3; i++) await store.backoffHit('k', rule);
  assert.equal(store.backoffCheck('k', rule), 300, 'capped at five minutes');
  clock.advance(299_000);
  assert.equal(store.backoffCheck('k', rule), 1);
  clock.advance(1000);
  assert.equal(store.backoffCheck('k', rule), 0);
  clock.advance(rule.windowSeconds * 1000);
  assert.equal(store.backoffHit('k', rule), 0, 'a fresh start');
  store.reset('k');
  assert.equal(store.backoffCheck('k', rule), 0);
});

skipIf(skip)('Redis: the same delays, a TTL of one window, reset clears it', async (t) => {
  const server = await startRedis();
  t.onTestFinished(() => server.stop());
  const redis = new Redis(server.url);
  t.onTestFinished(() => redis.disconnect());
  const store = new RedisRateLimitStore(redis, 'kbt:');
  assert.deepEqual(await delays(store, 'k'), expected);
  const wait = await store.backoffCheck('k', rule);
  assert.ok(wait > 120 && wait <= 128, String(wait));
  const ttl = await redis.pttl('kbt:rlb:k');
  assert.ok(ttl > 0 && ttl <= rule.windowSeconds * 1000, String(ttl));
  await store.reset('k');
  assert.equal(await store.backoffCheck('k', rule), 0);
  assert.equal(await redis.exists('kbt:rlb:k'), 0);
});
