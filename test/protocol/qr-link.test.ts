import assert from 'node:assert/strict';
import QRCode from 'qrcode';
import { test } from 'vitest';
import {
  fromBase64Url,
  generateDesktopKeys,
  generateQrSecret,
  toBase64Url,
} from '../../server/protocol/channel';
import { compressP256 } from '../../server/protocol/p256-point';
import { derivePairingId } from '../../server/protocol/pairing-id';
import {
  QrLinkError,
  buildQrLink,
  compressedKey,
  parseQrLink,
} from '../../server/protocol/qr-link';
import { buildQrLinkV1 } from '../support/qr-link-v1';

async function sample(origin = 'http://exchange.localhost:8787') {
  const keys = await generateDesktopKeys();
  return { origin, desktopPublicKey: keys.publicKey, secret: generateQrSecret() };
}

async function code(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
  } catch (err) {
    assert.ok(err instanceof QrLinkError, `expected QrLinkError, got ${String(err)}`);
    return err.code;
  }
  assert.fail('expected a QrLinkError');
}

/** A v2 link whose 65 payload bytes are `bytes` (to build damaged ones). */
function v2With(bytes: Uint8Array) {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return `http://exchange.localhost:8787/m/pair#2${n.toString().padStart(157, '0')}`;
}

test('v2: build then parse gives the same key and secret, and the id the relay derives', async () => {
  const link = await sample();
  const text = buildQrLink(link);
  const url = new URL(text);
  assert.equal(url.origin + url.pathname, 'http://exchange.localhost:8787/m/pair');
  assert.equal(url.search, '');
  // Scheme and host in capitals (QR alphanumeric mode), the path as the server serves it.
  assert.ok(text.startsWith('HTTP://EXCHANGE.LOCALHOST:8787/m/pair#2'), text);
  assert.match(url.hash, /^#2[0-9]{157}$/);
  const pairingId = await derivePairingId(fromBase64Url(compressedKey(link.desktopPublicKey)));
  assert.deepEqual(await parseQrLink(text), { ...link, version: 2, pairingId });
  // The pair page parses location.hash alone.
  assert.deepEqual(await parseQrLink(url.hash), { ...link, origin: '', version: 2, pairingId });
  // A trailing slash on the origin is tolerated.
  assert.equal(buildQrLink({ ...link, origin: link.origin + '/' }), text);
  // Different keys, different ids.
  const other = await parseQrLink(buildQrLink(await sample()));
  assert.notEqual(other.pairingId, pairingId);
});

test('v2: a 30-character https origin fits a version ≤ 7 QR at ECC M (version 6 today)', async () => {
  const origin = 'https://signin.exchange-xy.com';
  assert.equal(origin.length, 30);
  for (let i = 0; i < 20; i++) {
    const qr = QRCode.create(buildQrLink(await sample(origin)), { errorCorrectionLevel: 'M' });
    assert.ok(qr.version <= 7, `version ${qr.version}`);
  }
});

test('v2: keys of either parity and an all-zero secret survive', async () => {
  const seen = new Set<number>();
  for (let i = 0; i < 40; i++) {
    const link = await sample();
    seen.add(compressP256(fromBase64Url(link.desktopPublicKey))[0]!);
    const parsed = await parseQrLink(buildQrLink(link));
    assert.equal(parsed.desktopPublicKey, link.desktopPublicKey);
    assert.equal(parsed.secret, link.secret);
  }
  assert.deepEqual([...seen].sort(), [2, 3]);
  // A payload with leading zero digits is still padded to 157.
  const link = await sample();
  const zeros = toBase64Url(new Uint8Array(32));
  assert.equal((await parseQrLink(buildQrLink({ ...link, secret: zeros }))).secret, zeros);
});

test('v1 (desktops before v2) is still read, with the id from the link', async () => {
  const link = { ...(await sample()), pairingId: 'AbCdEfGhIjKlMnOpQrStUv' };
  const text = buildQrLinkV1(link);
  assert.deepEqual(await parseQrLink(text), { ...link, version: 1 });
  assert.deepEqual(await parseQrLink(new URL(text).hash), { ...link, origin: '', version: 1 });
});

test('clear errors: malformed, wrong version, missing and damaged parts (v2)', async () => {
  const link = await sample();
  const good = new URL(buildQrLink(link));
  const digits = good.hash.slice(2);
  assert.equal(await code(() => parseQrLink('http://[bad')), 'malformed');
  assert.equal(await code(() => parseQrLink(`${good.origin}/m/other${good.hash}`)), 'malformed');
  assert.equal(await code(() => parseQrLink(`${good.origin}/M/PAIR${good.hash}`)), 'malformed');
  assert.equal(await code(() => parseQrLink(`${good.origin}/m/pair`)), 'missing-part');
  assert.equal(await code(() => parseQrLink('')), 'missing-part');
  // Another leading digit is another link version.
  for (const v of ['0', '1', '3', '9']) {
    assert.equal(await code(() => parseQrLink(`#${v}${digits}`)), 'wrong-version', v);
  }
  // One digit short, one too many, not digits, a number above 2^520.
  assert.equal(await code(() => parseQrLink(`#2${digits.slice(1)}`)), 'bad-part');
  assert.equal(await code(() => parseQrLink(`#2${digits}0`)), 'bad-part');
  assert.equal(await code(() => parseQrLink(`#2${digits.slice(1)}x`)), 'bad-part');
  assert.equal(await code(() => parseQrLink(`#2${'9'.repeat(157)}`)), 'bad-part');
  // The key: a wrong prefix, an x with no point on the curve.
  const bytes = new Uint8Array(65);
  bytes.set(compressP256(fromBase64Url(link.desktopPublicKey)));
  bytes[0] = 0x04;
  assert.equal(await code(() => parseQrLink(v2With(bytes))), 'bad-part');
  bytes[0] = 0x02;
  bytes.fill(0, 1, 33);
  bytes[32] = 1; // x = 1: 1 − 3 + b is not a square mod p
  assert.equal(await code(() => parseQrLink(v2With(bytes))), 'bad-part');
  const message = await parseQrLink(`#3${digits}`).catch((err: Error) => err.message);
  assert.match(String(message), /different version/);
});

test('clear errors: wrong version, missing and damaged parts (v1)', async () => {
  const link = { ...(await sample()), pairingId: 'AbCdEfGhIjKlMnOpQrStUv' };
  const good = new URL(buildQrLinkV1(link));
  const edit = (f: (p: URLSearchParams) => void) => {
    const p = new URLSearchParams(good.hash.slice(1));
    f(p);
    return `${good.origin}${good.pathname}#${p}`;
  };
  for (const v of ['0', '2', '3']) {
    assert.equal(await code(() => parseQrLink(edit((p) => p.set('v', v)))), 'wrong-version', v);
  }
  assert.equal(await code(() => parseQrLink(edit((p) => p.delete('v')))), 'missing-part');
  assert.equal(await code(() => parseQrLink('#foo')), 'missing-part');
  for (const part of ['p', 'k', 's']) {
    assert.equal(await code(() => parseQrLink(edit((p) => p.delete(part)))), 'missing-part', part);
  }
  assert.equal(await code(() => parseQrLink(edit((p) => p.set('p', 'short')))), 'bad-part');
  assert.equal(
    await code(() => parseQrLink(edit((p) => p.set('k', link.desktopPublicKey.slice(2))))),
    'bad-part',
  );
  assert.equal(
    await code(() => parseQrLink(edit((p) => p.set('s', 'not+base64/url')))),
    'bad-part',
  );
  assert.equal(
    await code(() => parseQrLink(edit((p) => p.set('s', generateQrSecret().slice(0, 20))))),
    'bad-part',
  );
});
