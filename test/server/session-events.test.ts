/**
 * socket.io /session (server/session-events/namespace.ts): only a live access token, sent in
 * the handshake `auth`, subscribes, and only to its own session. A forged, malformed, expired
 * or URL-borne token is refused; a socket for session X never hears session Y's end; every way
 * a session ends (revoke one, revoke all others, logout, refresh-token reuse) is pushed; tokens
 * never reach the logs. With REDIS_URL, a session ended on node A reaches a desktop on node B.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, test, type TestContext } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import { createServer, type KeybridgeServer } from '../../server/app';
import { defaultRateLimits, type Config } from '../../server/config';
import { SESSION_EVENTS_NAMESPACE, type SessionEnded } from '../../server/protocol/session-events';
import { ManualClock } from '../../server/util/clock';
import { startTestServer, type TestServer } from '../support/server';
import { skipIf } from '../support/vitest';
import { REDIS_SERVER, startRedis, type TestRedis } from './tunnel/support/redis-server';
import { call, desktopLogin, signUp, type DesktopTokens } from '../support/http';

let server: TestServer;
let n = 0;
beforeAll(async () => {
  server = await startTestServer({ logLevel: 'info' });
});
afterAll(async () => {
  await server?.close();
});

type Sub = { socket: Socket; events: SessionEnded[]; ended: Promise<SessionEnded> };

/** A /session client; `handshake` is what goes into the connection (auth, query). */
function open(t: TestContext, url: string, handshake: { auth?: object; query?: object }) {
  const socket = connect(`${url}${SESSION_EVENTS_NAMESPACE}`, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    ...handshake,
  });
  t.onTestFinished(() => void socket.disconnect());
  return socket;
}

/** Connected (the server accepted) or refused (its connect_error message). */
function outcome(socket: Socket): Promise<'connected' | string> {
  return new Promise((resolve) => {
    socket.once('connect', () => resolve('connected'));
    socket.once('connect_error', (e) => resolve(e.message));
  });
}

async function subscribe(t: TestContext, url: string, token: string): Promise<Sub> {
  const socket = open(t, url, { auth: { token } });
  const events: SessionEnded[] = [];
  const ended = new Promise<SessionEnded>((resolve) =>
    socket.on('session:ended', (e: SessionEnded) => {
      events.push(e);
      resolve(e);
    }),
  );
  assert.equal(await outcome(socket), 'connected');
  return { socket, events, ended };
}

async function account(url = server.url) {
  const email = `events${++n}-${process.pid}@example.com`;
  const cookie = await signUp(url, email);
  return { email, cookie };
}

test('forged, malformed, missing, URL-borne and expired tokens cannot subscribe', async (t) => {
  const { email } = await account();
  const desktop = await desktopLogin(server.url, email);
  const forged = 'A'.repeat(43);
  assert.equal(await outcome(open(t, server.url, { auth: { token: forged } })), 'unauthorized');
  assert.equal(await outcome(open(t, server.url, { auth: { token: 'x y' } })), 'unauthorized');
  assert.equal(
    await outcome(open(t, server.url, { auth: { token: desktop.accessToken, extra: 1 } })),
    'unauthorized',
  );
  assert.equal(await outcome(open(t, server.url, {})), 'unauthorized');
  // The URL is where proxies and access logs keep things: a token there is not looked at.
  assert.equal(
    await outcome(open(t, server.url, { query: { token: desktop.accessToken } })),
    'unauthorized',
  );
  // A refresh token is not an access token.
  assert.equal(
    await outcome(open(t, server.url, { auth: { token: desktop.refreshToken } })),
    'unauthorized',
  );

  // Expired: the access token's 15 minutes are over (the session itself lives on).
  const clock = new ManualClock();
  const timed = await startTestServer({ logLevel: 'warn', clock });
  t.onTestFinished(() => timed.close());
  const other = await account(timed.url);
  const late = await desktopLogin(timed.url, other.email);
  assert.equal(
    await outcome(open(t, timed.url, { auth: { token: late.accessToken } })),
    'connected',
  );
  clock.advance(15 * 60 * 1000 + 1);
  assert.equal(
    await outcome(open(t, timed.url, { auth: { token: late.accessToken } })),
    'unauthorized',
  );

  // The honest desktop with its live token gets in.
  await subscribe(t, server.url, desktop.accessToken);
  assert.doesNotMatch(server.logs(), new RegExp(desktop.accessToken));
  assert.doesNotMatch(server.logs(), new RegExp(desktop.refreshToken));
});

