/**
 * "Many machines" mode (docs/architecture.md §Storage and scale): two server processes' worth of createServer
 * ("node A" and "node B") sharing one SQLite file and one real Redis (REDIS_URL). Challenges,
 * reverse codes and rate-limit counts live in Redis, so a ceremony started on one node
 * finishes on the other, a code issued on one is enforced on the other, and neither limits
 * nor single-use challenges can be dodged by switching nodes.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import { Redis } from 'ioredis';
import { createServer, type KeybridgeServer } from '../../server/app';
import { LOGIN_TIMEOUT_MS } from '../../server/passkeys/login-routes';
import { defaultRateLimits, type Config } from '../../server/config';
import type { PairCreateAck, PairJoinAck } from '../../server/protocol/tunnel';
import type { AuthenticationOptionsJSON, RegistrationOptionsJSON } from '../../server/protocol/api';
import { SoftAuthenticator } from '../support/soft-authenticator';
import { REDIS_SERVER, startRedis, type TestRedis } from './tunnel/support/redis-server';
import { call, PASSWORD, signUp } from '../support/http';
import { skipIf } from '../support/vitest';

const haveRedis = fs.existsSync(REDIS_SERVER);
/** `skip` with its reason, so the runner prints why (false = run). */
const skip = haveRedis ? false : `${REDIS_SERVER} is not installed (set REDIS_SERVER)`;

/** Both nodes sit behind one public origin, as behind a load balancer. */
const ORIGIN = 'http://exchange.localhost:8443';

type Node = { url: string; server: KeybridgeServer; logs: () => string };
let redis: TestRedis;
let dataDir: string;
let a: Node;
let b: Node;

async function startNode(): Promise<Node> {
  const chunks: string[] = [];
  const config: Config = {
    port: 0,
    host: '127.0.0.1',
    rpId: 'exchange.localhost',
    rpName: 'Keybridge Test Exchange',
    rpOrigins: [ORIGIN],
    dataDir,
    trustProxy: false,
    logLevel: 'info',
    bodyLimit: 64 * 1024,
    rateLimits: { ...defaultRateLimits, perAccount: { max: 3, windowSeconds: 600 } },
    redisUrl: redis.url,
  };
  const server = await createServer(config, {
    logDestination: new Writable({
      write(chunk, _enc, done) {
        chunks.push(String(chunk));
        done();
      },
    }),
  });
  return { url: await server.listen(), server, logs: () => chunks.join('') };
}

