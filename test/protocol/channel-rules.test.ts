/**
 * The channel's security rules (server/protocol/channel.ts), each asserted as the rule a wrong
 * change would break (issue 12's mutation survivors): a frame is bound to its pairing and its
 * direction, a second handshake never re-keys the desktop, decrypted messages must match the
 * tunnel schema, frames of the wrong type or shape are refused, any failure poisons the
 * channel for good, and base64url is accepted only in its one canonical spelling.
 */
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
  type DesktopChannel,
  type PhoneChannel,
} from '../../server/protocol/channel';
import type { PhoneToDesktop, RequestMessage } from '../../server/protocol/tunnel';

const newPairingId = () => toBase64Url(crypto.getRandomValues(new Uint8Array(16)));
const hello: PhoneToDesktop = { type: 'hello', v: 1 };
const request: RequestMessage = {
  type: 'request',
  kind: 'get',
  options: { challenge: 'Y2hhbGxlbmdlLWNoYWxsZW5nZS0xMjM0', rpId: 'exchange.localhost' },
  display: { app: 'Keybridge', device: 'test-laptop' },
};

type Keys = Awaited<ReturnType<typeof generateDesktopKeys>>;

/** A desktop and a phone on one pairing id, QR key pair and QR secret. */
async function pairOn(pairingId: string, keys: Keys, secret: string) {
  const desktop = createDesktopChannel({ pairingId, keyPair: keys.keyPair, secret });
  const phone = await openPhoneChannel({ pairingId, desktopPublicKey: keys.publicKey, secret });
  return { desktop, phone };
}

async function pair() {
  return pairOn(newPairingId(), await generateDesktopKeys(), generateQrSecret());
}

/** A pair that has done its handshake, so both directions carry data frames. */
async function connected(): Promise<{ desktop: DesktopChannel; phone: PhoneChannel }> {
  const p = await pair();
  await p.desktop.open(await p.phone.seal(hello));
  return p;
}

async function rejectsWith(p: Promise<unknown>, code: string) {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof ChannelError, String(err));
    assert.equal(err.code, code);
    return true;
  });
}

/** The frame with its type byte replaced. */
function retyped(frame: string, type: number): string {
  const bytes = fromBase64Url(frame);
  bytes[0] = type;
  return toBase64Url(bytes);
}

test('a handshake moved to another pairing with the same QR key and secret fails to open', async () => {
  // Everything but the pairing id is shared, so only the id's binding can tell them apart.
  const keys = await generateDesktopKeys();
  const secret = generateQrSecret();
  const a = await pairOn(newPairingId(), keys, secret);
  const b = await pairOn(newPairingId(), keys, secret);
  await rejectsWith(b.desktop.open(await a.phone.seal(hello)), 'open-failed');
  // The honest pairing still works with the frame it was meant for.
  const again = await pairOn(newPairingId(), keys, secret);
  assert.deepEqual(await again.desktop.open(await again.phone.seal(hello)), hello);
});

test('a desktop frame moved to another pairing with the same QR key and secret fails to open', async () => {
  const keys = await generateDesktopKeys();
  const secret = generateQrSecret();
  const a = await pairOn(newPairingId(), keys, secret);
  const b = await pairOn(newPairingId(), keys, secret);
  await a.desktop.open(await a.phone.seal(hello));
  await b.desktop.open(await b.phone.seal(hello));
  await rejectsWith(b.phone.open(await a.desktop.seal(request)), 'open-failed');
});

test('a frame sent back in the other direction fails to open on either side', async () => {
  {
    const { desktop, phone } = await connected();
    // The desktop's own reply reflected to it as if the phone had sent it.
    await rejectsWith(desktop.open(await desktop.seal(request)), 'open-failed');
    assert.equal(desktop.broken, true);
    void phone;
  }
  {
    const { phone } = await connected();
    // The phone's own data frame reflected to it as if the desktop had sent it.
    await rejectsWith(phone.open(await phone.seal({ type: 'approved' })), 'open-failed');
    assert.equal(phone.broken, true);
  }
});

test('a replayed hello after the handshake is refused and does not re-key the desktop', async () => {
  const { desktop, phone } = await pair();
  const first = await phone.seal(hello);
  await desktop.open(first);
  await rejectsWith(desktop.open(first), 'bad-frame');
  assert.equal(desktop.broken, true);
  assert.equal(desktop.ready, false, 'a poisoned channel is not ready');
  await rejectsWith(desktop.seal(request), 'closed');
});

test('a second phone holding the QR cannot take over a desktop that already said hello', async () => {
  const keys = await generateDesktopKeys();
  const secret = generateQrSecret();
  const pairingId = newPairingId();
  const { desktop, phone } = await pairOn(pairingId, keys, secret);
  await desktop.open(await phone.seal(hello));
  const intruder = await openPhoneChannel({ pairingId, desktopPublicKey: keys.publicKey, secret });
  await rejectsWith(desktop.open(await intruder.seal(hello)), 'bad-frame');
  // The intruder's data frames do not open either: the desktop did not switch to its context.
  await rejectsWith(desktop.open(await intruder.seal({ type: 'approved' })), 'closed');
});

