/**
 * One conformance suite per store interface, run against every implementation the server can
 * be configured with: memory and Redis (a private redis-server) for the short-lived stores,
 * SQLite and PostgreSQL for the session store. An implementation that passes here can take
 * another's place without the routes noticing.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { AccountStore } from '../../server/accounts/account-store';
import { openDatabase, type Db } from '../../server/db/database';
import {
  MAX_REVERSE_CODE_TRIES,
  MemoryLoginAttemptStore,
  MemoryRegistrationAttemptStore,
  MemoryStepUpAttemptStore,
  hashReverseCode,
  type LoginAttemptStore,
  type RegistrationAttemptStore,
  type StepUpAttemptStore,
  type RegistrationApproval,
} from '../../server/passkeys/attempt-stores';
import {
  RedisLoginAttemptStore,
  RedisRegistrationAttemptStore,
  RedisStepUpAttemptStore,
} from '../../server/passkeys/redis-attempt-stores';
import { MemoryRateLimitStore, type RateLimitStore } from '../../server/rate-limit/rate-limiter';
import { RedisRateLimitStore } from '../../server/rate-limit/redis-rate-limit-store';
import { StorageError } from '../../server/scale/storage-error';
import { SessionStore } from '../../server/sessions/session-store';
import { PasskeyStore } from '../../server/passkeys/passkey-store';
import {
  MemoryPairingStore,
  type Pairing,
  type PairingStore,
} from '../../server/tunnel/pairing-store';
import { RedisPairingStore } from '../../server/tunnel/redis-pairing-store';
import { systemClock } from '../../server/util/clock';
import { createTestSchema } from '../support/postgres';
import { REDIS_SERVER, startRedis, type TestRedis } from './tunnel/support/redis-server';
import { skipIf } from '../support/vitest';

/** vitest's describe has no skip reason: the reason goes into the suite's name. */
const skipNote = (skip: string | false | undefined) => (skip ? ` (skipped: ${skip})` : '');

const noRedis = fs.existsSync(REDIS_SERVER) ? false : `${REDIS_SERVER} is not installed`;
const pgSchema = await createTestSchema();

let redisServer: TestRedis | undefined;
let redis: Redis | undefined;
let prefixes = 0;
beforeAll(async () => {
  if (noRedis) return;
  redisServer = await startRedis();
  redis = new Redis(redisServer.url, { maxRetriesPerRequest: 2 });
});
afterAll(async () => {
  await redis?.quit();
  await redisServer?.stop();
  await pgSchema.drop();
});

/** A fresh key space per test: implementations never see each other's keys. */
const prefix = () => `conf${++prefixes}:`;
const liveRedis = () => {
  assert.ok(redis, 'redis started');
  return redis;
};

type Backend<S> = { name: string; skip: string | false; make: () => S | Promise<S> };

// ------------------------------------------------------------------ attempt stores

const loginStores: Backend<LoginAttemptStore>[] = [
  { name: 'memory', skip: false, make: () => new MemoryLoginAttemptStore(systemClock) },
  {
    name: 'redis',
    skip: noRedis,
    make: () => new RedisLoginAttemptStore(liveRedis(), systemClock, prefix()),
  },
];
const registrationStores: Backend<RegistrationAttemptStore>[] = [
  { name: 'memory', skip: false, make: () => new MemoryRegistrationAttemptStore(systemClock) },
  {
    name: 'redis',
    skip: noRedis,
    make: () => new RedisRegistrationAttemptStore(liveRedis(), systemClock, prefix()),
  },
];
const stepUpStores: Backend<StepUpAttemptStore>[] = [
  { name: 'memory', skip: false, make: () => new MemoryStepUpAttemptStore(systemClock) },
  {
    name: 'redis',
    skip: noRedis,
    make: () => new RedisStepUpAttemptStore(liveRedis(), systemClock, prefix()),
  },
];

const CHALLENGE = 'c'.repeat(43);
const LOGIN_APPROVAL = { userId: 'u_1', passkeyId: 'pk_1', passkeyName: 'Phone' };

