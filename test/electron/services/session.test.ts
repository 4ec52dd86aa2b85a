/**
 * The session manager and API client against the real server and the real keychain: the
 * access token stays in memory, the rotating refresh token in the keychain, refreshes are
 * single-flight (a refresh token used twice would revoke the whole family), sign-out ends the
 * server session and empties the keychain.
 */
import type * as Keytar from 'keytar';
import { afterAll, beforeAll, test } from 'vitest';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { ApiError, createApiClient, type ApiClient } from '../../../electron/services/api-client';
import { createSessionManager } from '../../../electron/services/session';
import {
  createKeytarVault,
  KeychainUnavailableError,
  vaultAccountName,
  VAULT_SERVICE,
} from '../../../electron/services/token-vault';
import { startTestServer, type TestServer } from '../../support/server';

const keytar = createRequire(import.meta.url)('keytar') as typeof Keytar;
const service = `${VAULT_SERVICE}.test-session-${randomBytes(4).toString('hex')}`;
const vault = createKeytarVault({ service });
const PASSWORD = 'session test password';
const email = `session-${randomBytes(3).toString('hex')}@example.com`;

let server: TestServer;
let api: ApiClient;

beforeAll(async () => {
  server = await startTestServer({ logLevel: 'warn' });
  api = createApiClient({ serverUrl: server.url });
  await api.signUp(email, PASSWORD);
});

afterAll(async () => {
  api?.close();
  await server?.close();
  for (const c of await keytar.findCredentials(service))
    await keytar.deletePassword(service, c.account);
});

const signIn = () => api.passwordLogin({ email, password: PASSWORD });

test('errors arrive as typed ApiError with the server code; an unreachable server is server_unreachable', async () => {
  await assert.rejects(api.passwordLogin({ email, password: 'wrong password!!' }), (e: unknown) => {
    assert.ok(e instanceof ApiError);
    assert.equal(e.status, 401);
    assert.equal(e.code, 'invalid_credentials');
    return true;
  });
  await assert.rejects(api.refresh('not-a-real-token-at-all-xxxxxxxxx'), (e: unknown) => {
    assert.ok(e instanceof ApiError && e.status >= 400 && e.status < 500, String(e));
    return true;
  });
  const gone = await startTestServer({ logLevel: 'warn' });
  await gone.close();
  const dead = createApiClient({ serverUrl: gone.url });
  await assert.rejects(dead.config(), (e: unknown) => {
    assert.ok(e instanceof ApiError);
    assert.equal(e.code, 'server_unreachable');
    assert.equal(e.status, 0);
    return true;
  });
  dead.close();
});

test('the API client binds its source address', async () => {
  const other = createApiClient({ serverUrl: server.url, localAddress: '127.0.0.2' });
  try {
    const tokens = await other.passwordLogin({ email, password: PASSWORD });
    const { sessions } = await other.sessions(tokens.accessToken);
    assert.equal(sessions.find((s) => s.current)?.ip, '127.0.0.2');
    await other.logout(tokens.accessToken);
  } finally {
    other.close();
  }
});

test('expired access token -> one refresh for many callers, the new refresh token replaces the old', async () => {
  let clock = Date.now();
  const session = createSessionManager({ api, vault, now: () => clock });
  const tokens = await signIn();
  await session.adopt(tokens);
  const account = { serverOrigin: server.url, userId: tokens.user.id };
  assert.equal(await keytar.getPassword(service, vaultAccountName(account)), tokens.refreshToken);

  // Past the access token's lifetime: every caller needs a refresh at once.
  clock += tokens.expiresIn * 1000 + 1;
  const results = await Promise.all(
    Array.from({ length: 5 }, () => session.withAccess((t) => api.me(t))),
  );
  assert.ok(results.every((me) => me.user.email === email));
  const rotated = await keytar.getPassword(service, vaultAccountName(account));
  assert.notEqual(rotated, tokens.refreshToken, 'rotated');
  // Exactly one rotation: within the server's retry grace the old token still maps to the
  // stored successor, which a second rotation would have spent (server/sessions/session-store.ts).
  const again = await api.refresh(tokens.refreshToken);
  assert.equal(again.refreshToken, rotated, 'the old token leads to the stored token');
  await session.signOut();
});

