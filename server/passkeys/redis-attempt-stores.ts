/**
 * Login and registration attempts in Redis, for a server spread over several processes
 * (REDIS_URL, DESIGN.md section 6): options on one process, verify on another. Each attempt is
 * one JSON key that expires on its own a little after the attempt does; every change is one
 * atomic command or Lua script, so two processes never both spend one challenge, and wrong
 * reverse codes counted on any process add up to the same five.
 *
 * Keys: <prefix>login:<id>, <prefix>reg:<id> = JSON attempt.
 */
import type { Redis } from 'ioredis';
import type { Clock } from '../util/clock';
import { randomDigits, randomId } from '../util/random';
import {
  hashReverseCode,
  MAX_REVERSE_CODE_TRIES,
  type LoginAttempt,
  type LoginAttemptStore,
  type RegistrationAttempt,
  type RegistrationAttemptStore,
} from './attempt-stores';
import { redisCall } from '../scale/redis-unavailable';

/** Same grace as in memory: a late verify gets "expired" rather than "not found". */
const GRACE_MS = 5 * 60 * 1000;

/** Counts one wrong code; ARGV[1] = max tries. Returns tries left (0 = dead or gone). */
const RECORD_WRONG = `
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local a = cjson.decode(raw)
a.wrongReverseCodes = a.wrongReverseCodes + 1
local left = tonumber(ARGV[1]) - a.wrongReverseCodes
if left <= 0 then
  left = 0
  a.dead = true
end
redis.call('SET', KEYS[1], cjson.encode(a), 'KEEPTTL')
return left
`;

/** Stores the code's hash on a live attempt; ARGV = hash, now. 1 = stored, 0 = no live attempt. */
const SET_REVERSE_CODE = `
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local a = cjson.decode(raw)
if a.dead or a.expiresAt <= tonumber(ARGV[2]) then return 0 end
a.reverseCodeHash = ARGV[1]
redis.call('SET', KEYS[1], cjson.encode(a), 'KEEPTTL')
return 1
`;

/** cjson turns JSON null into a sentinel it encodes back as null; parsing restores it. */
function parse<T>(raw: string | null): T | undefined {
  return raw === null ? undefined : (JSON.parse(raw) as T);
}

async function putNew(redis: Redis, key: string, value: { expiresAt: number }, now: number) {
  const ttl = Math.max(1, value.expiresAt - now + GRACE_MS);
  const ok = await redisCall(redis.set(key, JSON.stringify(value), 'PX', ttl, 'NX'));
  if (ok !== 'OK') throw new Error('attempt id collision');
}

export class RedisLoginAttemptStore implements LoginAttemptStore {
  constructor(
    private readonly redis: Redis,
    private readonly clock: Clock,
    private readonly prefix = 'kb:',
  ) {}

  private key(id: string) {
    return `${this.prefix}login:${id}`;
  }

  async create(challenge: string, timeoutMs: number, pairingId: string | null) {
    const now = this.clock.now();
    const attempt: LoginAttempt = {
      id: randomId(),
      challenge,
      expiresAt: now + timeoutMs,
      pairingId,
      reverseCodeHash: null,
      wrongReverseCodes: 0,
      dead: false,
    };
    await putNew(this.redis, this.key(attempt.id), attempt, now);
    return attempt;
  }
  async get(attemptId: string) {
    return parse<LoginAttempt>(await redisCall(this.redis.get(this.key(attemptId))));
  }
  async take(attemptId: string) {
    // GETDEL: exactly one caller, on whichever process, gets the challenge.
    return parse<LoginAttempt>(await redisCall(this.redis.getdel(this.key(attemptId))));
  }
  async recordWrongReverseCode(attemptId: string) {
    const left = await redisCall(
      this.redis.eval(RECORD_WRONG, 1, this.key(attemptId), MAX_REVERSE_CODE_TRIES),
    );
    return Number(left);
  }
  async issueReverseCode(attemptId: string) {
    const code = randomDigits(6);
    const stored = await redisCall(
      this.redis.eval(
        SET_REVERSE_CODE,
        1,
        this.key(attemptId),
        hashReverseCode(attemptId, code),
        this.clock.now(),
      ),
    );
    if (Number(stored) !== 1) throw new Error('no live login attempt for this id');
    return code;
  }
}

export class RedisRegistrationAttemptStore implements RegistrationAttemptStore {
  constructor(
    private readonly redis: Redis,
    private readonly clock: Clock,
    private readonly prefix = 'kb:',
  ) {}

  private key(id: string) {
    return `${this.prefix}reg:${id}`;
  }

  async create(challenge: string, timeoutMs: number, sessionId: string, userId: string) {
    const now = this.clock.now();
    const attempt: RegistrationAttempt = {
      id: randomId(),
      challenge,
      expiresAt: now + timeoutMs,
      sessionId,
      userId,
    };
    await putNew(this.redis, this.key(attempt.id), attempt, now);
    return attempt;
  }
  async get(attemptId: string) {
    return parse<RegistrationAttempt>(await redisCall(this.redis.get(this.key(attemptId))));
  }
  async take(attemptId: string) {
    return parse<RegistrationAttempt>(await redisCall(this.redis.getdel(this.key(attemptId))));
  }
}