for (const backend of loginStores) {
  describe.skipIf(Boolean(backend.skip))(
    `LoginAttemptStore: ${backend.name}${skipNote(backend.skip)}`,
    () => {
      test('create, get, take once', async () => {
        const store = await backend.make();
        const a = await store.create(CHALLENGE, 60_000, 'pairing-1');
        assert.equal(a.challenge, CHALLENGE);
        assert.equal(a.pairingId, 'pairing-1');
        assert.equal(a.approval, null);
        assert.equal(a.dead, false);
        assert.deepEqual(await store.get(a.id), a);
        assert.deepEqual(await store.take(a.id), a);
        assert.equal(await store.take(a.id), undefined, 'a challenge is taken once');
        assert.equal(await store.get(a.id), undefined);
        assert.equal(await store.get('no-such-attempt'), undefined);
      });

      test('takeUnpaired: an unpaired attempt is taken once; a paired one stays', async () => {
        const store = await backend.make();
        const direct = await store.create(CHALLENGE, 60_000, null);
        assert.deepEqual(await store.takeUnpaired(direct.id), direct);
        assert.equal(await store.takeUnpaired(direct.id), undefined, 'its challenge is spent');
        assert.equal(await store.get(direct.id), undefined);
        const paired = await store.create(CHALLENGE, 60_000, 'pairing-1');
        assert.deepEqual(await store.takeUnpaired(paired.id), paired, 'returned, so refused');
        assert.deepEqual(await store.get(paired.id), paired, 'left for approve and redeem');
        assert.equal(await store.approve(paired.id, LOGIN_APPROVAL), true);
        assert.equal(await store.takeUnpaired('no-such-attempt'), undefined);
      });

      test('approve once; unknown attempts are not approved', async () => {
        const store = await backend.make();
        const a = await store.create(CHALLENGE, 60_000, null);
        assert.equal(await store.approve(a.id, LOGIN_APPROVAL), true);
        assert.equal(await store.approve(a.id, LOGIN_APPROVAL), false, 'only once');
        assert.deepEqual((await store.get(a.id))?.approval, LOGIN_APPROVAL);
        assert.equal(await store.approve('no-such-attempt', LOGIN_APPROVAL), false);
      });

      test('reverse code: stored hashed, a new one keeps the wrong-try count, five wrong kill it', async () => {
        const store = await backend.make();
        const a = await store.create(CHALLENGE, 60_000, 'pairing-1');
        const code = await store.issueReverseCode(a.id);
        assert.match(code, /^\d{6}$/);
        const stored = await store.get(a.id);
        assert.equal(stored?.reverseCodeHash, hashReverseCode(a.id, code));
        assert.equal(JSON.stringify(stored).includes(code), false, 'never stored in the clear');
        assert.equal(await store.recordWrongReverseCode(a.id), MAX_REVERSE_CODE_TRIES - 1);
        const again = await store.issueReverseCode(a.id);
        assert.equal((await store.get(a.id))?.reverseCodeHash, hashReverseCode(a.id, again));
        const left: number[] = [];
        for (let i = 1; i < MAX_REVERSE_CODE_TRIES; i++)
          left.push(await store.recordWrongReverseCode(a.id));
        assert.deepEqual(left, [3, 2, 1, 0]);
        assert.equal((await store.get(a.id))?.dead, true);
        assert.equal(
          await store.approve(a.id, LOGIN_APPROVAL),
          false,
          'a dead attempt is not approved',
        );
        await assert.rejects(
          async () => store.issueReverseCode(a.id),
          'no code for a dead attempt',
        );
        await assert.rejects(async () => store.issueReverseCode('no-such-attempt'));
      });
    },
  );
}

const REG_APPROVAL = {
  user_id: 'u_1',
  credential_id: 'Y3JlZA',
  public_key: 'cGs',
  counter: 0,
  transports: '[]',
  name: 'Phone',
} as unknown as RegistrationApproval;

