/**
 * The desktop's relay client (electron/services/qr/relay-client.ts) on the real server and
 * relay: the QR flow ends without waiting for the relay's ack of `pair:complete` or
 * `pair:cancel`, and closes the socket at once; the client must let that ack land before the
 * close, or the phone hears `peer-left` instead of why the pairing ended.
 */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, test, type TestContext } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import { preparePairing } from '../../../electron/services/qr/pairing';
import { createSocketRelay } from '../../../electron/services/qr/relay-client';
import type { PairClosed, PairJoinAck } from '../../../server/protocol/tunnel';
import { startTestServer, type TestServer } from '../../support/server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ logLevel: 'warn' });
});
afterAll(() => server?.close());

const ignore = () => undefined;

/** A desktop with one pairing, and a phone that joined it and records how it ended. */
async function joinedPairing(t: TestContext) {
  const relay = createSocketRelay({ serverUrl: server.url });
  t.onTestFinished(() => relay.close());
  await relay.connect({ joined: ignore, message: ignore, closed: ignore, lost: ignore });
  const secrets = await preparePairing();
  const { pairingId } = await relay.create(secrets.relayKey);
  const phone: Socket = io(new URL('/tunnel', server.url).toString(), {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
  });
  t.onTestFinished(() => void phone.close());
  const closed = new Promise<PairClosed>((resolve) => phone.once('pair:closed', resolve));
  const ack = (await phone.emitWithAck('pair:join', { pairingId })) as PairJoinAck;
  assert.ok(ack.ok);
  return { relay, pairingId, closed };
}

for (let round = 0; round < 5; round++) {
  test(`complete, then close at once: the phone hears completed (round ${round + 1})`, async (t) => {
    const { relay, pairingId, closed } = await joinedPairing(t);
    void relay.complete(pairingId);
    relay.close();
    assert.equal((await closed).reason, 'completed');
  });
}

test('cancel, then close at once: the phone hears cancelled, not peer-left', async (t) => {
  const { relay, pairingId, closed } = await joinedPairing(t);
  void relay.cancel(pairingId, 'cancelled');
  relay.close();
  assert.equal((await closed).reason, 'cancelled');
});

test('an honest close with nothing in flight still ends the pairing for the phone', async (t) => {
  const { relay, closed } = await joinedPairing(t);
  relay.close();
  assert.equal((await closed).reason, 'peer-left');
});
