/**
 * A desktop signed out from another device knows at once: the session manager (real server,
 * real keychain, push connection to /session) is signed in; the phone ends that session with
 * its cookie (DELETE /api/sessions/:id, or "sign out everywhere else"); without any call from
 * the desktop, its state becomes signed-out with reason ended-elsewhere and the keychain entry
 * is gone. A desktop that was away when its session ended learns the same on reconnect.
 */
import type * as Keytar from 'keytar';
import { afterAll, beforeAll, test, type TestContext } from 'vitest';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import net from 'node:net';
import { createApiClient, type ApiClient } from '../../../electron/services/api-client';
import {
  createSessionManager,
  type SessionManager,
  type SessionSnapshot,
} from '../../../electron/services/session';
import {
  createKeytarVault,
  vaultAccountName,
  VAULT_SERVICE,
} from '../../../electron/services/token-vault';
import { ManualClock } from '../../../server/util/clock';
import { startTestServer, type TestServer } from '../../support/server';

const keytar = createRequire(import.meta.url)('keytar') as typeof Keytar;
const service = `${VAULT_SERVICE}.test-ended-${randomBytes(4).toString('hex')}`;
const vault = createKeytarVault({ service });
const PASSWORD = 'session ended test password';
const email = `ended-${randomBytes(3).toString('hex')}@example.com`;
const fastRetry = { backoff: { initialMs: 50, maxMs: 500 } };

let server: TestServer;
let api: ApiClient;

beforeAll(async () => {
  server = await startTestServer({ logLevel: 'warn' });
  api = createApiClient({ serverUrl: server.url, localAddress: '127.0.0.2' });
  await api.signUp(email, PASSWORD);
});

afterAll(async () => {
  api?.close();
  await server?.close();
  for (const c of await keytar.findCredentials(service))
    await keytar.deletePassword(service, c.account);
});

/** A phone's web session: the cookie the phone app would hold. */
async function phoneCookie(base = server.url): Promise<string> {
  const res = await fetch(`${base}/api/auth/password`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD, client: 'web' }),
  });
  assert.equal(res.status, 200);
  const cookie = /kb_session=[^;]+/.exec(res.headers.get('set-cookie') ?? '')?.[0];
  assert.ok(cookie, 'the phone got a session cookie');
  return cookie;
}

function asPhone(cookie: string, method: 'DELETE', path: string, base = server.url) {
  return fetch(`${base}${path}`, { method, headers: { cookie } });
}

/** Resolves with the first snapshot the manager pushes that matches. */
function nextState(
  session: SessionManager,
  match: (s: SessionSnapshot) => boolean,
): Promise<SessionSnapshot> {
  return new Promise((resolve) => {
    const off = session.onChange((s) => {
      if (!match(s)) return;
      off();
      resolve(s);
    });
  });
}

/** Waits until the manager's push connection is up (or down): a condition, checked often. */
async function untilPushConnected(session: SessionManager, up = true) {
  while (session.pushConnected() !== up) await new Promise((r) => setTimeout(r, 5));
}

/** A TCP hop in front of a server whose connections can be cut (a network drop). */
async function startCuttableLink(t: TestContext, port: number) {
  const sockets = new Set<net.Socket>();
  const link = net.createServer((client) => {
    const upstream = net.connect(port, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => link.listen(0, '127.0.0.1', resolve));
  t.onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        link.close(() => resolve());
      }),
  );
  return {
    url: `http://127.0.0.1:${(link.address() as net.AddressInfo).port}`,
    cut: () => {
      for (const s of sockets) s.destroy();
    },
  };
}

async function signedInDesktop(t: TestContext) {
  const session = createSessionManager({ api, vault, pushEvents: fastRetry });
  t.onTestFinished(() => session.dispose());
  const tokens = await api.passwordLogin({ email, password: PASSWORD });
  await session.adopt(tokens);
  const account = { serverOrigin: server.url, userId: tokens.user.id };
  assert.equal(await keytar.getPassword(service, vaultAccountName(account)), tokens.refreshToken);
  return { session, tokens, account };
}