for (const backend of registrationStores) {
  describe.skipIf(Boolean(backend.skip))(
    `RegistrationAttemptStore: ${backend.name}${skipNote(backend.skip)}`,
    () => {
      test('create binds session and user; approve once; take once', async () => {
        const store = await backend.make();
        const a = await store.create(CHALLENGE, 60_000, 'sess_1', 'u_1', 'pairing-1');
        assert.equal(a.sessionId, 'sess_1');
        assert.equal(a.userId, 'u_1');
        assert.equal(a.pairingId, 'pairing-1');
        assert.deepEqual(await store.get(a.id), a);
        assert.equal(await store.approve(a.id, REG_APPROVAL), true);
        assert.equal(await store.approve(a.id, REG_APPROVAL), false);
        const taken = await store.take(a.id);
        assert.deepEqual(taken?.approval, REG_APPROVAL);
        assert.equal(await store.take(a.id), undefined);
      });

      test('reverse codes and wrong tries as for sign-in', async () => {
        const store = await backend.make();
        const a = await store.create(CHALLENGE, 60_000, 'sess_1', 'u_1');
        const code = await store.issueReverseCode(a.id);
        assert.equal((await store.get(a.id))?.reverseCodeHash, hashReverseCode(a.id, code));
        for (let i = 0; i < MAX_REVERSE_CODE_TRIES; i++) await store.recordWrongReverseCode(a.id);
        assert.equal((await store.get(a.id))?.dead, true);
      });
    },
  );
}

const STEP_UP_APPROVAL = { passkeyId: 'pk_1', passkeyName: 'Phone' };

for (const backend of stepUpStores) {
  describe.skipIf(Boolean(backend.skip))(
    `StepUpAttemptStore: ${backend.name}${skipNote(backend.skip)}`,
    () => {
      test('create binds session, user and pairing; approve once; take once', async () => {
        const store = await backend.make();
        const a = await store.create(CHALLENGE, 60_000, 'sess_1', 'u_1', 'pairing-1');
        assert.equal(a.sessionId, 'sess_1');
        assert.equal(a.userId, 'u_1');
        assert.equal(a.pairingId, 'pairing-1');
        assert.deepEqual(await store.get(a.id), a);
        assert.equal(await store.approve(a.id, STEP_UP_APPROVAL), true);
        assert.equal(await store.approve(a.id, STEP_UP_APPROVAL), false);
        const taken = await store.take(a.id);
        assert.deepEqual(taken?.approval, STEP_UP_APPROVAL);
        assert.equal(await store.take(a.id), undefined);
      });

      test('reverse codes and wrong tries as for sign-in', async () => {
        const store = await backend.make();
        const a = await store.create(CHALLENGE, 60_000, 'sess_1', 'u_1', null);
        const code = await store.issueReverseCode(a.id);
        assert.equal((await store.get(a.id))?.reverseCodeHash, hashReverseCode(a.id, code));
        for (let i = 0; i < MAX_REVERSE_CODE_TRIES; i++) await store.recordWrongReverseCode(a.id);
        assert.equal((await store.get(a.id))?.dead, true);
        assert.equal(await store.approve(a.id, STEP_UP_APPROVAL), false, 'a dead attempt');
      });
    },
  );
}

// ------------------------------------------------------------------ pairing store

const pairingStores: Backend<PairingStore>[] = [
  {
    name: 'memory',
    skip: false,
    make: () => new MemoryPairingStore({ tombstoneMs: 60_000, maxTombstones: 100, now: Date.now }),
  },
  {
    name: 'redis',
    skip: noRedis,
    make: () =>
      new RedisPairingStore(liveRedis(), { tombstoneMs: 60_000, now: Date.now, prefix: prefix() }),
  },
];

let pairingIds = 0;
function newPairing(): Pairing {
  const now = Date.now();
  return {
    id: `pairing${String(++pairingIds).padStart(15, '0')}`,
    desktopSocketId: 'desk-socket',
    desktopIp: '127.0.0.2',
    createdAt: now,
    expiresAt: now + 60_000,
  };
}
const phone = () => ({
  socketId: 'phone-socket',
  ip: '127.0.0.1',
  userAgent: 'UA',
  joinedAt: Date.now(),
});
const LINK = { kind: 'sign-in' as const, attemptId: 'att_1', challengeHash: 'h'.repeat(43) };

