/**
 * Pairings in Redis, for a relay spread over several processes (docs/architecture.md §Storage and scale). Each
 * mutation is one Lua script, so two phones joining through two processes at the same moment
 * still get exactly one winner. Keys expire on their own a little after the pairing would
 * have, so a crashed process leaves nothing behind for long.
 *
 * Keys: <prefix>pair:<id> = JSON Pairing; <prefix>closed:<id> = why it ended (tombstone).
 */
import { redisCall } from '../scale/storage-error';
import { redisScript, type RedisScript } from '../scale/redis-script';
import type { Redis } from 'ioredis';
import type { ClosedReason } from '../protocol/tunnel';
import type { ClaimResult, Pairing, PairingStore, StoredLink } from './pairing-store';

/** Extra key lifetime past expiresAt; the relay's own timer normally closes first. */
const GRACE_MS = 10_000;

const LINK = `
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local p = cjson.decode(raw)
if p.phone or tonumber(ARGV[3]) >= p.expiresAt then return 0 end
if p.attemptId and p.attemptId ~= ARGV[1] then return 0 end
p.attemptId = ARGV[1]
p.challengeHash = ARGV[2]
p.kind = ARGV[4]
redis.call('SET', KEYS[1], cjson.encode(p), 'KEEPTTL')
return 1
`;

const CLAIM = `
local raw = redis.call('GET', KEYS[1])
if not raw then
  local reason = redis.call('GET', KEYS[2])
  if reason then return {'closed', reason} end
  return {'unknown'}
end
local p = cjson.decode(raw)
local now = tonumber(ARGV[3])
if now >= p.expiresAt then return {'expired'} end
if p.phone then return {'already-joined'} end
p.phone = cjson.decode(ARGV[1])
p.expiresAt = tonumber(ARGV[2])
local encoded = cjson.encode(p)
redis.call('SET', KEYS[1], encoded, 'PX', math.max(1, p.expiresAt - now + tonumber(ARGV[4])))
return {'ok', encoded}
`;

const CLOSE = `
local raw = redis.call('GET', KEYS[1])
if not raw then return false end
redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
return raw
`;

export class RedisPairingStore implements PairingStore {
  private readonly link: RedisScript;
  private readonly claimScript: RedisScript;
  private readonly closeScript: RedisScript;

  constructor(
    private readonly redis: Redis,
    private readonly opts: { tombstoneMs: number; now: () => number; prefix?: string },
  ) {
    this.link = redisScript(redis, LINK, 1);
    this.claimScript = redisScript(redis, CLAIM, 2);
    this.closeScript = redisScript(redis, CLOSE, 2);
  }

  private key(id: string) {
    return `${this.opts.prefix ?? 'kb:tunnel:'}pair:${id}`;
  }
  private tomb(id: string) {
    return `${this.opts.prefix ?? 'kb:tunnel:'}closed:${id}`;
  }

  async create(pairing: Pairing): Promise<void> {
    const ttl = Math.max(1, pairing.expiresAt - this.opts.now() + GRACE_MS);
    const ok = await redisCall(
      this.redis.set(this.key(pairing.id), JSON.stringify(pairing), 'PX', ttl, 'NX'),
    );
    if (ok !== 'OK') throw new Error('pairing id collision');
  }

  async get(id: string): Promise<Pairing | undefined> {
    const raw = await redisCall(this.redis.get(this.key(id)));
    return raw ? (JSON.parse(raw) as Pairing) : undefined;
  }

  async linkAttempt(id: string, link: StoredLink): Promise<boolean> {
    const r = await redisCall(
      this.link(
        [this.key(id)],
        [link.attemptId, link.challengeHash, String(this.opts.now()), link.kind],
      ),
    );
    return r === 1;
  }

  async claimPhone(
    id: string,
    phone: NonNullable<Pairing['phone']>,
    expiresAt: number,
    now: number,
  ): Promise<ClaimResult> {
    const r = (await redisCall(
      this.claimScript(
        [this.key(id), this.tomb(id)],
        [JSON.stringify(phone), String(expiresAt), String(now), String(GRACE_MS)],
      ),
    )) as string[];
    switch (r[0]) {
      case 'ok':
        return { ok: true, pairing: JSON.parse(r[1]!) as Pairing };
      case 'closed':
        return { ok: false, reason: { closed: r[1] as ClosedReason } };
      case 'expired':
      case 'already-joined':
        return { ok: false, reason: r[0] };
      default:
        return { ok: false, reason: 'unknown' };
    }
  }

  async close(id: string, reason: ClosedReason): Promise<Pairing | undefined> {
    const raw = (await redisCall(
      this.closeScript([this.key(id), this.tomb(id)], [reason, String(this.opts.tombstoneMs)]),
    )) as string | null;
    return raw ? (JSON.parse(raw) as Pairing) : undefined;
  }

  async closedReason(id: string): Promise<ClosedReason | undefined> {
    return ((await redisCall(this.redis.get(this.tomb(id)))) as ClosedReason | null) ?? undefined;
  }
}