test('a socket for session X never hears session Y end, even on the same account', async (t) => {
  const { email, cookie } = await account();
  const x = await desktopLogin(server.url, email);
  const y = await desktopLogin(server.url, email);
  const subX = await subscribe(t, server.url, x.accessToken);
  const subY = await subscribe(t, server.url, y.accessToken);

  const r = await call(server.url, `/api/sessions/${y.sessionId}`, { method: 'DELETE', cookie });
  assert.equal(r.status, 200);
  assert.deepEqual(await subY.ended, { reason: 'revoked' });

  // Then X ends: its first event is its own. Had Y's end been sent to X, it would have come
  // first (one process, one connection, sent in order).
  const r2 = await call(server.url, `/api/sessions/${x.sessionId}`, { method: 'DELETE', cookie });
  assert.equal(r2.status, 200);
  assert.deepEqual(await subX.ended, { reason: 'revoked' });
  assert.deepEqual(subX.events, [{ reason: 'revoked' }]);
  assert.deepEqual(subY.events, [{ reason: 'revoked' }]);
});

test('every way a session ends is pushed: all others, logout, refresh-token reuse', async (t) => {
  const { email, cookie } = await account();
  const a = await desktopLogin(server.url, email);
  const b = await desktopLogin(server.url, email);
  const subA = await subscribe(t, server.url, a.accessToken);
  const subB = await subscribe(t, server.url, b.accessToken);
  const phoneLeft = await call(server.url, '/api/sessions', { method: 'DELETE', cookie });
  assert.deepEqual(phoneLeft.body, { revoked: 2 });
  assert.deepEqual(await subA.ended, { reason: 'revoked' });
  assert.deepEqual(await subB.ended, { reason: 'revoked' });

  const c = await desktopLogin(server.url, email);
  const subC = await subscribe(t, server.url, c.accessToken);
  const out = await call(server.url, '/api/auth/logout', { token: c.accessToken, body: {} });
  assert.equal(out.status, 200);
  assert.deepEqual(await subC.ended, { reason: 'signed-out' });

  // A spent refresh token comes back (a thief replays it): the holder of the new pair is told.
  const d: DesktopTokens = await desktopLogin(server.url, email);
  const rotated = await call<DesktopTokens>(server.url, '/api/auth/refresh', {
    body: { refreshToken: d.refreshToken },
  });
  assert.equal(rotated.status, 200);
  const subD = await subscribe(t, server.url, rotated.body.accessToken);
  // The holder rotates again, so the old token is no longer a retry within the grace
  // (server/sessions/session-store.ts) but a replay.
  const again = await call(server.url, '/api/auth/refresh', {
    body: { refreshToken: rotated.body.refreshToken },
  });
  assert.equal(again.status, 200);
  const replay = await call(server.url, '/api/auth/refresh', {
    body: { refreshToken: d.refreshToken },
  });
  assert.equal(replay.status, 401);
  assert.deepEqual(await subD.ended, { reason: 'token-reused' });
});

test('a token of an ended session is told so; an event sent by a client ends its socket', async (t) => {
  const { email, cookie } = await account();
  const gone = await desktopLogin(server.url, email);
  await call(server.url, `/api/sessions/${gone.sessionId}`, { method: 'DELETE', cookie });
  assert.equal(
    await outcome(open(t, server.url, { auth: { token: gone.accessToken } })),
    'session-ended',
  );

  const live = await desktopLogin(server.url, email);
  const sub = await subscribe(t, server.url, live.accessToken);
  const dropped = new Promise<string>((resolve) => sub.socket.once('disconnect', resolve));
  sub.socket.emit('session:ended', { reason: 'revoked' });
  assert.equal(await dropped, 'io server disconnect');
  // Nothing happened to the session itself.
  assert.equal((await call(server.url, '/api/me', { token: live.accessToken })).status, 200);
});

const skipRedis = fs.existsSync(REDIS_SERVER) ? false : `${REDIS_SERVER} is not installed`;

skipIf(skipRedis)(
  'two nodes on one Redis: the phone on node A ends a desktop connected to node B',
  async (t) => {
    const redis: TestRedis = await startRedis();
    const nodes: KeybridgeServer[] = [];
    // One hook: close both nodes while Redis still answers, then stop it (a node closing
    // against a Redis that is going away can wait on it).
    t.onTestFinished(async () => {
      for (const node of nodes.reverse()) await node.close();
      await redis.stop();
    });
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'keybridge-events-'));
    t.onTestFinished(() => fs.rmSync(dataDir, { recursive: true, force: true }));
    const startNode = async (): Promise<{ url: string; server: KeybridgeServer }> => {
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
        redisUrl: redis.url,
      };
      const quiet = new Writable({ write: (_c, _e, done) => done() });
      const node = await createServer(config, { logDestination: quiet });
      nodes.push(node);
      return { url: await node.listen(), server: node };
    };
    // One after the other: the first creates the schema and the secrets key.
    const a = await startNode();
    const b = await startNode();

    const { email, cookie } = await account(a.url);
    const onB = await desktopLogin(b.url, email);
    const sub = await subscribe(t, b.url, onB.accessToken);
    const r = await call(a.url, `/api/sessions/${onB.sessionId}`, { method: 'DELETE', cookie });
    assert.equal(r.status, 200);
    assert.deepEqual(await sub.ended, { reason: 'revoked' });
  },
  // Bounded so that a lost event fails with a message instead of holding the whole run.
  60_000,
);