for (const backend of pairingStores) {
  describe.skipIf(Boolean(backend.skip))(
    `PairingStore: ${backend.name}${skipNote(backend.skip)}`,
    () => {
      test('create and get; an id is used once', async () => {
        const store = await backend.make();
        const p = newPairing();
        await store.create(p);
        assert.deepEqual(await store.get(p.id), p);
        await assert.rejects(() => store.create(p), /collision/);
        assert.equal(await store.get('unknown-pairing-id-xx'), undefined);
      });

      test('link: once, not to another attempt, not after a phone joined', async () => {
        const store = await backend.make();
        const p = newPairing();
        await store.create(p);
        assert.equal(await store.linkAttempt(p.id, LINK), true);
        const linked = await store.get(p.id);
        assert.equal(linked?.attemptId, 'att_1');
        assert.equal(linked?.kind, 'sign-in');
        assert.equal(linked?.challengeHash, LINK.challengeHash);
        assert.equal(await store.linkAttempt(p.id, { ...LINK, attemptId: 'att_2' }), false);
        const q = newPairing();
        await store.create(q);
        const claim = await store.claimPhone(q.id, phone(), Date.now() + 120_000, Date.now());
        assert.ok(claim.ok);
        assert.equal(await store.linkAttempt(q.id, LINK), false, 'scanned: too late to link');
        assert.equal(await store.linkAttempt('unknown-pairing-id-xx', LINK), false);
      });

      test('claim: one phone, with the new expiry; unknown and closed pairings say why', async () => {
        const store = await backend.make();
        const p = newPairing();
        await store.create(p);
        const until = Date.now() + 120_000;
        const first = await store.claimPhone(p.id, phone(), until, Date.now());
        assert.ok(first.ok);
        assert.equal(first.pairing.expiresAt, until);
        assert.equal(first.pairing.phone?.socketId, 'phone-socket');
        const second = await store.claimPhone(
          p.id,
          { ...phone(), socketId: 'x' },
          until,
          Date.now(),
        );
        assert.deepEqual(second, { ok: false, reason: 'already-joined' });
        assert.deepEqual(
          await store.claimPhone('unknown-pairing-id-xx', phone(), until, Date.now()),
          {
            ok: false,
            reason: 'unknown',
          },
        );
        const lapsed = newPairing();
        await store.create({ ...lapsed, expiresAt: Date.now() - 1 });
        const late = await store.claimPhone(lapsed.id, phone(), until, Date.now());
        assert.deepEqual(late, { ok: false, reason: 'expired' });
      });

      test('close: returns the open pairing once, leaves a tombstone with the reason', async () => {
        const store = await backend.make();
        const p = newPairing();
        await store.create(p);
        assert.deepEqual(await store.close(p.id, 'completed'), p);
        assert.equal(await store.close(p.id, 'cancelled'), undefined, 'closed once');
        assert.equal(await store.get(p.id), undefined);
        assert.equal(await store.closedReason(p.id), 'completed');
        const claim = await store.claimPhone(p.id, phone(), Date.now() + 1000, Date.now());
        assert.deepEqual(claim, { ok: false, reason: { closed: 'completed' } });
        assert.equal(await store.closedReason('unknown-pairing-id-xx'), undefined);
      });
    },
  );
}

// ------------------------------------------------------------------ rate-limit / backoff store

const rateStores: Backend<RateLimitStore>[] = [
  { name: 'memory', skip: false, make: () => new MemoryRateLimitStore(systemClock) },
  { name: 'redis', skip: noRedis, make: () => new RedisRateLimitStore(liveRedis(), prefix()) },
];
const RULE = { max: 3, windowSeconds: 60 };
const BACKOFF = { freeFailures: 2, firstDelaySeconds: 1, maxDelaySeconds: 8, windowSeconds: 60 };

