import assert from 'node:assert/strict';
import { test } from 'vitest';
import { generateDesktopKeys, generateQrSecret } from '../../server/protocol/channel';
import { QrLinkError, buildQrLink, parseQrLink } from '../../server/protocol/qr-link';

const pairingId = 'AbCdEfGhIjKlMnOpQrStUv';

async function sample() {
  const keys = await generateDesktopKeys();
  return {
    origin: 'http://exchange.localhost:8787',
    pairingId,
    desktopPublicKey: keys.publicKey,
    secret: generateQrSecret(),
  };
}

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof QrLinkError, `expected QrLinkError, got ${String(err)}`);
    return err.code;
  }
  assert.fail('expected a QrLinkError');
}

test('build then parse gives the same parts; secrets live only in the fragment', async () => {
  const link = await sample();
  const text = buildQrLink(link);
  const url = new URL(text);
  assert.equal(url.origin + url.pathname, 'http://exchange.localhost:8787/m/pair');
  assert.equal(url.search, '');
  assert.ok(url.hash.startsWith('#v=1&p='));
  assert.deepEqual(parseQrLink(text), link);
  // The pair page parses location.hash alone.
  assert.deepEqual(parseQrLink(url.hash), { ...link, origin: '' });
  // A trailing slash on the origin is tolerated.
  assert.equal(buildQrLink({ ...link, origin: link.origin + '/' }), text);
});

test('clear errors: malformed, wrong version, missing and damaged parts', async () => {
  const link = await sample();
  const good = new URL(buildQrLink(link));
  const edit = (f: (p: URLSearchParams) => void) => {
    const p = new URLSearchParams(good.hash.slice(1));
    f(p);
    return `${good.origin}${good.pathname}#${p}`;
  };
  assert.equal(
    code(() => parseQrLink('http://[bad')),
    'malformed',
  );
  assert.equal(
    code(() => parseQrLink(`${good.origin}/m/other${good.hash}`)),
    'malformed',
  );
  assert.equal(
    code(() => parseQrLink(`${good.origin}/m/pair`)),
    'missing-part',
  );
  assert.equal(
    code(() => parseQrLink('')),
    'missing-part',
  );
  assert.equal(
    code(() => parseQrLink(edit((p) => p.set('v', '2')))),
    'wrong-version',
  );
  assert.equal(
    code(() => parseQrLink(edit((p) => p.set('v', '0')))),
    'wrong-version',
  );
  assert.equal(
    code(() => parseQrLink(edit((p) => p.delete('v')))),
    'missing-part',
  );
  for (const part of ['p', 'k', 's']) {
    assert.equal(
      code(() => parseQrLink(edit((p) => p.delete(part)))),
      'missing-part',
      part,
    );
  }
  assert.equal(
    code(() => parseQrLink(edit((p) => p.set('p', 'short')))),
    'bad-part',
  );
  assert.equal(
    code(() => parseQrLink(edit((p) => p.set('k', link.desktopPublicKey.slice(2))))),
    'bad-part',
  );
  assert.equal(
    code(() => parseQrLink(edit((p) => p.set('s', 'not+base64/url')))),
    'bad-part',
  );
  assert.equal(
    code(() => parseQrLink(edit((p) => p.set('s', generateQrSecret().slice(0, 20))))),
    'bad-part',
  );
  const wrongVersion = (() => {
    try {
      parseQrLink(edit((p) => p.set('v', '2')));
    } catch (err) {
      return (err as Error).message;
    }
  })();
  assert.match(wrongVersion ?? '', /different version/);
});