test('a handshake-typed frame after the hello is refused even when it carries a data frame', async () => {
  const { desktop, phone } = await connected();
  const data = await phone.seal({ type: 'approved' });
  await rejectsWith(desktop.open(retyped(data, 1)), 'bad-frame');
});

test('the desktop wants the handshake first: a data frame, an unknown type or a short one is refused', async () => {
  {
    const { desktop, phone } = await pair();
    await rejectsWith(desktop.open(retyped(await phone.seal(hello), 2)), 'bad-frame');
  }
  {
    const { desktop, phone } = await pair();
    await rejectsWith(desktop.open(retyped(await phone.seal(hello), 3)), 'bad-frame');
  }
  {
    const { desktop } = await pair();
    // Type 1 with a body too short to hold the phone's key and a tag.
    await rejectsWith(desktop.open(toBase64Url(new Uint8Array(1 + 65))), 'bad-frame');
  }
  {
    const { desktop, phone } = await pair();
    // Long enough for a tag but not for the key: refused before any decryption.
    const frame = fromBase64Url(await phone.seal(hello)).subarray(0, 1 + 65 + 15);
    await rejectsWith(desktop.open(toBase64Url(frame)), 'bad-frame');
  }
});

test('the phone takes only data frames from the desktop', async () => {
  const { desktop, phone } = await connected();
  const reply = await desktop.seal(request);
  await rejectsWith(phone.open(retyped(reply, 1)), 'bad-frame');
  assert.equal(phone.broken, true);
  await rejectsWith(phone.open(reply), 'closed');
});

test('frames that are not base64url or too short to hold a tag are bad frames', async () => {
  for (const bad of ['not base64!', 'A', toBase64Url(new Uint8Array(16))]) {
    const { desktop } = await pair();
    await rejectsWith(desktop.open(bad), 'bad-frame');
    const { phone } = await connected();
    await rejectsWith(phone.open(bad), 'bad-frame');
  }
  // Exactly a type byte and a tag is long enough to be tried (and then fails to open).
  const { phone } = await connected();
  await rejectsWith(
    phone.open(toBase64Url(new Uint8Array([2, ...new Uint8Array(16)]))),
    'open-failed',
  );
});

test('a decrypted message the tunnel schema does not allow is refused in both directions', async () => {
  {
    const { desktop, phone } = await pair();
    const forged = { type: 'hello', v: 2 } as unknown as PhoneToDesktop;
    await rejectsWith(desktop.open(await phone.seal(forged)), 'bad-message');
    assert.equal(desktop.broken, true);
  }
  {
    const { desktop, phone } = await connected();
    const forged = { type: 'approved', extra: 'field' } as unknown as PhoneToDesktop;
    await rejectsWith(desktop.open(await phone.seal(forged)), 'bad-message');
  }
  {
    const { desktop, phone } = await connected();
    const forged = { ...request, type: 'run-this' } as unknown as RequestMessage;
    await rejectsWith(phone.open(await desktop.seal(forged)), 'bad-message');
    assert.equal(phone.broken, true);
  }
});

test('a failure poisons the channel: later good frames are refused as closed', async () => {
  const { desktop, phone } = await pair();
  const good = await phone.seal(hello);
  await rejectsWith(desktop.open('!!'), 'bad-frame');
  assert.equal(desktop.broken, true);
  await rejectsWith(desktop.open(good), 'closed');
  assert.equal(desktop.ready, false);
  const ok = await connected();
  assert.equal(ok.desktop.broken, false);
  assert.equal(ok.phone.broken, false);
  assert.equal(ok.desktop.ready, true);
});

test('base64url: only the canonical spelling decodes', () => {
  const bytes = new Uint8Array([0xfb, 0xff, 0x01, 0x80]);
  const text = toBase64Url(bytes);
  assert.equal(text, '-_8BgA');
  assert.deepEqual(fromBase64Url(text), bytes);
  assert.deepEqual(fromBase64Url(''), new Uint8Array(0));
  const refused = [
    '+/8BgA', // standard alphabet, not url-safe
    '-_8BgA==', // padding
    ' -_8BgA', // whitespace around
    '-_8BgA\n',
    '-_8B gA',
    'A', // a length no encoding has
    'AAAAA',
    '-_8BgB', // the same bytes with non-zero unused bits: a second spelling
    'AB',
  ];
  for (const bad of refused) {
    assert.throws(() => fromBase64Url(bad), /not base64url/, JSON.stringify(bad));
  }
  for (let n = 0; n < 40; n++) {
    const sample = crypto.getRandomValues(new Uint8Array(n));
    assert.deepEqual(fromBase64Url(toBase64Url(sample)), sample);
  }
});

test('a long message survives the round trip (encoding in chunks)', () => {
  const big = new Uint8Array(0x8000 * 2 + 7).map((_, i) => (i * 7919) & 0xff);
  assert.deepEqual(fromBase64Url(toBase64Url(big)), big);
});