test('sign-out ends the server session and empties the keychain; restore then finds nothing', async () => {
  const session = createSessionManager({ api, vault });
  const tokens = await signIn();
  await session.adopt(tokens);
  const stored = await vault.getRefreshToken({ serverOrigin: server.url, userId: tokens.user.id });
  await session.signOut();
  assert.equal(session.snapshot().status, 'signed-out');
  assert.equal(await vault.getCurrentAccount(), null);
  assert.equal(
    await vault.getRefreshToken({ serverOrigin: server.url, userId: tokens.user.id }),
    null,
  );
  await assert.rejects(
    api.me(tokens.accessToken),
    (e: unknown) => e instanceof ApiError && e.status === 401,
  );
  await assert.rejects(api.refresh(stored!), ApiError);
  assert.equal(await createSessionManager({ api, vault }).restore(), null);
});

test('a session revoked elsewhere: restore returns null and forgets the stale token', async () => {
  const session = createSessionManager({ api, vault });
  const tokens = await signIn();
  await session.adopt(tokens);
  await api.logout(tokens.accessToken); // e.g. "sign out other sessions" from the phone
  const relaunch = createSessionManager({ api, vault });
  assert.equal(await relaunch.restore(), null);
  assert.equal(await vault.getCurrentAccount(), null);
  assert.equal(
    await vault.getRefreshToken({ serverOrigin: server.url, userId: tokens.user.id }),
    null,
  );
});

test('keychain refuses at sign-in -> the fresh server session is ended, the error is plain', async () => {
  // The keychain is the boundary here: a Secret Service that answers every call with an error.
  const broken = createKeytarVault({
    service,
    keytar: {
      getPassword: async () => null,
      setPassword: async () => {
        throw new Error('Cannot create an item in a locked collection');
      },
      deletePassword: async () => false,
    },
  });
  const session = createSessionManager({ api, vault: broken });
  const tokens = await signIn();
  await assert.rejects(session.adopt(tokens), (e: unknown) => {
    assert.ok(e instanceof KeychainUnavailableError);
    assert.match(e.detail, /locked/);
    assert.match(e.message, /To fix it:/);
    assert.ok(!e.message.includes(tokens.refreshToken));
    return true;
  });
  assert.equal(session.snapshot().status, 'signed-out');
  await assert.rejects(
    api.me(tokens.accessToken),
    (e: unknown) => e instanceof ApiError && e.status === 401,
  );
});

test('the two keychain writes run together; if only one lands, sign-in fails and the next launch starts signed out', async () => {
  // A keychain that takes the pointer but refuses the token (locked between two calls): the
  // one partial state the parallel writes can leave.
  const real = createRequire(import.meta.url)('keytar') as typeof Keytar;
  let inFlight = 0;
  let overlapped = false;
  const halfBroken = createKeytarVault({
    service,
    keytar: {
      getPassword: (s, a) => real.getPassword(s, a),
      deletePassword: (s, a) => real.deletePassword(s, a),
      setPassword: async (s, a, p) => {
        inFlight++;
        overlapped ||= inFlight > 1;
        try {
          await new Promise((r) => setImmediate(r));
          if (a !== 'current-account')
            throw new Error('Cannot create an item in a locked collection');
          await real.setPassword(s, a, p);
        } finally {
          inFlight--;
        }
      },
    },
  });
  const session = createSessionManager({ api, vault: halfBroken });
  const tokens = await signIn();
  await assert.rejects(session.adopt(tokens), KeychainUnavailableError);
  assert.ok(overlapped, 'the token and the pointer were written at the same time');
  assert.equal(session.snapshot().status, 'signed-out');
  // The server session is ended, and a fresh launch finds the pointer but no token: signed out.
  await assert.rejects(
    api.me(tokens.accessToken),
    (e: unknown) => e instanceof ApiError && e.status === 401,
  );
  assert.equal((await halfBroken.getCurrentAccount())?.userId, tokens.user.id);
  const relaunch = createSessionManager({ api, vault: halfBroken });
  assert.equal(await relaunch.restore(), null);
  await halfBroken.setCurrentAccount(null);
});
