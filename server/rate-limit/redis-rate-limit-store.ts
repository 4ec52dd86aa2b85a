/**
 * The rate-limit counters in Redis (REDIS_URL), so a guesser spreading tries over several
 * server processes meets one count. A fixed window per key, like the in-memory store: the
 * first hit sets the count to 1 with the window as its TTL; at the limit the caller waits out
 * the TTL. Each check or hit is one Lua script, so concurrent hits never overshoot.
 *
 * Backoffs (a delay that doubles per failure) are a hash of failures and the last failure's
 * time, expiring a window after the last failure; the time comes from this process's clock.
 *
 * Keys: <prefix>rl:<key> = count; <prefix>rlb:<key> = {f, t}.
 */
import type { Redis } from 'ioredis';
import type { BackoffRule, RateLimitRule } from '../config';
import { backoffWaitSeconds, type RateLimitStore } from './rate-limiter';
import { redisCall } from '../scale/storage-error';
import { redisScript, type RedisScript } from '../scale/redis-script';

/** ARGV = max, window ms, count(1|0). Returns ms to wait (0 = allowed, and counted if asked). */
const HIT = `
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count >= tonumber(ARGV[1]) then
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl < 1 then ttl = 1 end
  return ttl
end
if ARGV[3] == '1' then
  if redis.call('INCR', KEYS[1]) == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
end
return 0
`;

/** ARGV = now ms, window ms. One more failure; returns {failures, last}. */
const BACKOFF_HIT = `
local f = redis.call('HINCRBY', KEYS[1], 'f', 1)
redis.call('HSET', KEYS[1], 't', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return {f, tonumber(ARGV[1])}
`;

export class RedisRateLimitStore implements RateLimitStore {
  private readonly hitScript: RedisScript;
  private readonly backoffHitScript: RedisScript;

  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'kb:',
  ) {
    this.hitScript = redisScript(redis, HIT, 1);
    this.backoffHitScript = redisScript(redis, BACKOFF_HIT, 1);
  }

  private async run(key: string, rule: RateLimitRule, count: boolean): Promise<number> {
    const waitMs = Number(
      await redisCall(
        this.hitScript(
          [`${this.prefix}rl:${key}`],
          [rule.max, rule.windowSeconds * 1000, count ? '1' : '0'],
        ),
      ),
    );
    return waitMs > 0 ? Math.max(1, Math.ceil(waitMs / 1000)) : 0;
  }

  hit(key: string, rule: RateLimitRule) {
    return this.run(key, rule, true);
  }
  check(key: string, rule: RateLimitRule) {
    return this.run(key, rule, false);
  }
  async reset(key: string) {
    await redisCall(this.redis.del(`${this.prefix}rl:${key}`, `${this.prefix}rlb:${key}`));
  }
  async backoffCheck(key: string, rule: BackoffRule) {
    const [f, t] = await redisCall(this.redis.hmget(`${this.prefix}rlb:${key}`, 'f', 't'));
    if (f === null || t === null) return 0;
    return backoffWaitSeconds(rule, Number(f), Number(t), Date.now());
  }
  async backoffHit(key: string, rule: BackoffRule) {
    const now = Date.now();
    const [f, t] = (await redisCall(
      this.backoffHitScript([`${this.prefix}rlb:${key}`], [now, rule.windowSeconds * 1000]),
    )) as [number, number];
    return backoffWaitSeconds(rule, Number(f), Number(t), now);
  }
}
