import assert from 'node:assert/strict';
import { test } from 'vitest';
import {
  ChannelError,
  createDesktopChannel,
  fromBase64Url,
  generateDesktopKeys,
  generateQrSecret,
  openPhoneChannel,
  toBase64Url,
} from '../../server/protocol/channel';
import type { RequestMessage } from '../../server/protocol/tunnel';
import { generateRecipientKey } from '../../electron/services/qr/hpke-recipient';

const pairingId = toBase64Url(crypto.getRandomValues(new Uint8Array(16)));

async function pair() {
  const keys = await generateDesktopKeys();
  const secret = generateQrSecret();
  const desktop = createDesktopChannel({ pairingId, keyPair: keys.keyPair, secret });
  const phone = await openPhoneChannel({ pairingId, desktopPublicKey: keys.publicKey, secret });
  return { keys, secret, desktop, phone };
}

const request: RequestMessage = {
  type: 'request',
  kind: 'get',
  options: { challenge: 'Y2hhbGxlbmdlLWNoYWxsZW5nZS0xMjM0', rpId: 'exchange.localhost' },
  display: { app: 'Keybridge', device: 'test-laptop' },
};

function flipByte(frame: string, index: number): string {
  const bytes = fromBase64Url(frame);
  bytes[index]! ^= 0x01;
  return toBase64Url(bytes);
}

async function rejectsWith(p: Promise<unknown>, code: string) {
  await assert.rejects(p, (err: unknown) => err instanceof ChannelError && err.code === code);
}

test('round trip: hello, request, approved, done', async () => {
  const { desktop, phone } = await pair();
  assert.equal(desktop.ready, false);
  assert.deepEqual(await desktop.open(await phone.seal({ type: 'hello', v: 1 })), {
    type: 'hello',
    v: 1,
  });
  assert.equal(desktop.ready, true);
  assert.deepEqual(await phone.open(await desktop.seal(request)), request);
  // The phone's WebAuthn response goes to the server, never through the channel.
  const approved = { type: 'approved' as const };
  assert.deepEqual(await desktop.open(await phone.seal(approved)), approved);
  const done = { type: 'done' as const, ok: true, accountHint: 'a***@example.com' };
  assert.deepEqual(await phone.open(await desktop.seal(done)), done);
});

test('the desktop app’s node:crypto recipient talks with the phone, and refuses a wrong secret', async () => {
  // The desktop app's key (electron/services/qr/pairing.ts); the phone keeps @hpke/core.
  const key = generateRecipientKey();
  const desktopPublicKey = toBase64Url(key.publicKey);
  const secret = generateQrSecret();
  const desktop = createDesktopChannel({ pairingId, recipient: key.recipient, secret });
  const phone = await openPhoneChannel({ pairingId, desktopPublicKey, secret });
  assert.deepEqual(await desktop.open(await phone.seal({ type: 'hello', v: 1 })), {
    type: 'hello',
    v: 1,
  });
  assert.deepEqual(await phone.open(await desktop.seal(request)), request);
  assert.deepEqual(await desktop.open(await phone.seal({ type: 'approved' })), {
    type: 'approved',
  });

  const stranger = await openPhoneChannel({
    pairingId,
    desktopPublicKey,
    secret: generateQrSecret(),
  });
  const other = createDesktopChannel({ pairingId, recipient: key.recipient, secret });
  await rejectsWith(other.open(await stranger.seal({ type: 'hello', v: 1 })), 'open-failed');
});

test('frames are padded, so two messages of different lengths look the same size', async () => {
  const { phone } = await pair();
  const a = await phone.seal({ type: 'hello', v: 1 });
  const b = await phone.seal({ type: 'reject', reason: 'denied', detail: 'x'.repeat(60) });
  assert.equal(fromBase64Url(a).length - 65, fromBase64Url(b).length);
});

test('a tampered phone frame fails to open and poisons the channel', async () => {
  const { desktop, phone } = await pair();
  const hello = await phone.seal({ type: 'hello', v: 1 });
  await rejectsWith(desktop.open(flipByte(hello, 100)), 'open-failed');
  await rejectsWith(desktop.open(hello), 'closed');
  assert.equal(desktop.broken, true);
});

test('a tampered desktop frame fails to open on the phone', async () => {
  const { desktop, phone } = await pair();
  await desktop.open(await phone.seal({ type: 'hello', v: 1 }));
  const req = await desktop.seal(request);
  await rejectsWith(phone.open(flipByte(req, 20)), 'open-failed');
});

