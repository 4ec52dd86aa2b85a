/**
 * The scaled relay: two relay processes' worth of socket.io servers sharing a real Redis
 * (pairing store + socket.io Redis adapter). A desktop on one and a phone on the other pair,
 * talk, and close exactly as on one process.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { afterAll, beforeAll } from 'vitest';
import { createRedisTunnelBackend } from '../../../server/tunnel/redis-backend';
import type { TunnelLimits } from '../../../server/tunnel/limits';
import { startRelay, type Harness } from './support/relay-harness';
import { REDIS_SERVER, startRedis, type TestRedis } from './support/redis-server';
import { call } from '../../support/http';
import { startTunnelServer } from './support/tunnel-server';
import { skipIf } from '../../support/vitest';

const haveRedis = fs.existsSync(REDIS_SERVER);
/** `skip` with its reason, so the runner prints why (false = run). */
const skip = haveRedis ? false : `${REDIS_SERVER} is not installed (set REDIS_SERVER)`;

let redis: TestRedis;
let prefixes = 0;

beforeAll(async () => {
  if (haveRedis) redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

/** Two relays (A and B) on one Redis, as two server processes would be. */
async function twoNodes(
  limits: Partial<TunnelLimits> = {},
): Promise<[Harness, Harness, () => Promise<void>]> {
  const prefix = `t${++prefixes}:`;
  const backends = [0, 1].map(() =>
    createRedisTunnelBackend(redis.url, { tombstoneMs: 60_000, prefix }),
  );
  const [a, b] = await Promise.all(
    backends.map((be) => startRelay({ store: be.store, adapter: be.adapter, limits })),
  );
  if (!a || !b) throw new Error('two relays start');
  return [
    a,
    b,
    async () => {
      await a.close();
      await b.close();
      await Promise.all(backends.map((be) => be.close()));
    },
  ];
}

skipIf(skip)(
  'desktop on one process, phone on another: join, messages both ways, one phone only',
  async (t) => {
    const [a, b, close] = await twoNodes();
    t.onTestFinished(close);
    const desktop = await a.client();
    const phone = await b.client();
    const intruder = await a.client();
    const c = await desktop.create();
    assert.ok(c.ok);
    const joined = await phone.join(c.pairingId);
    assert.ok(joined.ok);
    assert.equal(joined.desktop.ip, '127.0.0.1');
    assert.equal((await desktop.joined.next()).pairingId, c.pairingId);
    phone.emitRaw('pair:msg', { pairingId: c.pairingId, data: 'ZnJvbS1waG9uZQ' });
    assert.equal((await desktop.msgs.next()).data, 'ZnJvbS1waG9uZQ');
    desktop.emitRaw('pair:msg', { pairingId: c.pairingId, data: 'ZnJvbS1kZXNrdG9w' });
    assert.equal((await phone.msgs.next()).data, 'ZnJvbS1kZXNrdG9w');
    const second = await intruder.join(c.pairingId);
    assert.equal(second.ok ? null : second.error.code, 'already-joined');

    // The phone (on B) denies: both hear it, and a late join on A hears "cancelled".
    phone.emitRaw('pair:cancel', { pairingId: c.pairingId, reason: 'denied' });
    assert.equal((await desktop.closed.next()).reason, 'denied');
    assert.equal((await phone.closed.next()).reason, 'denied');
    const late = await (await a.client()).join(c.pairingId);
    assert.equal(late.ok ? null : late.error.code, 'cancelled');
  },
);

skipIf(skip)('two phones racing through two processes: exactly one wins', async (t) => {
  const [a, b, close] = await twoNodes();
  t.onTestFinished(close);
  const desktop = await a.client();
  const c = await desktop.create();
  assert.ok(c.ok);
  const [p1, p2] = await Promise.all([a.client(), b.client()]);
  const results = await Promise.all([p1.join(c.pairingId), p2.join(c.pairingId)]);
  assert.equal(results.filter((r) => r.ok).length, 1);
  const loser = results.find((r) => !r.ok);
  assert.equal(loser && !loser.ok ? loser.error.code : null, 'already-joined');
});

skipIf(skip)('a desktop leaving on one process tells the phone on the other', async (t) => {
  const [a, b, close] = await twoNodes();
  t.onTestFinished(close);
  const desktop = await a.client();
  const phone = await b.client();
  const c = await desktop.create();
  assert.ok(c.ok);
  await phone.join(c.pairingId);
  desktop.close();
  assert.deepEqual(await phone.closed.next(), { pairingId: c.pairingId, reason: 'peer-left' });
});

skipIf(skip)('expiry and a late join across processes', async (t) => {
  const [a, b, close] = await twoNodes({ unscannedMs: 150 });
  t.onTestFinished(close);
  const desktop = await a.client();
  const c = await desktop.create();
  assert.ok(c.ok);
  assert.equal((await desktop.closed.next()).reason, 'expired');
  const late = await (await b.client()).join(c.pairingId);
  assert.equal(late.ok ? null : late.error.code, 'expired');
});

skipIf(skip)(
  'the real server with REDIS pairings: the attempt link and challenge hash work',
  async (t) => {
    const srv = await startTunnelServer({ redisUrl: redis.url, redisPrefix: `srv${++prefixes}:` });
    t.onTestFinished(() => srv.close());
    const relay = await startRelay(); // only for its client helper
    t.onTestFinished(() => relay.close());
    const { io } = await import('socket.io-client');
    const s = io(`${srv.url}/tunnel`, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
    });
    t.onTestFinished(() => void s.disconnect());
    const created = (await s.emitWithAck('pair:create', {})) as { ok: boolean; pairingId: string };
    assert.ok(created.ok);
    const r = await call(srv.url, '/api/auth/passkey/options', {
      body: { pairingId: created.pairingId },
    });
    assert.equal(r.status, 200);
    const phone = io(`${srv.url}/tunnel`, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
    });
    t.onTestFinished(() => void phone.disconnect());
    const joined = (await phone.emitWithAck('pair:join', { pairingId: created.pairingId })) as {
      ok: boolean;
      challengeHash?: string;
    };
    assert.ok(joined.ok);
    assert.match(joined.challengeHash ?? '', /^[A-Za-z0-9_-]{43}$/);
  },
);

skipIf(skip)(
  '/readyz checks the relay Redis: ready while it answers, 503 once it is gone',
  async (t) => {
    // A Redis of its own, so stopping it leaves the other tests' Redis alone.
    const own = await startRedis();
    t.onTestFinished(() => own.stop());
    const srv = await startTunnelServer({ redisUrl: own.url, redisPrefix: 'readyz:' });
    t.onTestFinished(() => srv.close());
    const readyz = async () => {
      const res = await fetch(`${srv.url}/readyz`);
      return {
        status: res.status,
        body: (await res.json()) as { checks: Record<string, boolean> },
      };
    };
    const up = await readyz();
    assert.equal(up.status, 200, JSON.stringify(up.body));
    assert.deepEqual(up.body.checks, { database: true, redis: true });

    await own.stop();
    const down = await readyz();
    assert.equal(down.status, 503, JSON.stringify(down.body));
    assert.deepEqual(down.body.checks, { database: true, redis: false });
  },
);
