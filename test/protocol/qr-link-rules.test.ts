/**
 * The QR link's rules (server/protocol/qr-link.ts) a wrong change would break (issue 12): a
 * payload number at or above 2^520 is damaged, not read modulo 2^520; the desktop never emits a
 * link for a secret of the wrong size; a fragment is read as a fragment whatever it carries;
 * the pair path is matched whole (trailing slashes aside); and every refusal is a QrLinkError
 * with its code and a sentence the CLI and the logs can show.
 */
import assert from 'node:assert/strict';
import { test } from 'vitest';
import { generateDesktopKeys, generateQrSecret, toBase64Url } from '../../server/protocol/channel';
import { QrLinkError, buildQrLink, parseQrLink } from '../../server/protocol/qr-link';
import { buildQrLinkV1 } from '../support/qr-link-v1';

const origin = 'http://exchange.localhost:8787';

async function sample() {
  const keys = await generateDesktopKeys();
  return { origin, desktopPublicKey: keys.publicKey, secret: generateQrSecret() };
}

async function refusedWith(input: string, code: string) {
  await assert.rejects(parseQrLink(input), (err: unknown) => {
    assert.ok(err instanceof QrLinkError, String(err));
    assert.equal(err.code, code, input.slice(0, 60));
    assert.equal(err.name, 'QrLinkError');
    assert.match(err.message, /^(The|This) .{10,}\.$/, 'a sentence to show');
    return true;
  });
}

test('a payload number at or above 2^520 is damaged, not read modulo 2^520', async () => {
  const link = await sample();
  const digits = new URL(buildQrLink(link)).hash.slice(2);
  const plus = (BigInt(digits) + (1n << 520n)).toString();
  assert.equal(plus.length, 157, 'still 157 digits');
  await refusedWith(`#2${plus}`, 'bad-part');
  // The same payload below the limit reads fine.
  assert.equal((await parseQrLink(`#2${digits}`)).secret, link.secret);
});

test('the desktop emits no link for a secret that is not 32 bytes', async () => {
  const link = await sample();
  for (const n of [0, 16, 31, 33, 64]) {
    const secret = toBase64Url(crypto.getRandomValues(new Uint8Array(n)));
    assert.throws(() => buildQrLink({ ...link, secret }), /32 bytes/, String(n));
  }
});

test('a fragment is read as a fragment whatever it carries; the path is matched whole', async () => {
  const link = { ...(await sample()), pairingId: 'AbCdEfGhIjKlMnOpQrStUv' };
  const v1 = new URL(buildQrLinkV1(link)).hash;
  const extra = await parseQrLink(`${v1}&note=https://elsewhere.example/`);
  assert.equal(extra.pairingId, link.pairingId);
  assert.equal(extra.origin, '');
  const text = buildQrLink(link);
  const url = new URL(text);
  for (const path of ['/m/pair/', '/m/pair//']) {
    assert.equal((await parseQrLink(`${url.origin}${path}${url.hash}`)).secret, link.secret, path);
  }
  await refusedWith(`${url.origin}/m/pair/x${url.hash}`, 'malformed');
  await refusedWith(`${url.origin}/m/pairs${url.hash}`, 'malformed');
  await refusedWith(`${url.origin}/x/m/pair${url.hash}`, 'malformed');
});

test('every refusal is a QrLinkError with its code and a sentence', async () => {
  const link = { ...(await sample()), pairingId: 'AbCdEfGhIjKlMnOpQrStUv' };
  const good = new URL(buildQrLink(link));
  const digits = good.hash.slice(2);
  const v1 = new URL(buildQrLinkV1(link));
  const edit = (f: (p: URLSearchParams) => void) => {
    const p = new URLSearchParams(v1.hash.slice(1));
    f(p);
    return `#${p}`;
  };
  await refusedWith('http://[bad', 'malformed');
  await refusedWith(`${good.origin}/m/other${good.hash}`, 'malformed');
  await refusedWith(`${good.origin}/m/pair`, 'missing-part');
  await refusedWith('#', 'missing-part');
  await refusedWith(`#3${digits}`, 'wrong-version');
  await refusedWith(`#2${digits.slice(1)}`, 'bad-part');
  await refusedWith(`#2${'9'.repeat(157)}`, 'bad-part');
  await refusedWith(`#2${'0'.repeat(157)}`, 'bad-part'); // no key
  await refusedWith('#p=x', 'missing-part');
  await refusedWith(
    edit((p) => p.set('v', '2')),
    'wrong-version',
  );
  await refusedWith(
    edit((p) => p.delete('s')),
    'missing-part',
  );
  await refusedWith(
    edit((p) => p.set('p', 'short')),
    'bad-part',
  );
  await refusedWith(
    edit((p) => p.set('k', link.secret)),
    'bad-part',
  );
  await refusedWith(
    edit((p) => p.set('s', link.desktopPublicKey)),
    'bad-part',
  );
});
