/**
 * Load: 200 QR sign-ins at once through one server. Every desktop must end up with its own
 * user's session (right user, own session, own refresh token in the keychain); none lost,
 * none crossed.
 *
 * Real: the server, SQLite, the relay, socket.io, the HPKE channel, the desktop client, the
 * keychain (gnome-keyring). The phone half: 200 Chromium pages are too many for this machine,
 * so each phone is the pair-page protocol driven from Node (support/soft-phone.ts) with a
 * software authenticator per user (test/support/soft-authenticator.ts) — one P-256 passkey each,
 * registered through the real API (sign up, then /api/passkeys/* on the new cookie session).
 */
import type * as Keytar from 'keytar';
import { afterAll, beforeAll, test } from 'vitest';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { createApiClient, type ApiClient } from '../../../electron/services/api-client';
import { createQrLogin, type FinalState } from '../../../electron/services/qr-login';
import { createSessionManager } from '../../../electron/services/session';
import {
  createKeytarVault,
  vaultAccountName,
  VAULT_SERVICE,
} from '../../../electron/services/token-vault';
import { SoftAuthenticator } from '../../support/soft-authenticator';
import { softApprove } from './support/soft-phone';
import type { PasskeyRegisterOptionsResponse } from '../../../server/protocol/api';
import { startTestServer, type TestServer } from '../../support/server';

const N = 200;
const PASSWORD = 'load test password 123';
const keytar = createRequire(import.meta.url)('keytar') as typeof Keytar;
const service = `${VAULT_SERVICE}.test-load-${randomBytes(4).toString('hex')}`;
const vault = createKeytarVault({ service });

type User = { id: string; email: string; authenticator: SoftAuthenticator };

let server: TestServer;
let api: ApiClient;
const users: User[] = [];

/** Runs fn over items with at most `limit` in flight. */
async function pool<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>) {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!, i);
      }
    }),
  );
  return out;
}

async function webSignUp(email: string): Promise<string> {
  const res = await fetch(`${server.url}/api/accounts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  assert.equal(res.status, 201, await res.text());
  const cookie = /kb_session=[^;]+/.exec(res.headers.get('set-cookie') ?? '')?.[0];
  assert.ok(cookie, 'sign-up sets the session cookie');
  return cookie;
}

/** A cookie-session call, as the phone web app makes it. */
async function web<T = unknown>(cookie: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${server.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  assert.ok(res.ok, `${path}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

beforeAll(async () => {
  // 200 sign-ups all come from 127.0.0.1: lift the per-IP limit.
  server = await startTestServer({
    logLevel: 'warn',
    rateLimits: {
      perAccount: { max: 10, windowSeconds: 900 },
      perIp: { max: 100_000, windowSeconds: 900 },
    },
  });
  api = createApiClient({ serverUrl: server.url });
  const { phoneOrigin } = await api.config();
  const run = randomBytes(3).toString('hex');
  const made = await pool(
    Array.from({ length: N }, (_, i) => i),
    16,
    async (i) => {
      const email = `load-${run}-${i}@example.com`;
      const authenticator = new SoftAuthenticator(phoneOrigin);
      // Sign-up answers with an elevated cookie session (the password was just chosen), so the
      // passkey is registered the way the phone app does it: one argon2 hash per user, not three.
      const cookie = await webSignUp(email);
      const { attemptId, options } = await web<PasskeyRegisterOptionsResponse>(
        cookie,
        '/api/passkeys/options',
        {},
      );
      const response = authenticator.register(options);
      await web(cookie, '/api/passkeys/verify', { attemptId, response });
      const me = await web<{ user: { id: string } }>(cookie, '/api/me');
      await web(cookie, '/api/auth/logout', {});
      return { id: me.user.id, email, authenticator };
    },
  );
  users.push(...made);
});

afterAll(async () => {
  api?.close();
  await server?.close();
  for (const c of await keytar.findCredentials(service))
    await keytar.deletePassword(service, c.account);
});

test(`${N} QR sign-ins at once: each desktop gets its own user's session, none lost or crossed`, async (t) => {
  const T0 = Date.now();
  const clients = users.map(() => createApiClient({ serverUrl: server.url }));
  try {
    const sessions = clients.map((c) => createSessionManager({ api: c, vault }));
    const phones: Promise<unknown>[] = [];
    const finals: FinalState[] = await Promise.all(
      users.map((user, i) => {
        const flow = createQrLogin({
          serverUrl: server.url,
          api: clients[i],
          session: sessions[i],
          device: { name: `desktop-${i}`, platform: 'Linux' },
        });
        let scanned = false;
        flow.subscribe((s) => {
          if (s.status === 'waiting-for-scan' && !scanned) {
            scanned = true;
            phones.push(
              softApprove({
                link: s.link,
                serverUrl: server.url,
                authenticator: user.authenticator,
              }),
            );
          }
        });
        return flow.finished;
      }),
    );
    const phoneResults = await Promise.allSettled(phones);
    // Reported, not asserted (no timed assertions): how long the 200 took on this machine.
    void t.annotate(`${N} sign-ins done in ${Date.now() - T0} ms`);

    const failures = finals.filter((f) => f.status !== 'signed-in');
    assert.deepEqual(failures, [], `${failures.length} of ${N} did not sign in`);
    finals.forEach((f, i) => {
      assert.equal(
        f.status === 'signed-in' && f.user.id,
        users[i]?.id,
        `desktop ${i} got another user`,
      );
    });
    const sessionIds = sessions.map((s) => {
      const snap = s.snapshot();
      assert.equal(snap.status, 'signed-in');
      return snap.status === 'signed-in' ? snap.sessionId : '';
    });
    assert.equal(new Set(sessionIds).size, N, 'every desktop has its own server session');
    assert.equal(
      phoneResults.filter((r) => r.status === 'fulfilled').length,
      N,
      'every phone heard "done"',
    );

    // The keychain holds one refresh token per user, and each one is that user's: a fresh
    // launch restores exactly that account.
    const stored = await keytar.findCredentials(service);
    const tokens = stored.filter((c) => c.account !== 'current-account');
    assert.equal(tokens.length, N);
    assert.equal(new Set(tokens.map((c) => c.password)).size, N, 'no token shared');
    const byAccount = new Map(tokens.map((c) => [c.account, c.password]));
    await pool(users, 20, async (user) => {
      const token = byAccount.get(vaultAccountName({ serverOrigin: server.url, userId: user.id }));
      assert.ok(token, `no token for ${user.email}`);
      const rotated = await api.refresh(token);
      assert.equal(
        rotated.user.id,
        user.id,
        `the token stored for ${user.email} is someone else's`,
      );
    });
  } finally {
    for (const c of clients) c.close();
  }
});