test('replayed and reordered frames fail (both directions)', async () => {
  {
    const { desktop, phone } = await pair();
    const hello = await phone.seal({ type: 'hello', v: 1 });
    await desktop.open(hello);
    const r1 = await phone.seal({ type: 'reject', reason: 'denied' });
    await desktop.open(r1);
    // replay the same data frame
    await rejectsWith(desktop.open(r1), 'open-failed');
  }
  {
    const { desktop, phone } = await pair();
    await desktop.open(await phone.seal({ type: 'hello', v: 1 }));
    const m1 = await phone.seal({ type: 'reject', reason: 'denied' });
    const m2 = await phone.seal({ type: 'reject', reason: 'passkey-failed' });
    await rejectsWith(desktop.open(m2), 'open-failed'); // m2 before m1
    void m1;
  }
  {
    const { desktop, phone } = await pair();
    await desktop.open(await phone.seal({ type: 'hello', v: 1 }));
    const d1 = await desktop.seal(request);
    const d2 = await desktop.seal({ type: 'done', ok: false });
    await rejectsWith(phone.open(d2), 'open-failed');
    void d1;
  }
  {
    const { desktop, phone } = await pair();
    await desktop.open(await phone.seal({ type: 'hello', v: 1 }));
    const d1 = await desktop.seal(request);
    await phone.open(d1);
    await rejectsWith(phone.open(d1), 'open-failed');
  }
});

test('a frame from another pairing cannot be replayed into this one', async () => {
  const a = await pair();
  const b = await pair();
  const helloA = await a.phone.seal({ type: 'hello', v: 1 });
  await rejectsWith(b.desktop.open(helloA), 'open-failed');
});

test('substituted keys: an attacker without the QR secret, or with another enc, is refused', async () => {
  const { keys, desktop } = await pair();
  // Knows the desktop public key (it is in the QR) but guesses the secret.
  const attacker = await openPhoneChannel({
    pairingId,
    desktopPublicKey: keys.publicKey,
    secret: generateQrSecret(),
  });
  await rejectsWith(desktop.open(await attacker.seal({ type: 'hello', v: 1 })), 'open-failed');

  // A relay swaps the phone's ephemeral key (enc) for its own.
  const real = await pair();
  const hello = fromBase64Url(await real.phone.seal({ type: 'hello', v: 1 }));
  const other = await generateDesktopKeys();
  const otherPhone = await openPhoneChannel({
    pairingId,
    desktopPublicKey: other.publicKey,
    secret: real.secret,
  });
  const otherEnc = fromBase64Url(await otherPhone.seal({ type: 'hello', v: 1 })).subarray(1, 66);
  hello.set(otherEnc, 1);
  await rejectsWith(real.desktop.open(toBase64Url(hello)), 'open-failed');

  // The phone is given a different desktop key than the one the desktop holds.
  const swapped = await pair();
  const phoneToWrongKey = await openPhoneChannel({
    pairingId,
    desktopPublicKey: other.publicKey,
    secret: swapped.secret,
  });
  await rejectsWith(
    swapped.desktop.open(await phoneToWrongKey.seal({ type: 'hello', v: 1 })),
    'open-failed',
  );
});

test('the first message must be the hello handshake, and the desktop cannot send before it', async () => {
  const { desktop, phone } = await pair();
  await rejectsWith(desktop.seal(request), 'not-ready');
  const p2 = await pair();
  await rejectsWith(
    p2.desktop.open(await p2.phone.seal({ type: 'reject', reason: 'denied' })),
    'bad-message',
  );
  void phone;
});

test('bad keys and secrets are refused up front', async () => {
  const keys = await generateDesktopKeys();
  await rejectsWith(
    openPhoneChannel({ pairingId, desktopPublicKey: 'AAAA', secret: generateQrSecret() }),
    'bad-key',
  );
  await rejectsWith(
    openPhoneChannel({ pairingId, desktopPublicKey: keys.publicKey, secret: 'c2hvcnQ' }),
    'bad-key',
  );
  assert.throws(
    () =>
      createDesktopChannel({
        pairingId: 'nope',
        keyPair: keys.keyPair,
        secret: generateQrSecret(),
      }),
    ChannelError,
  );
});

test('a message too large for the relay is refused before it is sent', async () => {
  const { desktop, phone } = await pair();
  await desktop.open(await phone.seal({ type: 'hello', v: 1 }));
  const huge = {
    ...request,
    options: { ...request.options, extensions: { pad: 'x'.repeat(20000) } },
  };
  await rejectsWith(desktop.seal(huge), 'too-large');
});
