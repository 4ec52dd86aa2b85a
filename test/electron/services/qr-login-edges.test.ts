/**
 * The desktop client's QR flow when things go wrong, on the real server and relay with short
 * pairing lifetimes. The "phone" here is a raw socket.io client speaking the relay protocol, so
 * it can misbehave on purpose (join and go quiet, send a forged frame, leave).
 */
import { afterAll, beforeAll, test, type TestContext } from 'vitest';
import assert from 'node:assert/strict';
import { io, type Socket } from 'socket.io-client';
import { createQrLogin } from '../../../electron/services/qr-login';
import { createMemoryVault } from '../../../electron/services/token-vault';
import { parseQrLink } from '../../../server/protocol/qr-link';
import { openPhoneChannel } from '../../../server/protocol/channel';
import type { PairJoinAck } from '../../../server/protocol/tunnel';
import { startTestServer, type TestServer } from '../../support/server';
import { SoftAuthenticator } from '../../support/soft-authenticator';
import { waitForState } from './support/flow';
import { softApprove } from './support/soft-phone';

// These tests never reach the keychain: the flow fails before any token exists.
const vault = createMemoryVault();
const device = { name: 'Edge desktop', platform: 'Linux' };
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({
    logLevel: 'warn',
    // Lifetimes shortened so expiry is observed by waiting on events, not minutes.
    tunnel: { limits: { unscannedMs: 800, scannedMs: 1_500 } },
  });
});
afterAll(() => server?.close());

async function rawPhone(t: TestContext, link: string) {
  const { pairingId } = await parseQrLink(link);
  const socket: Socket = io(new URL('/tunnel', server.url).toString(), {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
  });
  t.onTestFinished(() => void socket.close());
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  const ack = (await socket.emitWithAck('pair:join', { pairingId })) as PairJoinAck;
  return { socket, pairingId, ack };
}

test('an unscanned QR is replaced by a new one; the old link no longer joins', async (t) => {
  const flow = createQrLogin({ serverUrl: server.url, vault, device });
  t.onTestFinished(() => flow.cancel());
  const first = await waitForState(flow, 'waiting-for-scan');
  const second = await waitForState(flow, 'waiting-for-scan', (s) => s.link !== first.link);
  assert.notEqual(
    (await parseQrLink(second.link)).pairingId,
    (await parseQrLink(first.link)).pairingId,
  );
  assert.notEqual(
    (await parseQrLink(second.link)).secret,
    (await parseQrLink(first.link)).secret,
    'fresh secret',
  );
  const old = await rawPhone(t, first.link);
  assert.equal(old.ack.ok, false);
  assert.ok(!old.ack.ok && ['expired', 'cancelled'].includes(old.ack.error.code));
});

test('nobody scans within maxWaitMs -> expired', async () => {
  const flow = createQrLogin({ serverUrl: server.url, vault, device, maxWaitMs: 300 });
  assert.equal((await flow.finished).status, 'expired');
});

test('scanned but never approved: the scanned pairing runs out -> expired', async (t) => {
  const flow = createQrLogin({ serverUrl: server.url, vault, device });
  const { link } = await waitForState(flow, 'waiting-for-scan');
  const phone = await rawPhone(t, link);
  assert.equal(phone.ack.ok, true);
  await waitForState(flow, 'scanned');
  assert.equal((await flow.finished).status, 'expired');
});

test('a forged channel frame -> failed (channel-error) and the pairing is closed', async (t) => {
  const flow = createQrLogin({ serverUrl: server.url, vault, device });
  const { link } = await waitForState(flow, 'waiting-for-scan');
  const parsed = await parseQrLink(link);
  const phone = await rawPhone(t, link);
  const closed = new Promise<{ reason: string }>((r) => phone.socket.once('pair:closed', r));
  await waitForState(flow, 'scanned');
  // Sealed with the right desktop key but a wrong QR secret: what a relay without the secret
  // could at best produce.
  const forger = await openPhoneChannel({
    pairingId: parsed.pairingId,
    desktopPublicKey: parsed.desktopPublicKey,
    secret: Buffer.alloc(32, 1).toString('base64url'),
  });
  const data = await forger.seal({ type: 'hello', v: 1 });
  phone.socket.emit('pair:msg', { pairingId: parsed.pairingId, data });
  const final = await flow.finished;
  assert.equal(final.status === 'failed' && final.reason, 'channel-error', JSON.stringify(final));
  assert.equal((await closed).reason, 'channel-error');
});

test('the phone leaves after scanning -> failed (peer-left)', async (t) => {
  const flow = createQrLogin({ serverUrl: server.url, vault, device });
  const { link } = await waitForState(flow, 'waiting-for-scan');
  const phone = await rawPhone(t, link);
  await waitForState(flow, 'scanned');
  phone.socket.close();
  const final = await flow.finished;
  assert.equal(final.status === 'failed' && final.reason, 'peer-left', JSON.stringify(final));
});

test('server down -> failed (server-unreachable), not a hang', async () => {
  const gone = await startTestServer({ logLevel: 'warn' });
  await gone.close();
  const flow = createQrLogin({ serverUrl: gone.url, vault, device });
  const final = await flow.finished;
  assert.equal(
    final.status === 'failed' && final.reason,
    'server-unreachable',
    JSON.stringify(final),
  );
});

test('needs-code and nobody types it: the flow ends as expired with the scanned pairing', async () => {
  // A user with a passkey in a software authenticator; its phone joins from 127.0.0.2.
  const { phoneOrigin } = await (await fetch(`${server.url}/api/config`)).json();
  const authenticator = new SoftAuthenticator(phoneOrigin);
  const signUp = await fetch(`${server.url}/api/accounts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'edge-code@example.com', password: 'edge password 12345' }),
  });
  const cookie = /kb_session=[^;]+/.exec(signUp.headers.get('set-cookie') ?? '')![0];
  const post = (path: string, body: unknown) =>
    fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then((r) => r.json());
  const { attemptId, options } = await post('/api/passkeys/options', {});
  await post('/api/passkeys/verify', { attemptId, response: authenticator.register(options) });

  const flow = createQrLogin({ serverUrl: server.url, vault, device });
  const { link } = await waitForState(flow, 'waiting-for-scan');
  // The phone never hears "done" here; its promise ends when the pairing runs out.
  const phone = softApprove({
    link,
    serverUrl: server.url,
    authenticator,
    localAddress: '127.0.0.2',
  }).catch((e: Error) => e.message);
  await waitForState(flow, 'needs-code');
  assert.equal((await flow.finished).status, 'expired');
  assert.equal(await phone, 'pairing closed: expired');
});
