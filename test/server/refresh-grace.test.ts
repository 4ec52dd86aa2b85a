/**
 * Refresh reuse grace (server/sessions/session-store.ts): a refresh token presented again
 * within 30 s of being spent (two refreshes racing, a retry after a lost response) returns
 * the same successor pair instead of revoking the family; after the grace, or once the
 * successor was spent in turn, reuse still revokes it. Expired refresh tokens are refused
 * and change nothing; a refreshed access token lives 15 minutes.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { test, type TestContext } from 'vitest';
import { createServer } from '../../server/app';
import { defaultRateLimits, type Config } from '../../server/config';
import {
  ACCESS_TOKEN_TTL_MS,
  REFRESH_REUSE_GRACE_MS,
  REFRESH_TOKEN_TTL_MS,
} from '../../server/sessions/session-store';
import { sha256 } from '../../server/util/random';
import { ManualClock } from '../../server/util/clock';
import { startTestServer } from '../support/server';
import { call, desktopLogin, signUp, type DesktopTokens } from '../support/http';

type Err = { error: { code: string } };

async function setup(t: TestContext, email: string) {
  const clock = new ManualClock();
  const srv = await startTestServer({ clock });
  t.onTestFinished(() => srv.close());
  await signUp(srv.url, email);
  const tokens = await desktopLogin(srv.url, email);
  const refresh = (refreshToken: string) =>
    call<DesktopTokens & Err & { expiresIn: number }>(srv.url, '/api/auth/refresh', {
      body: { refreshToken },
    });
  const me = (accessToken: string) => call(srv.url, '/api/me', { token: accessToken });
  return { clock, srv, tokens, refresh, me };
}

test('two refreshes racing with one token both succeed with the same pair, which keeps working', async (t) => {
  const { tokens, refresh, me } = await setup(t, 'race@example.com');
  const [a, b] = await Promise.all([refresh(tokens.refreshToken), refresh(tokens.refreshToken)]);
  assert.deepEqual([a.status, b.status], [200, 200], JSON.stringify([a.body, b.body]));
  assert.equal(a.body.refreshToken, b.body.refreshToken);
  assert.equal(a.body.accessToken, b.body.accessToken);
  assert.notEqual(a.body.refreshToken, tokens.refreshToken);
  assert.equal((await me(a.body.accessToken)).status, 200);
  const next = await refresh(a.body.refreshToken);
  assert.equal(next.status, 200, 'the winner’s new refresh token still works');
  assert.equal((await me(next.body.accessToken)).status, 200);
});

test('a retry within the grace gets the same pair; the session store holds only hashes', async (t) => {
  const { clock, srv, tokens, refresh, me } = await setup(t, 'retry@example.com');
  const first = await refresh(tokens.refreshToken);
  assert.equal(first.status, 200);
  clock.advance(REFRESH_REUSE_GRACE_MS - 1000); // the answer was lost; the client tries again
  const retry = await refresh(tokens.refreshToken);
  assert.equal(retry.status, 200, JSON.stringify(retry.body));
  assert.equal(retry.body.refreshToken, first.body.refreshToken);
  assert.equal(retry.body.accessToken, first.body.accessToken);
  assert.ok(retry.body.expiresIn <= 15 * 60 && retry.body.expiresIn > 14 * 60, 'same expiry');
  assert.equal((await me(first.body.accessToken)).status, 200);
  const rows = await srv.context.db.selectFrom('refresh_tokens').select('token_hash').execute();
  const hashes = rows.map((r) => r.token_hash);
  assert.ok(hashes.includes(sha256(first.body.refreshToken)));
  assert.equal(hashes.includes(first.body.refreshToken), false, 'never the token itself');
});

test('after the grace, the old token revokes the family (the winner is signed out too)', async (t) => {
  const { clock, tokens, refresh, me } = await setup(t, 'late@example.com');
  const first = await refresh(tokens.refreshToken);
  assert.equal(first.status, 200);
  clock.advance(REFRESH_REUSE_GRACE_MS + 1);
  const reuse = await refresh(tokens.refreshToken);
  assert.equal(reuse.status, 401);
  assert.equal(reuse.body.error.code, 'token_reused');
  assert.equal((await me(first.body.accessToken)).status, 401);
  assert.equal((await refresh(first.body.refreshToken)).body.error.code, 'token_invalid');
});

test('within the grace but after the successor was itself spent: reuse, the family is revoked', async (t) => {
  const { tokens, refresh, me } = await setup(t, 'chain@example.com');
  const first = await refresh(tokens.refreshToken);
  const second = await refresh(first.body.refreshToken);
  assert.equal(second.status, 200);
  const stale = await refresh(tokens.refreshToken);
  assert.equal(stale.body.error.code, 'token_reused');
  assert.equal((await me(second.body.accessToken)).status, 401);
});

test('an expired refresh token is refused with token_invalid and changes nothing', async (t) => {
  const { clock, srv, tokens, refresh } = await setup(t, 'expired@example.com');
  const db = srv.context.db;
  const before = await db.selectFrom('refresh_tokens').selectAll().execute();
  clock.advance(REFRESH_TOKEN_TTL_MS + 1);
  const r = await refresh(tokens.refreshToken);
  assert.equal(r.status, 401);
  assert.equal(r.body.error.code, 'token_invalid');
  assert.deepEqual(await db.selectFrom('refresh_tokens').selectAll().execute(), before);
  const session = await db
    .selectFrom('sessions')
    .select(['revoked_at', 'token_hash'])
    .where('id', '=', tokens.sessionId)
    .executeTakeFirstOrThrow();
  assert.equal(session.revoked_at, null, 'not treated as reuse');
  assert.equal(session.token_hash, sha256(tokens.accessToken));
  // Asked again, still the same answer (no reuse, no revocation).
  assert.equal((await refresh(tokens.refreshToken)).body.error.code, 'token_invalid');
});

test('a refreshed access token lives 15 minutes, not 30 days', async (t) => {
  const { clock, tokens, refresh, me } = await setup(t, 'short@example.com');
  const r = await refresh(tokens.refreshToken);
  assert.equal(r.body.expiresIn, ACCESS_TOKEN_TTL_MS / 1000);
  clock.advance(ACCESS_TOKEN_TTL_MS - 60_000);
  assert.equal((await me(r.body.accessToken)).status, 200);
  clock.advance(60_001);
  assert.equal((await me(r.body.accessToken)).status, 401);
  assert.equal((await refresh(r.body.refreshToken)).status, 200, 'the refresh token still works');
});

test('two server processes on one database and secrets key answer a racing pair alike', async (t) => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'keybridge-grace-'));
  t.onTestFinished(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const node = async () => {
    const config: Config = {
      port: 0,
      host: '127.0.0.1',
      rpId: 'exchange.localhost',
      rpName: 'Keybridge Test Exchange',
      rpOrigins: ['http://exchange.localhost:8443'],
      dataDir,
      trustProxy: false,
      logLevel: 'warn',
      bodyLimit: 64 * 1024,
      rateLimits: defaultRateLimits,
    };
    const server = await createServer(config, {
      logDestination: new Writable({ write: (_c, _e, done) => done() }),
    });
    const url = await server.listen();
    t.onTestFinished(() => server.close());
    return url;
  };
  // One after the other: the first creates the schema and the secrets key file.
  const a = await node();
  const b = await node();
  await signUp(a, 'two@example.com');
  const tokens = await desktopLogin(a, 'two@example.com');
  const [ra, rb] = await Promise.all(
    [a, b].map((url) =>
      call<DesktopTokens>(url, '/api/auth/refresh', {
        body: { refreshToken: tokens.refreshToken },
      }),
    ),
  );
  assert.ok(ra && rb);
  assert.deepEqual([ra.status, rb.status], [200, 200], JSON.stringify([ra.body, rb.body]));
  assert.equal(ra.body.refreshToken, rb.body.refreshToken);
  assert.equal((await call(b, '/api/me', { token: ra.body.accessToken })).status, 200);
});