beforeAll(async () => {
  if (!haveRedis) return;
  redis = await startRedis();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'keybridge-scaled-'));
  // One after the other: the first creates the schema and the secrets key, the second reuses them.
  a = await startNode();
  b = await startNode();
});
afterAll(async () => {
  await a?.server.close();
  await b?.server.close();
  await redis?.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

type Err = { error: { code: string; triesLeft?: number } };

async function withRedis<T>(fn: (r: Redis) => Promise<T>): Promise<T> {
  const r = new Redis(redis.url);
  try {
    return await fn(r);
  } finally {
    r.disconnect();
  }
}
let n = 0;

/** An account with a passkey; registration options asked on A, verified on B. */
async function accountWithPasskey() {
  const email = `scaled${++n}@example.com`;
  const cookie = await signUp(a.url, email);
  const auth = new SoftAuthenticator(ORIGIN);
  const o = await call<{ attemptId: string; options: RegistrationOptionsJSON }>(
    a.url,
    '/api/passkeys/options',
    { cookie, body: {} },
  );
  assert.equal(o.status, 200, JSON.stringify(o.body));
  const r = await call(b.url, '/api/passkeys/verify', {
    cookie,
    body: { attemptId: o.body.attemptId, response: auth.register(o.body.options) },
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return { email, cookie, auth };
}

async function loginOptions(url: string, body: object = {}, localAddress?: string) {
  const r = await call(url, '/api/auth/passkey/options', {
    body: body,
    localAddress: localAddress,
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body as { attemptId: string; options: AuthenticationOptionsJSON };
}

function relayClient(url: string, localAddress?: string) {
  const agent = localAddress ? new http.Agent({ localAddress }) : undefined;
  const socket: Socket = connect(`${url}/tunnel`, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    agent: agent as unknown as string,
  });
  return {
    create: () => new Promise<PairCreateAck>((r) => socket.emit('pair:create', {}, r)),
    join: (pairingId: string) =>
      new Promise<PairJoinAck>((r) => socket.emit('pair:join', { pairingId }, r)),
    close: () => {
      socket.disconnect();
      agent?.destroy();
    },
  };
}

skipIf(skip)(
  'passkey sign-in: options on node A, verify on node B; the challenge cannot be replayed on either',
  async () => {
    const { auth } = await accountWithPasskey();
    const o = await loginOptions(a.url);
    // In Redis, with a TTL: the attempt's lifetime plus the grace that tells "expired" from
    // "unknown", so nothing outlives it for long when no one comes back.
    const ttl = await withRedis((r) => r.pttl(`kb:login:${o.attemptId}`));
    assert.ok(ttl > LOGIN_TIMEOUT_MS && ttl <= LOGIN_TIMEOUT_MS + 5 * 60_000, String(ttl));
    const response = auth.assert(o.options);
    const ok = await call<{ accessToken: string }>(b.url, '/api/auth/passkey/verify', {
      body: { attemptId: o.attemptId, response, client: 'desktop' },
    });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.ok(ok.body.accessToken);
    for (const node of [a, b]) {
      const replay = await call<Err>(node.url, '/api/auth/passkey/verify', {
        body: { attemptId: o.attemptId, response, client: 'desktop' },
      });
      assert.equal(replay.status, 400);
      assert.equal(replay.body.error.code, 'attempt_not_found');
    }
    // And the other way round: used on A, refused on B.
    const o2 = await loginOptions(b.url);
    const response2 = auth.assert(o2.options);
    const ok2 = await call(a.url, '/api/auth/passkey/verify', {
      body: { attemptId: o2.attemptId, response: response2 },
    });
    assert.equal(ok2.status, 200);
    const replay2 = await call<Err>(b.url, '/api/auth/passkey/verify', {
      body: { attemptId: o2.attemptId, response: response2 },
    });
    assert.equal(replay2.body.error.code, 'attempt_not_found');

    // Sent to both nodes at once, one challenge still signs in exactly once.
    for (let i = 0; i < 5; i++) {
      const o3 = await loginOptions(a.url);
      const response3 = auth.assert(o3.options);
      const both = await Promise.all(
        [a, b].map((node) =>
          call<Err>(node.url, '/api/auth/passkey/verify', {
            body: { attemptId: o3.attemptId, response: response3 },
          }),
        ),
      );
      assert.deepEqual(
        both.map((r) => r.status).sort(),
        [200, 400],
        JSON.stringify(both.map((r) => r.body)),
      );
    }
  },
);

skipIf(skip)(
  'QR pairing across nodes: desktop on A, phone on B; the reverse code issued on B is enforced on A',
  async (t) => {
    const { auth } = await accountWithPasskey();
    /** A pairing made on A, its attempt linked on A, joined by the phone on B. */
    async function pairAcross() {
      // One sign-in per connection pair, as the desktop app and the phone page do.
      const desktop = relayClient(a.url, '127.0.0.2');
      const phone = relayClient(b.url);
      t.onTestFinished(() => {
        desktop.close();
        phone.close();
      });
      const created = await desktop.create();
      assert.ok(created.ok);
      const o = await loginOptions(a.url, { pairingId: created.pairingId }, '127.0.0.2');
      const joined = await phone.join(created.pairingId);
      assert.ok(joined.ok, JSON.stringify(joined));
      assert.equal(joined.sameNetwork, false);
      assert.match(joined.reverseCode ?? '', /^\d{6}$/);
      // The phone (on B) approves at the server; two approvals racing on A and B: one wins.
      const approvals = await Promise.all(
        [b, a].map((node) =>
          call<Err>(node.url, '/api/auth/passkey/approve', {
            body: { pairingId: created.pairingId, response: auth.assert(o.options) },
          }),
        ),
      );
      assert.deepEqual(approvals.map((r) => r.status).sort(), [200, 409]);
      return { o, code: joined.reverseCode!, response: null };
    }
    // Changed with the approve/redeem design: the desktop redeems; the code is checked there.
    const verify = (node: Node, attemptId: string, _response: unknown, reverseCode?: string) =>
      call<Err>(node.url, '/api/auth/passkey/redeem', {
        body: { attemptId, client: 'desktop', reverseCode },
      });

    // Right code in the end: wrong tries on A and B count together.
    const first = await pairAcross();
    const wrong1 = first.code === '000000' ? '111111' : '000000';
    assert.equal(
      (await verify(a, first.o.attemptId, first.response)).body.error.code,
      'reverse_code_required',
    );
    assert.equal(
      (await verify(a, first.o.attemptId, first.response, wrong1)).body.error.triesLeft,
      4,
    );
    assert.equal(
      (await verify(b, first.o.attemptId, first.response, wrong1)).body.error.triesLeft,
      3,
    );
    const signedIn = await verify(a, first.o.attemptId, first.response, first.code);
    assert.equal(signedIn.status, 200, JSON.stringify(signedIn.body));

    // Five wrong codes spread over both nodes: the attempt is dead on both, even with the right code.
    const second = await pairAcross();
    const wrong2 = second.code === '000000' ? '111111' : '000000';
    const lefts: Array<number | undefined> = [];
    const codes: string[] = [];
    for (const node of [a, b, a, b, a]) {
      const r = await verify(node, second.o.attemptId, second.response, wrong2);
      assert.equal(r.status, 400);
      codes.push(r.body.error.code);
      lefts.push(r.body.error.triesLeft);
    }
    assert.deepEqual(codes, [
      'reverse_code_invalid',
      'reverse_code_invalid',
      'reverse_code_invalid',
      'reverse_code_invalid',
      'attempt_dead',
    ]);
    assert.deepEqual(lefts, [4, 3, 2, 1, undefined]);
    for (const node of [a, b]) {
      const r = await verify(node, second.o.attemptId, second.response, second.code);
      assert.equal(r.body.error.code, 'attempt_dead');
    }
    for (const node of [a, b]) assert.equal(node.logs().includes(second.code), false);
  },
);

skipIf(skip)(
  'add-passkey by QR across nodes: linked on A, approved by the phone on B, the code issued on B enforced when A redeems',
  async (t) => {
    const owner = await accountWithPasskey();
    const desktopLogin = await call<{ accessToken: string }>(a.url, '/api/auth/password', {
      body: { email: owner.email, password: PASSWORD, client: 'desktop' },
    });
    const token = desktopLogin.body.accessToken;
    await call(a.url, '/api/step-up', { token, body: { password: PASSWORD } });
    const desktop = relayClient(a.url, '127.0.0.2');
    const phone = relayClient(b.url);
    t.onTestFinished(() => {
      desktop.close();
      phone.close();
    });
    const created = await desktop.create();
    assert.ok(created.ok);
    const o = await call<{ attemptId: string; options: RegistrationOptionsJSON }>(
      a.url,
      '/api/passkeys/options',
      { token, body: { pairingId: created.pairingId } },
    );
    assert.equal(o.status, 200, JSON.stringify(o.body));
    const joined = await phone.join(created.pairingId);
    assert.ok(joined.ok && joined.purpose === 'add-passkey', JSON.stringify(joined));
    const code = joined.reverseCode!;
    assert.match(code, /^\d{6}$/);
    const serverOptions = await call<{ options: RegistrationOptionsJSON }>(
      b.url,
      '/api/passkeys/pairing/options',
      { cookie: owner.cookie, body: { pairingId: created.pairingId } },
    );
    assert.equal(serverOptions.status, 200, JSON.stringify(serverOptions.body));
    const phoneAuth = new SoftAuthenticator(ORIGIN);
    const approvals = await Promise.all(
      [b, a].map((node) =>
        call(node.url, '/api/passkeys/pairing/approve', {
          cookie: owner.cookie,
          body: {
            pairingId: created.pairingId,
            response: phoneAuth.register(serverOptions.body.options),
          },
        }),
      ),
    );
    assert.deepEqual(approvals.map((r) => r.status).sort(), [200, 409], 'one approval wins');
    const redeem = (node: Node, reverseCode?: string) =>
      call<Err & { passkey: { credentialId: string } }>(node.url, '/api/passkeys/redeem', {
        token,
        body: { attemptId: o.body.attemptId, ...(reverseCode ? { reverseCode } : {}) },
      });
    assert.equal((await redeem(a)).body.error.code, 'reverse_code_required');
    const wrong = code === '000000' ? '111111' : '000000';
    assert.equal((await redeem(b, wrong)).body.error.triesLeft, 4);
    const added = await redeem(a, code);
    assert.equal(added.status, 201, JSON.stringify(added.body));
    const winner = phoneAuth.credentials.map((c) => c.id.toString('base64url'));
    assert.ok(winner.includes(added.body.passkey.credentialId));
    assert.equal((await redeem(b, code)).body.error.code, 'attempt_not_found', 'single use');
  },
);

skipIf(skip)(
  'rate limits count across nodes: failures on A and B add up for one account',
  async () => {
    const email = `limited${++n}@example.com`;
    await signUp(a.url, email);
    const login = (node: Node, password: string) =>
      call<Err & { retryAfterSeconds?: number }>(node.url, '/api/auth/password', {
        body: { email, password, client: 'desktop' },
      });
    assert.equal((await login(a, 'wrong password 1')).status, 401);
    assert.equal((await login(b, 'wrong password 2')).status, 401);
    assert.equal((await login(a, 'wrong password 3')).status, 401);
    const ttl = await withRedis((r) => r.pttl(`kb:rl:password:acct:${email}`));
    assert.ok(ttl > 0 && ttl <= 600_000, `the count expires with its window (${ttl} ms)`);
    // The account's limit (3 per window) is reached on both nodes, for the right password too.
    for (const node of [b, a]) {
      const r = await login(node, PASSWORD);
      assert.equal(r.status, 429, JSON.stringify(r.body));
      assert.equal(r.body.error.code, 'rate_limited');
      assert.ok(Number(r.headers.get('retry-after')) > 0);
    }
  },
);

// Last in this file: it stops the shared Redis.
skipIf(skip)(
  'Redis down: sign-in answers 503 server_busy with Retry-After (not 500), /readyz says redis',
  async () => {
    await redis.stop();
    const options = await call<Err>(a.url, '/api/auth/passkey/options', { body: {} });
    assert.equal(options.status, 503, JSON.stringify(options.body));
    assert.equal(options.body.error.code, 'server_busy');
    assert.equal(options.headers.get('retry-after'), '5');
    const password = await call<Err>(b.url, '/api/auth/password', {
      body: { email: 'nobody@example.com', password: 'whatever' },
    });
    assert.equal(password.status, 503);
    const ready = await call<{ ok: boolean; checks: Record<string, boolean> }>(b.url, '/readyz');
    assert.equal(ready.status, 503);
    assert.deepEqual(ready.body, { ok: false, checks: { database: true, redis: false } });
  },
);
