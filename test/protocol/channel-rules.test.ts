/**
 * The channel's security rules (server/protocol/channel.ts), each asserted as the rule a wrong
 * change would break (issue 12's mutation survivors): a frame is bound to its pairing and its
 * direction, a second handshake never re-keys the desktop, decrypted messages must match the
 * tunnel schema, frames of the wrong type or shape are refused, any failure poisons the
 * channel for good, and base64url is accepted only in its one canonical spelling.
 */
import assert from 'node:assert/strict';
import { Aes128Gcm, CipherSuite, DhkemP256HkdfSha256, HkdfSha256 } from '@hpke/core';
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
import { compressP256 } from '../../server/protocol/p256-point';
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

/** A ChannelError with this code and a sentence saying what went wrong (callers log it). */
function isChannelError(err: unknown, code: string): true {
  assert.ok(err instanceof ChannelError, String(err));
  assert.equal(err.code, code);
  assert.equal(err.name, 'ChannelError');
  assert.match(err.message, /^[A-Z].{12,}\.$/, 'a sentence, not an empty message');
  return true;
}

async function rejectsWith(p: Promise<unknown>, code: string) {
  await assert.rejects(p, (err: unknown) => isChannelError(err, code));
}

function throwsWith(fn: () => unknown, code: string) {
  assert.throws(fn, (err: unknown) => isChannelError(err, code));
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

// ---------------------------------------------------------------- hand-made frames
// A phone that follows the wire format of server/protocol/channel.ts's header (HPKE PSK mode,
// psk_id and AAD naming the pairing) but seals any bytes it likes: what a buggy or hostile
// phone holding the QR could send. The desktop must refuse what is not a valid message.
const label = 'keybridge-pair-v1';
const utf8 = (t: string) => new TextEncoder().encode(t);
const suite = new CipherSuite({
  kem: new DhkemP256HkdfSha256(),
  kdf: new HkdfSha256(),
  aead: new Aes128Gcm(),
});

/** A desktop and a hand-made phone: `seal` makes the handshake first, then data frames. */
async function handmadePhone() {
  const pairingId = newPairingId();
  const keys = await generateDesktopKeys();
  const secret = generateQrSecret();
  const desktop = createDesktopChannel({ pairingId, keyPair: keys.keyPair, secret });
  const sender = await suite.createSenderContext({
    recipientPublicKey: keys.keyPair.publicKey,
    psk: { id: utf8(label + pairingId), key: fromBase64Url(secret) },
    info: utf8(label),
  });
  let first = true;
  const seal = async (plaintext: Uint8Array) => {
    const sealed = new Uint8Array(
      await sender.seal(plaintext as Uint8Array<ArrayBuffer>, utf8(`${label}|p2d|${pairingId}`)),
    );
    const head = first ? [1, ...new Uint8Array(sender.enc)] : [2];
    first = false;
    return toBase64Url(new Uint8Array([...head, ...sealed]));
  };
  return { desktop, seal };
}

async function handmadeHandshake(plaintext: Uint8Array) {
  const { desktop, seal } = await handmadePhone();
  return { desktop, frame: await seal(plaintext) };
}

test('a decrypted handshake that is not UTF-8 JSON is a bad message, even an empty one', async () => {
  {
    // The frame format is right, so only the content is wrong: a valid hello proves it.
    const { desktop, frame } = await handmadeHandshake(utf8('{"type":"hello","v":1}'));
    assert.deepEqual(await desktop.open(frame), hello);
  }
  const bad = [
    utf8('hello'),
    new Uint8Array(0), // enc and a tag only: long enough to be tried
    new Uint8Array(256), // all padding
    // A hello whose bytes are not UTF-8: refused, not "repaired" into U+FFFD and let through.
    new Uint8Array([...utf8('{"type":"hello","v":1,"x":"'), 0xff, 0xfe, ...utf8('"}')]),
    new Uint8Array([...utf8('{"type":"hello","v":1}'), 0xc3]),
    utf8('{"type":"reject","reason":"denied"}'), // valid JSON, but the first must be hello
  ];
  for (const plaintext of bad) {
    const { desktop, frame } = await handmadeHandshake(plaintext);
    await rejectsWith(desktop.open(frame), 'bad-message');
    assert.equal(desktop.broken, true);
    assert.equal(desktop.ready, false);
  }
});

test('a data message with bytes that are not UTF-8 is refused, not repaired into U+FFFD', async () => {
  const reject = (detail: number[]) =>
    new Uint8Array([...utf8('{"type":"reject","reason":"denied","detail":"'), ...detail, 34, 125]);
  {
    const { desktop, seal } = await handmadePhone();
    await desktop.open(await seal(utf8('{"type":"hello","v":1}')));
    const detail = [...utf8('NotAllowedError')];
    assert.deepEqual(await desktop.open(await seal(reject(detail))), {
      type: 'reject',
      reason: 'denied',
      detail: 'NotAllowedError',
    });
  }
  for (const detail of [[0xff], [0xc3], [0xed, 0xa0, 0x80] /* a lone surrogate */]) {
    const { desktop, seal } = await handmadePhone();
    await desktop.open(await seal(utf8('{"type":"hello","v":1}')));
    await rejectsWith(desktop.open(await seal(reject(detail))), 'bad-message');
  }
});

test('the desktop cannot seal before the hello, and a message over the relay limit is refused', async () => {
  await rejectsWith((await pair()).desktop.seal(request), 'not-ready');
  const { desktop } = await connected();
  const huge = { ...request, options: { ...request.options, pad: 'x'.repeat(20_000) } };
  await rejectsWith(desktop.seal(huge), 'too-large');
});

test('a data frame too short to hold a tag is a bad frame on both sides, before any decryption', async () => {
  for (const length of [0, 1, 15]) {
    const short = toBase64Url(new Uint8Array([2, ...new Uint8Array(length)]));
    const a = await connected();
    await rejectsWith(a.desktop.open(short), 'bad-frame');
    const b = await connected();
    await rejectsWith(b.phone.open(short), 'bad-frame');
  }
});

test('plaintexts are padded to 256-byte blocks: sizes leak in steps, every length round-trips', async () => {
  const { desktop, phone } = await connected();
  const sizes = new Set<number>();
  for (let n = 16; n <= 600; n += 1) {
    const message: RequestMessage = {
      ...request,
      options: { ...request.options, challenge: 'c'.repeat(n) },
    };
    const json: number = JSON.stringify(message).length;
    const frame = fromBase64Url(await desktop.seal(message));
    // A type byte, the padded plaintext and a 16-byte tag.
    const padded = frame.length - 1 - 16;
    assert.equal(padded % 256, 0, `json ${json}: ${padded}`);
    assert.ok(padded >= json && padded < json + 256 + 1, `json ${json}: ${padded}`);
    sizes.add(padded);
    assert.deepEqual(await phone.open(toBase64Url(frame)), message, `json ${json}`);
  }
  assert.ok(sizes.size <= 4, `${[...sizes]}`);
});

test('a message that cannot be encoded fails as a ChannelError and ends the channel', async () => {
  const { desktop, phone } = await connected();
  const loop: Record<string, unknown> = { type: 'approved' };
  loop.self = loop;
  await rejectsWith(phone.seal(loop as PhoneToDesktop), 'open-failed');
  assert.equal(phone.broken, true);
  await rejectsWith(phone.seal({ type: 'approved' }), 'closed');
  await assert.rejects(
    desktop.seal({ ...request, big: 10n } as unknown as RequestMessage),
    ChannelError,
  );
  assert.equal(desktop.broken, true);
});

test('unusable parameters are refused as bad-key with a reason, on both sides', async () => {
  const keys = await generateDesktopKeys();
  const secret = generateQrSecret();
  const pairingId = newPairingId();
  const desktop = (p: { pairingId?: string; secret?: string }) => () =>
    createDesktopChannel({ pairingId, keyPair: keys.keyPair, secret, ...p });
  const phone = (p: { pairingId?: string; secret?: string; desktopPublicKey?: string }) =>
    openPhoneChannel({ pairingId, desktopPublicKey: keys.publicKey, secret, ...p });
  for (const bad of [{ pairingId: 'nope' }, { secret: 'not+base64/url' }, { secret: 'AAAA' }]) {
    throwsWith(desktop(bad), 'bad-key');
    await rejectsWith(phone(bad), 'bad-key');
  }
  // The desktop key must be the 65-byte uncompressed point of the QR: its 33-byte compressed
  // form (a valid point) and anything that is no key are refused.
  const compressed = toBase64Url(compressP256(fromBase64Url(keys.publicKey)));
  for (const desktopPublicKey of [compressed, 'not base64', toBase64Url(new Uint8Array(65))]) {
    await rejectsWith(phone({ desktopPublicKey }), 'bad-key');
  }
  // The honest parameters work.
  desktop({})();
  await phone({});
});

test('a handshake whose phone key is no point on the curve fails to open', async () => {
  const { desktop, phone } = await pair();
  const frame = fromBase64Url(await phone.seal(hello));
  frame.fill(0xff, 2, 66); // enc: 0x04 then an x and y that are no point
  await assert.rejects(desktop.open(toBase64Url(frame)), (err: unknown) => {
    isChannelError(err, 'open-failed');
    assert.match((err as Error).message, /phone key/, 'says it was the key, not the message');
    return true;
  });
});