for (const backend of rateStores) {
  describe.skipIf(Boolean(backend.skip))(
    `RateLimitStore: ${backend.name}${skipNote(backend.skip)}`,
    () => {
      test('hits are free up to max, then the wait is at most the window; check does not count', async () => {
        const store = await backend.make();
        for (let i = 0; i < RULE.max; i++) assert.equal(await store.hit('k', RULE), 0);
        const seen = await store.check('k', RULE);
        assert.equal(await store.check('k', RULE), seen, 'check does not count');
        const wait = await store.hit('k', RULE);
        assert.ok(wait > 0 && wait <= RULE.windowSeconds, `wait ${wait}`);
        assert.ok((await store.check('k', RULE)) > 0);
        assert.equal(await store.check('other', RULE), 0, 'keys are independent');
        await store.reset('k');
        assert.equal(await store.check('k', RULE), 0);
        assert.equal(await store.hit('k', RULE), 0);
      });

      test('backoff: the free failures, then 1, 2, 4, 8 s (capped); reset forgets', async () => {
        const store = await backend.make();
        const delays: number[] = [];
        for (let i = 0; i < 7; i++) delays.push(await store.backoffHit('b', BACKOFF));
        assert.deepEqual(delays, [0, 1, 2, 4, 8, 8, 8]);
        assert.ok((await store.backoffCheck('b', BACKOFF)) > 0);
        assert.equal(await store.backoffCheck('fresh', BACKOFF), 0);
        await store.reset('b');
        assert.equal(await store.backoffCheck('b', BACKOFF), 0);
      });
    },
  );
}

skipIf(noRedis)(
  'scripts go by their SHA (EVALSHA) and are sent again when Redis has forgotten them',
  async () => {
    const client = liveRedis();
    const limits = new RedisRateLimitStore(client, prefix());
    const rule = { max: 2, windowSeconds: 60 };
    const calls = async (command: 'eval' | 'evalsha') => {
      const info = await client.info('commandstats');
      return Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(info)?.[1] ?? 0);
    };
    assert.equal(await limits.hit('k', rule), 0);
    await client.script('FLUSH');
    const [evals, shas] = [await calls('eval'), await calls('evalsha')];
    assert.equal(await limits.hit('k', rule), 0, 'counted after the flush');
    assert.ok((await limits.hit('k', rule)) > 0, 'the third hit is over the limit');
    // The hit after the flush asks by SHA, gets NOSCRIPT (counted or not, by Redis version)
    // and sends the script; the next one asks by SHA alone.
    assert.ok((await calls('evalsha')) >= shas + 1, 'hits ask by SHA');
    assert.equal(await calls('eval'), evals + 1, 'the script itself went once, after NOSCRIPT');
  },
);

skipIf(noRedis)(
  'a Redis that cannot answer raises StorageError (the HTTP layer answers 503)',
  async (t) => {
    const own = await startRedis();
    const client = new Redis(own.url, { maxRetriesPerRequest: 1, retryStrategy: () => 50 });
    client.on('error', () => undefined);
    t.onTestFinished(() => client.disconnect());
    const stores = {
      attempts: new RedisLoginAttemptStore(client, systemClock, prefix()),
      limits: new RedisRateLimitStore(client, prefix()),
      pairings: new RedisPairingStore(client, {
        tombstoneMs: 1000,
        now: Date.now,
        prefix: prefix(),
      }),
    };
    const a = await stores.attempts.create(CHALLENGE, 60_000, null);
    await own.stop();
    await assert.rejects(() => stores.attempts.get(a.id), StorageError);
    await assert.rejects(async () => stores.limits.hit('k', RULE), StorageError);
    await assert.rejects(() => stores.pairings.get('unknown-pairing-id-xx'), StorageError);
  },
);

// ------------------------------------------------------------------ session store (DB)

const dataDirs: string[] = [];
afterAll(() => {
  for (const d of dataDirs) fs.rmSync(d, { recursive: true, force: true });
});
const databases: Backend<Db>[] = [
  {
    name: 'sqlite',
    skip: false,
    make: () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kb-conformance-'));
      dataDirs.push(dir);
      return openDatabase(dir);
    },
  },
  {
    name: 'postgres',
    skip: pgSchema.unavailable,
    make: () => openDatabase('', pgSchema.databaseUrl),
  },
];

