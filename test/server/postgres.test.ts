/**
 * DATABASE_URL=postgres://…: the same migrations and queries on a real PostgreSQL (Kysely's
 * PostgresDialect over pg). Each run gets its own schema (search_path through the connection
 * options) and drops it at the end. The API flows run end to end against it: sign-up,
 * password and TOTP sign-in, passkey registration and usernameless sign-in, refresh rotation
 * and reuse, sessions, activity, readiness.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll } from 'vitest';
import pg from 'pg';
import { createServer, type KeybridgeServer } from '../../server/app';
import { defaultRateLimits, loadConfig, type Config } from '../../server/config';
import { totpCodeAt } from '../../server/totp/totp';
import { ManualClock } from '../../server/util/clock';
import type { AuthenticationOptionsJSON, RegistrationOptionsJSON } from '../../server/protocol/api';
import { createTestSchema, POSTGRES_URL } from '../support/postgres';
import { SoftAuthenticator } from '../support/soft-authenticator';
import { call, desktopLogin, PASSWORD, signUp, type DesktopTokens } from '../support/http';
import { REFRESH_REUSE_GRACE_MS } from '../../server/sessions/session-store';
import { skipIf } from '../support/vitest';

const ORIGIN = 'http://exchange.localhost:8443';
type Err = { error: { code: string } };

const testSchema = await createTestSchema();
const schema = testSchema.name;
const skip = testSchema.unavailable;
const clock = new ManualClock();
let server: KeybridgeServer;
let url: string;
let dataDir: string;

beforeAll(async () => {
  if (skip) return;
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'keybridge-pg-'));
  const databaseUrl = testSchema.databaseUrl;
  // Through loadConfig, as `DATABASE_URL=… npm run server` would.
  const fromEnv = loadConfig({
    DATABASE_URL: databaseUrl,
    SECRETS_KEY: randomBytes(32).toString('base64'),
  });
  assert.equal(fromEnv.databaseUrl, databaseUrl);
  const config: Config = {
    ...fromEnv,
    port: 0,
    host: '127.0.0.1',
    rpId: 'exchange.localhost',
    rpOrigins: [ORIGIN],
    dataDir,
    logLevel: 'warn',
    rateLimits: defaultRateLimits,
  };
  server = await createServer(config, {
    clock,
    logDestination: new Writable({ write: (_c, _e, done) => done() }),
  });
  url = await server.listen();
});

afterAll(async () => {
  if (skip) return;
  await server?.close();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  await testSchema.drop();
});

skipIf(skip)(
  'the schema is migrated into PostgreSQL and /readyz reports the database',
  async () => {
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    try {
      const tables = await client.query<{ table_name: string }>(
        'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1',
        [schema],
      );
      assert.deepEqual(
        tables.rows.map((r) => r.table_name),
        [
          'activity',
          'kysely_migration',
          'kysely_migration_lock',
          'passkeys',
          'recovery_codes',
          'refresh_tokens',
          'sessions',
          'users',
        ],
      );
    } finally {
      await client.end();
    }
    const ready = await call<{ ok: boolean; checks: Record<string, boolean> }>(url, '/readyz');
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.body, { ok: true, checks: { database: true } });
  },
);

skipIf(skip)('sign-up, password and TOTP sign-in on PostgreSQL', async () => {
  const email = 'pg-totp@example.com';
  const cookie = await signUp(url, email);
  const dup = await call<Err>(url, '/api/accounts', { body: { email, password: PASSWORD } });
  assert.equal(dup.status, 409, 'the unique index answers "taken" on PostgreSQL too');
  const t = await desktopLogin(url, email);
  assert.ok(t.accessToken && t.refreshToken);

  const setup = await call<{ secret: string }>(url, '/api/2fa/totp/setup', {
    cookie,
    method: 'POST',
  });
  assert.equal(setup.status, 200, JSON.stringify(setup.body));
  const confirm = await call<{ recoveryCodes: string[] }>(url, '/api/2fa/totp/confirm', {
    cookie,
    body: { code: totpCodeAt(setup.body.secret, clock.now()) },
  });
  assert.equal(confirm.status, 200, JSON.stringify(confirm.body));
  assert.equal(confirm.body.recoveryCodes.length, 10);
  const noCode = await call<Err>(url, '/api/auth/password', {
    body: { email, password: PASSWORD, client: 'desktop' },
  });
  assert.equal(noCode.body.error.code, 'totp_required');
  const reused = await call<Err>(url, '/api/auth/password', {
    body: { email, password: PASSWORD, totp: totpCodeAt(setup.body.secret, clock.now()) },
  });
  assert.equal(reused.body.error.code, 'invalid_totp', 'the step stored as bigint is compared');
  clock.advance(30_000);
  const signedIn = await desktopLogin(
    url,
    email,
    PASSWORD,
    totpCodeAt(setup.body.secret, clock.now()),
  );
  assert.ok(signedIn.accessToken);
  const me = await call<{ user: { email: string } }>(url, '/api/me', {
    token: signedIn.accessToken,
  });
  assert.equal(me.body.user.email, email);
});

skipIf(skip)('passkey registration and usernameless sign-in on PostgreSQL', async () => {
  const cookie = await signUp(url, 'pg-passkey@example.com');
  const auth = new SoftAuthenticator(ORIGIN);
  const ro = await call<{ attemptId: string; options: RegistrationOptionsJSON }>(
    url,
    '/api/passkeys/options',
    { cookie, body: {} },
  );
  assert.equal(ro.status, 200, JSON.stringify(ro.body));
  const reg = await call<{ id: string }>(url, '/api/passkeys/verify', {
    cookie,
    body: { attemptId: ro.body.attemptId, response: auth.register(ro.body.options) },
  });
  assert.equal(reg.status, 201, JSON.stringify(reg.body));

  for (const expectedCounter of [1, 2]) {
    const lo = await call<{ attemptId: string; options: AuthenticationOptionsJSON }>(
      url,
      '/api/auth/passkey/options',
      { body: {} },
    );
    const ok = await call<DesktopTokens>(url, '/api/auth/passkey/verify', {
      body: {
        attemptId: lo.body.attemptId,
        response: auth.assert(lo.body.options),
        client: 'desktop',
      },
    });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.user.email, 'pg-passkey@example.com');
    const row = await server.context.db
      .selectFrom('passkeys')
      .select(['counter', 'last_used_at'])
      .where('id', '=', reg.body.id)
      .executeTakeFirstOrThrow();
    // bigint columns come back as numbers, as from SQLite.
    assert.equal(row.counter, expectedCounter);
    assert.equal(typeof row.last_used_at, 'number');
    assert.ok(row.last_used_at! > clock.now() - 60_000 && row.last_used_at! <= clock.now());
  }
  const list = await call<{ passkeys: { id: string }[] }>(url, '/api/passkeys', { cookie });
  assert.deepEqual(
    list.body.passkeys.map((p) => p.id),
    [reg.body.id],
  );
});

skipIf(skip)(
  'refresh rotation, reuse revokes the family; sessions list and revoke; activity',
  async () => {
    const email = 'pg-sessions@example.com';
    const web = await signUp(url, email);
    const t = await desktopLogin(url, email);
    const r1 = await call<DesktopTokens>(url, '/api/auth/refresh', {
      body: { refreshToken: t.refreshToken },
    });
    assert.equal(r1.status, 200);
    assert.notEqual(r1.body.refreshToken, t.refreshToken);
    clock.advance(REFRESH_REUSE_GRACE_MS + 1); // past the retry grace
    const reuse = await call<Err>(url, '/api/auth/refresh', {
      body: { refreshToken: t.refreshToken },
    });
    assert.equal(reuse.body.error.code, 'token_reused');
    assert.equal((await call(url, '/api/me', { token: r1.body.accessToken })).status, 401);
    assert.equal(
      (await call(url, '/api/auth/refresh', { body: { refreshToken: r1.body.refreshToken } }))
        .status,
      401,
      'the newer token died with its family',
    );

    const a = await desktopLogin(url, email);
    const list = await call<{ sessions: { id: string; current: boolean }[] }>(
      url,
      '/api/sessions',
      { cookie: web },
    );
    assert.ok(list.body.sessions.some((s) => s.id === a.sessionId));
    assert.equal(
      list.body.sessions.some((s) => s.id === t.sessionId),
      false,
      'revoked family',
    );
    const del = await call(url, `/api/sessions/${a.sessionId}`, { method: 'DELETE', cookie: web });
    assert.equal(del.status, 200);
    assert.equal((await call(url, '/api/me', { token: a.accessToken })).status, 401);

    const events = await call<{ events: { type: string }[] }>(url, '/api/activity', {
      cookie: web,
    });
    assert.equal(events.status, 200);
    const types = events.body.events.map((e) => e.type);
    for (const type of [
      'account.created',
      'signin.succeeded',
      'refresh_token.reused',
      'session.revoked',
    ])
      assert.ok(types.includes(type), type);
  },
);