test(
  'the phone ends the desktop session: the desktop is signed out at once, keychain empty',
  {
    timeout: 20_000,
  },
  async (t) => {
    const { session, tokens, account } = await signedInDesktop(t);
    await untilPushConnected(session);

    const signedOut = nextState(session, (s) => s.status === 'signed-out');
    const cookie = await phoneCookie();
    const res = await asPhone(cookie, 'DELETE', `/api/sessions/${tokens.sessionId}`);
    assert.equal(res.status, 200);

    // No call from the desktop: the push alone moves it.
    assert.deepEqual(await signedOut, { status: 'signed-out', reason: 'ended-elsewhere' });
    assert.deepEqual(session.snapshot(), { status: 'signed-out', reason: 'ended-elsewhere' });
    assert.equal(await keytar.getPassword(service, vaultAccountName(account)), null);
    assert.equal(await vault.getCurrentAccount(), null);
    assert.equal(session.pushConnected(), false, 'the push connection is closed');
  },
);

test(
  '"sign out everywhere else" from the phone signs the desktop out at once',
  {
    timeout: 20_000,
  },
  async (t) => {
    const { session, account } = await signedInDesktop(t);
    await untilPushConnected(session);
    const signedOut = nextState(session, (s) => s.status === 'signed-out');
    const res = await asPhone(await phoneCookie(), 'DELETE', '/api/sessions');
    assert.equal(res.status, 200);
    assert.deepEqual(await signedOut, { status: 'signed-out', reason: 'ended-elsewhere' });
    assert.equal(await keytar.getPassword(service, vaultAccountName(account)), null);
  },
);

test('the desktop signing itself out is not "ended elsewhere"', { timeout: 20_000 }, async (t) => {
  const { session, account } = await signedInDesktop(t);
  await untilPushConnected(session);
  await session.signOut();
  assert.deepEqual(session.snapshot(), { status: 'signed-out' });
  assert.equal(await keytar.getPassword(service, vaultAccountName(account)), null);
});

test(
  'ended while the desktop was away: on reconnect it learns it was signed out elsewhere',
  {
    timeout: 20_000,
  },
  async (t) => {
    // Signed in without the push connection (as if asleep), ended, then the connection starts.
    const tokens = await api.passwordLogin({ email, password: PASSWORD });
    const offline = createSessionManager({ api, vault });
    await offline.adopt(tokens);
    const res = await asPhone(await phoneCookie(), 'DELETE', `/api/sessions/${tokens.sessionId}`);
    assert.equal(res.status, 200);

    const session = createSessionManager({ api, vault, pushEvents: fastRetry });
    t.onTestFinished(() => session.dispose());
    const signedOut = nextState(session, (s) => s.status === 'signed-out');
    await session.adopt(tokens); // same tokens, as a relaunch that has not refreshed yet
    assert.deepEqual(await signedOut, { status: 'signed-out', reason: 'ended-elsewhere' });
    const account = { serverOrigin: server.url, userId: tokens.user.id };
    assert.equal(await keytar.getPassword(service, vaultAccountName(account)), null);
  },
);

test(
  'after a network drop it reconnects, with a fresh access token once the old one ran out',
  {
    timeout: 20_000,
  },
  async (t) => {
    const clock = new ManualClock();
    const timed = await startTestServer({ logLevel: 'warn', clock });
    t.onTestFinished(() => timed.close());
    const link = await startCuttableLink(t, timed.port);
    const linkedApi = createApiClient({ serverUrl: link.url });
    t.onTestFinished(() => linkedApi.close());
    await linkedApi.signUp(email, PASSWORD);

    const session = createSessionManager({ api: linkedApi, vault, pushEvents: fastRetry });
    t.onTestFinished(() => session.dispose());
    const tokens = await linkedApi.passwordLogin({ email, password: PASSWORD });
    await session.adopt(tokens);
    const account = { serverOrigin: link.url, userId: tokens.user.id };
    await untilPushConnected(session);

    // The laptop sleeps past the access token's 15 minutes; the connection drops meanwhile.
    clock.advance(15 * 60 * 1000 + 1);
    link.cut();
    await untilPushConnected(session, false);
    await untilPushConnected(session);
    // The server refused the stale token; the manager refreshed (the keychain holds a new one).
    const stored = await keytar.getPassword(service, vaultAccountName(account));
    assert.ok(stored && stored !== tokens.refreshToken, 'refreshed to reconnect');
    assert.equal(session.snapshot().status, 'signed-in');

    // And the new connection hears the end.
    const signedOut = nextState(session, (s) => s.status === 'signed-out');
    const cookie = await phoneCookie(timed.url);
    const res = await asPhone(cookie, 'DELETE', `/api/sessions/${tokens.sessionId}`, timed.url);
    assert.equal(res.status, 200);
    assert.deepEqual(await signedOut, { status: 'signed-out', reason: 'ended-elsewhere' });
    assert.equal(await keytar.getPassword(service, vaultAccountName(account)), null);
  },
);
