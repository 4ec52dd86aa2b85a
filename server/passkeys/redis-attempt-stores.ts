/**
 * Login and registration attempts in Redis, for a server spread over several processes
 * (REDIS_URL, docs/architecture.md §Storage and scale): options on one process, verify on another. Each attempt is
 * one JSON key that expires on its own a little after the attempt does; every change is one
 * atomic command or Lua script, so two processes never both spend one challenge, and wrong
 * reverse codes counted on any process add up to the same five.
 *
 * Keys: <prefix>login:<id>, <prefix>reg:<id>, <prefix>stepup:<id> = JSON attempt.
 */
import type { Redis } from 'ioredis';
import type { Clock } from '../util/clock';
import { randomDigits } from '../util/random';
import {
  hashReverseCode,
  MAX_REVERSE_CODE_TRIES,
  newPairedAttempt,
  type LoginApproval,
  type LoginAttempt,
  type LoginAttemptStore,
  type RegistrationApproval,
  type RegistrationAttempt,
  type RegistrationAttemptStore,
  type StepUpApproval,
  type StepUpAttempt,
  type StepUpAttemptStore,
} from './attempt-stores';
import { redisCall } from '../scale/storage-error';
import { redisScript, type RedisScript } from '../scale/redis-script';

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

/**
 * Parks an approval on a live, unapproved attempt; ARGV = approval JSON, now. 1 = parked,
 * 0 = gone, dead, expired or approved already (two processes: exactly one wins).
 */
const APPROVE = `
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local a = cjson.decode(raw)
if a.dead or a.expiresAt <= tonumber(ARGV[2]) then return 0 end
if a.approval ~= nil and a.approval ~= cjson.null then return 0 end
a.approval = cjson.decode(ARGV[1])
redis.call('SET', KEYS[1], cjson.encode(a), 'KEEPTTL')
return 1
`;

/**
 * Returns the attempt (nil = none) and deletes it only when no pairing is linked to it: a
 * paired one stays for approve and redeem. One round trip instead of GET then GETDEL.
 */
const TAKE_UNPAIRED = `
local raw = redis.call('GET', KEYS[1])
if not raw then return false end
if cjson.decode(raw).pairingId == cjson.null then redis.call('DEL', KEYS[1]) end
return raw
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

/** The Redis half of PairedAttemptStore, shared by both stores (keys differ by `kind`). */
abstract class RedisPairedStore<T, A> {
  private readonly recordWrong: RedisScript;
  private readonly setReverseCode: RedisScript;
  private readonly approveScript: RedisScript;
  private readonly takeUnpairedScript: RedisScript;

  constructor(
    protected readonly redis: Redis,
    protected readonly clock: Clock,
    protected readonly prefix: string,
    private readonly kind: 'login' | 'reg' | 'stepup',
  ) {
    this.recordWrong = redisScript(redis, RECORD_WRONG, 1);
    this.setReverseCode = redisScript(redis, SET_REVERSE_CODE, 1);
    this.approveScript = redisScript(redis, APPROVE, 1);
    this.takeUnpairedScript = redisScript(redis, TAKE_UNPAIRED, 1);
  }

  protected key(id: string) {
    return `${this.prefix}${this.kind}:${id}`;
  }
  async get(attemptId: string) {
    return parse<T>(await redisCall(this.redis.get(this.key(attemptId))));
  }
  async take(attemptId: string) {
    // GETDEL: exactly one caller, on whichever process, gets the challenge.
    return parse<T>(await redisCall(this.redis.getdel(this.key(attemptId))));
  }
  async takeUnpaired(attemptId: string) {
    const raw = await redisCall(this.takeUnpairedScript([this.key(attemptId)], []));
    return parse<T>(raw as string | null);
  }
  async recordWrongReverseCode(attemptId: string) {
    const left = await redisCall(this.recordWrong([this.key(attemptId)], [MAX_REVERSE_CODE_TRIES]));
    return Number(left);
  }
  async issueReverseCode(attemptId: string) {
    const code = randomDigits(6);
    const stored = await redisCall(
      this.setReverseCode(
        [this.key(attemptId)],
        [hashReverseCode(attemptId, code), this.clock.now()],
      ),
    );
    if (Number(stored) !== 1) throw new Error('no live attempt for this id');
    return code;
  }
  async approve(attemptId: string, approval: A) {
    const ok = await redisCall(
      this.approveScript([this.key(attemptId)], [JSON.stringify(approval), this.clock.now()]),
    );
    return Number(ok) === 1;
  }
}

export class RedisLoginAttemptStore
  extends RedisPairedStore<LoginAttempt, LoginApproval>
  implements LoginAttemptStore
{
  constructor(redis: Redis, clock: Clock, prefix = 'kb:') {
    super(redis, clock, prefix, 'login');
  }

  async create(challenge: string, timeoutMs: number, pairingId: string | null) {
    const now = this.clock.now();
    const attempt: LoginAttempt = newPairedAttempt(challenge, now + timeoutMs, pairingId);
    await putNew(this.redis, this.key(attempt.id), attempt, now);
    return attempt;
  }
}

export class RedisRegistrationAttemptStore
  extends RedisPairedStore<RegistrationAttempt, RegistrationApproval>
  implements RegistrationAttemptStore
{
  constructor(redis: Redis, clock: Clock, prefix = 'kb:') {
    super(redis, clock, prefix, 'reg');
  }

  async create(
    challenge: string,
    timeoutMs: number,
    sessionId: string,
    userId: string,
    pairingId: string | null = null,
  ) {
    const now = this.clock.now();
    const attempt: RegistrationAttempt = {
      ...newPairedAttempt(challenge, now + timeoutMs, pairingId),
      sessionId,
      userId,
    };
    await putNew(this.redis, this.key(attempt.id), attempt, now);
    return attempt;
  }
}

export class RedisStepUpAttemptStore
  extends RedisPairedStore<StepUpAttempt, StepUpApproval>
  implements StepUpAttemptStore
{
  constructor(redis: Redis, clock: Clock, prefix = 'kb:') {
    super(redis, clock, prefix, 'stepup');
  }

  async create(
    challenge: string,
    timeoutMs: number,
    sessionId: string,
    userId: string,
    pairingId: string | null,
  ) {
    const now = this.clock.now();
    const attempt: StepUpAttempt = {
      ...newPairedAttempt(challenge, now + timeoutMs, pairingId),
      sessionId,
      userId,
    };
    await putNew(this.redis, this.key(attempt.id), attempt, now);
    return attempt;
  }
}
