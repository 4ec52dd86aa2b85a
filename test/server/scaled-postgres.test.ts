/**
 * The whole "many machines" setup (docs/architecture.md §Storage and scale): two nodes with their own DATA_DIR
 * (two machines), one PostgreSQL schema (DATABASE_URL), one Redis (REDIS_URL) and one shared
 * SECRETS_KEY. Every step of an account's life may land on either node.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll } from 'vitest';
import { createServer, type KeybridgeServer } from '../../server/app';
import { defaultRateLimits, loadConfig, type Config } from '../../server/config';
import { totpCodeAt } from '../../server/totp/totp';
import { ManualClock } from '../../server/util/clock';
import type { AuthenticationOptionsJSON, RegistrationOptionsJSON } from '../../server/protocol/api';
import { createTestSchema } from '../support/postgres';
import { SoftAuthenticator } from '../support/soft-authenticator';
import { REDIS_SERVER, startRedis, type TestRedis } from './tunnel/support/redis-server';
import { call, desktopLogin, PASSWORD, signUp, type DesktopTokens } from '../support/http';
import { REFRESH_REUSE_GRACE_MS } from '../../server/sessions/session-store';
import { skipIf } from '../support/vitest';

const ORIGIN = 'http://exchange.localhost:8443';
const SECRETS_KEY = randomBytes(32).toString('base64');

const testSchema = await createTestSchema();
const skip: string | false = !fs.existsSync(REDIS_SERVER)
  ? `${REDIS_SERVER} is not installed (set REDIS_SERVER)`
  : testSchema.unavailable;
const clock = new ManualClock();
type Node = { url: string; server: KeybridgeServer; dataDir: string };
let redis: TestRedis;
let a: Node;
let b: Node;

async function startNode(): Promise<Node> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'keybridge-machine-'));
  const env = {
    DATABASE_URL: testSchema.databaseUrl,
    REDIS_URL: redis.url,
    SECRETS_KEY,
  };
  const config: Config = {
    ...loadConfig(env),
    port: 0,
    host: '127.0.0.1',
    rpId: 'exchange.localhost',
    rpOrigins: [ORIGIN],
    dataDir,
    logLevel: 'warn',
    rateLimits: defaultRateLimits,
  };
  const server = await createServer(config, {
    clock,
    logDestination: new Writable({ write: (_c, _e, done) => done() }),
  });
  return { url: await server.listen(), server, dataDir };
}

beforeAll(async () => {
  if (skip) return;
  redis = await startRedis();
  a = await startNode();
  b = await startNode();
});

afterAll(async () => {
  if (skip) return;
  for (const node of [a, b]) {
    await node?.server.close();
    if (node) fs.rmSync(node.dataDir, { recursive: true, force: true });
  }
  await redis?.stop();
  await testSchema.drop();
});

type Err = { error: { code: string } };

skipIf(skip)(
  'two machines on one PostgreSQL and one Redis: every step may land on either node',
  async () => {
    for (const node of [a, b]) {
      const ready = await call<{ ok: boolean; checks: Record<string, boolean> }>(
        node.url,
        '/readyz',
      );
      assert.deepEqual(ready.body, { ok: true, checks: { database: true, redis: true } });
    }
    const email = 'two-machines@example.com';
    const cookie = await signUp(a.url, email);
    const dup = await call<Err>(b.url, '/api/accounts', { body: { email, password: PASSWORD } });
    assert.equal(dup.status, 409);

    // TOTP sealed on A (shared SECRETS_KEY), confirmed on B, used on A.
    const setup = await call<{ secret: string }>(a.url, '/api/2fa/totp/setup', {
      cookie,
      method: 'POST',
    });
    assert.equal(setup.status, 200, JSON.stringify(setup.body));
    const confirm = await call(b.url, '/api/2fa/totp/confirm', {
      cookie,
      body: { code: totpCodeAt(setup.body.secret, clock.now()) },
    });
    assert.equal(confirm.status, 200, JSON.stringify(confirm.body));
    clock.advance(30_000);
    const t = await desktopLogin(
      a.url,
      email,
      PASSWORD,
      totpCodeAt(setup.body.secret, clock.now()),
    );

    // Passkey: registration options on A, verify on B; sign-in options on B, verify on A.
    const auth = new SoftAuthenticator(ORIGIN);
    const ro = await call<{ attemptId: string; options: RegistrationOptionsJSON }>(
      a.url,
      '/api/passkeys/options',
      { cookie, body: {} },
    );
    assert.equal(ro.status, 200, JSON.stringify(ro.body));
    const reg = await call(b.url, '/api/passkeys/verify', {
      cookie,
      body: { attemptId: ro.body.attemptId, response: auth.register(ro.body.options) },
    });
    assert.equal(reg.status, 201, JSON.stringify(reg.body));
    const lo = await call<{ attemptId: string; options: AuthenticationOptionsJSON }>(
      b.url,
      '/api/auth/passkey/options',
      { body: {} },
    );
    const response = auth.assert(lo.body.options);
    const signedIn = await call<DesktopTokens>(a.url, '/api/auth/passkey/verify', {
      body: { attemptId: lo.body.attemptId, response, client: 'desktop' },
    });
    assert.equal(signedIn.status, 200, JSON.stringify(signedIn.body));
    const replay = await call<Err>(b.url, '/api/auth/passkey/verify', {
      body: { attemptId: lo.body.attemptId, response, client: 'desktop' },
    });
    assert.equal(replay.body.error.code, 'attempt_not_found');

    // Refresh issued on A, rotated on B; the old one replayed on A revokes the family everywhere.
    const r1 = await call<DesktopTokens>(b.url, '/api/auth/refresh', {
      body: { refreshToken: t.refreshToken },
    });
    assert.equal(r1.status, 200);
    clock.advance(REFRESH_REUSE_GRACE_MS + 1); // past the retry grace
    const reuse = await call<Err>(a.url, '/api/auth/refresh', {
      body: { refreshToken: t.refreshToken },
    });
    assert.equal(reuse.body.error.code, 'token_reused');
    for (const node of [a, b])
      assert.equal((await call(node.url, '/api/me', { token: r1.body.accessToken })).status, 401);

    const events = await call<{ events: { type: string }[] }>(b.url, '/api/activity', { cookie });
    const types = events.body.events.map((e) => e.type);
    for (const type of ['account.created', 'passkey.added', 'refresh_token.reused'])
      assert.ok(types.includes(type), type);
  },
);