for (const backend of databases) {
  describe.skipIf(Boolean(backend.skip))(
    `SessionStore: ${backend.name}${skipNote(backend.skip)}`,
    () => {
      let db: Db;
      beforeAll(async () => {
        db = await backend.make();
      });
      afterAll(() => db?.destroy());

      async function user() {
        const u = await new AccountStore(db).create(
          `u${++prefixes}-${backend.name}@example.com`,
          'hash',
          Date.now(),
        );
        assert.ok(u);
        return u;
      }
      const desktop = (userId: string) => ({
        userId,
        client: 'desktop' as const,
        device: 'desk',
        method: 'password' as const,
        passkeyId: null,
        ip: '127.0.0.1',
        userAgent: null,
      });

      test('desktop session: authenticate, refresh rotates, revoke ends it', async () => {
        const sessions = new SessionStore(db, systemClock);
        const u = await user();
        const issued = await sessions.create(desktop(u.id));
        assert.equal(issued.kind, 'desktop');
        if (issued.kind !== 'desktop') return;
        assert.equal((await sessions.authenticate(issued.accessToken))?.id, issued.session.id);
        assert.equal(await sessions.authenticate('not-a-token'), undefined);
        const next = await sessions.refresh(issued.refreshToken);
        assert.ok(next.ok);
        assert.notEqual(next.refreshToken, issued.refreshToken);
        assert.equal((await sessions.authenticate(next.accessToken))?.id, issued.session.id);
        assert.deepEqual(await sessions.refresh('not-a-refresh-token'), {
          ok: false,
          reason: 'invalid',
        });
        await sessions.revoke(issued.session.id);
        assert.equal(await sessions.authenticate(next.accessToken), undefined);
        assert.equal((await sessions.listLive(u.id)).length, 0);
      });

      test("listLive lists only this user's live sessions", async () => {
        const sessions = new SessionStore(db, systemClock);
        const [a, b] = [await user(), await user()];
        await sessions.create(desktop(a.id));
        await sessions.create(desktop(a.id));
        await sessions.create(desktop(b.id));
        assert.equal((await sessions.listLive(a.id)).length, 2);
        assert.equal((await sessions.listLive(b.id)).length, 1);
      });

      test('a passkey is read with its owner in one statement, exactly as read apart', async () => {
        const u = await user();
        const passkeys = new PasskeyStore(db);
        const credentialId = `cred-${++prefixes}`;
        assert.equal(await passkeys.insert(passkeyRow(u.id, credentialId)), true);
        const found = await passkeys.byCredentialIdWithOwner(credentialId);
        assert.deepEqual(found?.passkey, await passkeys.byCredentialId(credentialId));
        assert.deepEqual(found?.owner, await new AccountStore(db).byId(u.id));
        assert.equal(await passkeys.byCredentialIdWithOwner('no-such-credential'), undefined);
      });

      if (backend.name === 'postgres')
        test("the sign-in's statements are parsed once per connection (named), others not", async () => {
          const u = await user();
          const credentialId = `cred-${++prefixes}`;
          await new PasskeyStore(db).insert(passkeyRow(u.id, credentialId));
          // One transaction holds one connection, whose prepared statements the view lists.
          const prepared = await db.transaction().execute(async (trx) => {
            const passkeys = new PasskeyStore(trx);
            for (let i = 0; i < 3; i++)
              assert.equal(
                (await passkeys.byCredentialIdWithOwner(credentialId))?.owner?.id,
                u.id,
                'each run with its own result',
              );
            await passkeys.listForUser(u.id);
            const { rows } = await sql<{
              name: string;
              statement: string;
            }>`select name, statement from pg_prepared_statements`.execute(trx);
            return rows;
          });
          const withOwner = prepared.filter((r) => /left join "users"/.test(r.statement));
          assert.equal(withOwner.length, 1, 'prepared once, reused');
          assert.match(withOwner[0]!.name, /^kb_\d+$/);
          assert.equal(
            prepared.some((r) => /order by "created_at"/.test(r.statement)),
            false,
            'an ad-hoc query stays unnamed',
          );
        });
    },
  );
}

function passkeyRow(userId: string, credentialId: string) {
  return {
    id: `pk-${credentialId}`,
    user_id: userId,
    credential_id: credentialId,
    public_key: 'cGs',
    counter: 3,
    transports: '["internal"]',
    aaguid: '00000000-0000-0000-0000-000000000000',
    backup_eligible: 0,
    backed_up: 0,
    uv_initialized: 1,
    name: 'Phone',
    created_at: 5,
    last_used_at: null,
  };
}
