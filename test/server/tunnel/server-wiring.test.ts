/**
 * The relay inside the real auth service: the pairing <-> attempt link behind
 * POST /api/auth/passkey/options, the reverse code issued by the login-attempt store when the
 * desktop is on another address (and then demanded by /verify), and a clean shutdown.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import type { PairCreateAck, PairJoinAck } from '../../../server/protocol/tunnel';
import { call } from '../../support/http';
import { startTunnelServer } from './support/tunnel-server';

function client(url: string, localAddress?: string) {
  const agent = localAddress ? new http.Agent({ localAddress }) : undefined;
  const socket: Socket = connect(`${url}/tunnel`, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    agent: agent as unknown as string,
  });
  return {
    socket,
    create: () => new Promise<PairCreateAck>((r) => socket.emit('pair:create', {}, r)),
    join: (pairingId: string) =>
      new Promise<PairJoinAck>((r) => socket.emit('pair:join', { pairingId }, r)),
    close: () => {
      socket.disconnect();
      agent?.destroy();
    },
  };
}

const fakeAssertion = {
  id: 'AAAAAAAAAAAAAAAAAAAAAA',
  rawId: 'AAAAAAAAAAAAAAAAAAAAAA',
  type: 'public-key',
  response: { clientDataJSON: 'e30', authenticatorData: 'AAAA', signature: 'AAAA' },
  clientExtensionResults: {},
};

test('options {pairingId} links the attempt; another network gets a code; verify refuses a paired attempt and redeem waits for the approval', async (t) => {
  const srv = await startTunnelServer();
  t.onTestFinished(() => srv.close());
  const desktop = client(srv.url, '127.0.0.2');
  const phone = client(srv.url);
  t.onTestFinished(() => {
    desktop.close();
    phone.close();
  });

  const unknown = await call(srv.url, '/api/auth/passkey/options', {
    body: {
      pairingId: 'AAAAAAAAAAAAAAAAAAAAAA',
    },
  });
  assert.equal(unknown.status, 404);
  assert.equal((unknown.body.error as { code: string }).code, 'pairing_not_found');

  const created = await desktop.create();
  assert.ok(created.ok);
  const opts = await call(srv.url, '/api/auth/passkey/options', {
    body: { pairingId: created.pairingId },
    localAddress: '127.0.0.2',
  });
  assert.equal(opts.status, 200);
  const attemptId = opts.body.attemptId as string;
  const challenge = (opts.body.options as { challenge: string }).challenge;

  const joined = await phone.join(created.pairingId);
  assert.ok(joined.ok);
  assert.equal(joined.sameNetwork, false);
  assert.equal(joined.desktop.ip, '127.0.0.2');
  assert.match(joined.reverseCode ?? '', /^\d{6}$/);
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(challenge));
  assert.equal(joined.challengeHash, Buffer.from(digest).toString('base64url'));

  const noCode = await call(srv.url, '/api/auth/passkey/verify', {
    body: {
      attemptId,
      response: fakeAssertion,
      client: 'desktop',
    },
  });
  // A paired attempt is approved by the phone and redeemed by the desktop, never verified.
  assert.equal(noCode.status, 400);
  assert.equal((noCode.body.error as { code: string }).code, 'attempt_paired');
  const early = await call(srv.url, '/api/auth/passkey/redeem', {
    body: {
      attemptId,
      client: 'desktop',
    },
  });
  assert.equal(early.status, 409);
  assert.equal((early.body.error as { code: string }).code, 'not_approved');

  // The code never appears in a relay event other than the phone's join ack, nor in the logs.
  const code = joined.reverseCode!;
  const carrying = srv.observed.filter((o) => JSON.stringify(o.payload).includes(code));
  assert.deepEqual(
    carrying.map((o) => o.event),
    ['pair:join:ack'],
  );
  assert.equal(srv.logs().includes(code), false);
  assert.equal(
    srv.logs().includes(created.pairingId),
    false,
    'logs carry a short pairing reference only',
  );
});

test('same network: no code, and a browser from a foreign origin cannot connect', async (t) => {
  const srv = await startTunnelServer();
  t.onTestFinished(() => srv.close());
  const desktop = client(srv.url);
  const phone = client(srv.url);
  t.onTestFinished(() => {
    desktop.close();
    phone.close();
  });
  const created = await desktop.create();
  assert.ok(created.ok);
  const opts = await call(srv.url, '/api/auth/passkey/options', {
    body: {
      pairingId: created.pairingId,
    },
  });
  assert.equal(opts.status, 200);
  const joined = await phone.join(created.pairingId);
  assert.ok(joined.ok && joined.sameNetwork && joined.reverseCode === undefined);

  const withOrigin = (origin: string) =>
    connect(`${srv.url}/tunnel`, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      extraHeaders: { origin },
    });
  const own = withOrigin(srv.phoneOrigin);
  const foreign = withOrigin('http://exchange-login.localhost:1234');
  t.onTestFinished(() => {
    own.disconnect();
    foreign.disconnect();
  });
  const outcome = (s: Socket) =>
    new Promise<string>((resolve) => {
      s.once('connect', () => resolve('connected'));
      s.once('connect_error', () => resolve('refused'));
    });
  const [ownOutcome, foreignOutcome] = await Promise.all([outcome(own), outcome(foreign)]);
  assert.equal(ownOutcome, 'connected', 'the phone page origin may connect');
  assert.equal(foreignOutcome, 'refused', 'a look-alike origin may not');
});

test('server close ends open pairings with "shutdown" and the process can exit', async (t) => {
  const srv = await startTunnelServer();
  // Also when an assertion below fails (close() is idempotent).
  t.onTestFinished(() => srv.close());
  const desktop = client(srv.url);
  t.onTestFinished(() => desktop.close());
  const created = await desktop.create();
  assert.ok(created.ok);
  const closed = new Promise<{ reason: string }>((r) => desktop.socket.once('pair:closed', r));
  await srv.close();
  assert.equal((await closed).reason, 'shutdown');
});
