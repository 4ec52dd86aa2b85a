/**
 * Differential test of server/passkeys/assertion-verifier.ts against @simplewebauthn/server's
 * verifyAuthenticationResponse, called with the same options login-routes.ts passes. The corpus
 * is genuine assertions signed here with node:crypto (P-256 on the fast path; P-384, Ed25519
 * and RSA keys, which go to the library) and mutations of each part: flags, counters, origins,
 * challenges, RP ID, client data fields, encodings, authenticator data, DER signatures and
 * stored keys. Whatever the library refuses, ours refuses; whatever it accepts, ours accepts
 * with the same result; and a refusal gets the same label (server/passkeys/refusal-reason.ts),
 * so the activity log reads as before. Real Chromium assertions take the same path in
 * test/server/passkeys-browser.test.ts.
 */
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { test } from 'vitest';
import { verifyAuthenticationResponse } from '@simplewebauthn/server';
import { AssertionVerifier, strictDerToP1363 } from '../../server/passkeys/assertion-verifier';
import { refusalReason } from '../../server/passkeys/refusal-reason';
import type { AuthenticationResponseJSON } from '../../server/protocol/api';
import { cbor } from '../support/soft-authenticator';

const RP_ID = 'exchange.example';
const ORIGINS = ['https://exchange.example', 'https://m.exchange.example'];
const CHALLENGE = randomBytes(32).toString('base64url');
const UP = 0x01;
const UV = 0x04;
const BE = 0x08;
const BS = 0x10;
const AT = 0x40;
const ED = 0x80;
/** The order of P-256. */
const N = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest();
const b64u = (b: Buffer | Uint8Array) => Buffer.from(b).toString('base64url');

type Key = { name: string; cose: Buffer; privateKey: KeyObject; hash: string | null };

function ecKey(curve: 'P-256' | 'P-384', alg: number, crv: number): Key {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
  const jwk = publicKey.export({ format: 'jwk' });
  const cose = cbor(
    new Map<number, number | Buffer>([
      [1, 2],
      [3, alg],
      [-1, crv],
      [-2, Buffer.from(jwk.x!, 'base64url')],
      [-3, Buffer.from(jwk.y!, 'base64url')],
    ]) as never,
  );
  return {
    name: `${curve} alg ${alg}`,
    cose,
    privateKey,
    hash: curve === 'P-256' ? 'sha256' : 'sha384',
  };
}

function edKey(): Key {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const x = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
  const cose = cbor(
    new Map<number, number | Buffer>([
      [1, 1],
      [3, -8],
      [-1, 6],
      [-2, x],
    ]) as never,
  );
  return { name: 'Ed25519', cose, privateKey, hash: null };
}

function rsaKey(): Key {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = publicKey.export({ format: 'jwk' });
  const cose = cbor(
    new Map<number, number | Buffer>([
      [1, 3],
      [3, -257],
      [-1, Buffer.from(jwk.n!, 'base64url')],
      [-2, Buffer.from(jwk.e!, 'base64url')],
    ]) as never,
  );
  return { name: 'RSA', cose, privateKey, hash: 'sha256' };
}

const p256 = ecKey('P-256', -7, 1);
const otherP256 = ecKey('P-256', -7, 1);
const fallbackKeys = [ecKey('P-384', -35, 2), edKey(), rsaKey()];

type Parts = {
  rpId?: string;
  flags?: number;
  counter?: number;
  clientData?: Record<string, unknown>;
  /** Raw clientDataJSON text instead of the JSON of `clientData`. */
  clientDataText?: string;
  /** Bytes appended to the authenticator data (extensions, attested data, garbage). */
  authDataTail?: Buffer;
  /** The signature bytes from the DER signature (mutations). */
  signature?: (der: Buffer, signed: Buffer) => Buffer;
  /** The JSON after it was built (encodings, ids, types). */
  json?: (r: AuthenticationResponseJSON) => unknown;
  signer?: KeyObject;
};

function assertion(key: Key, p: Parts = {}): AuthenticationResponseJSON {
  const count = Buffer.alloc(4);
  count.writeUInt32BE(p.counter ?? 7);
  const authData = Buffer.concat([
    sha256(p.rpId ?? RP_ID),
    Buffer.from([p.flags ?? UP | UV]),
    count,
    p.authDataTail ?? Buffer.alloc(0),
  ]);
  const clientDataJSON = Buffer.from(
    p.clientDataText ??
      JSON.stringify(
        p.clientData ?? {
          type: 'webauthn.get',
          challenge: CHALLENGE,
          origin: ORIGINS[0],
          crossOrigin: false,
        },
      ),
  );
  const signed = Buffer.concat([authData, sha256(clientDataJSON)]);
  const der = sign(key.hash, signed, p.signer ?? key.privateKey);
  const signature = p.signature ? p.signature(der, signed) : der;
  const id = b64u(sha256(key.cose).subarray(0, 16));
  const r: AuthenticationResponseJSON = {
    id,
    rawId: id,
    type: 'public-key',
    response: {
      clientDataJSON: b64u(clientDataJSON),
      authenticatorData: b64u(authData),
      signature: b64u(signature),
      userHandle: b64u(Buffer.from('user-1')),
    },
    clientExtensionResults: {},
  };
  return (p.json ? p.json(r) : r) as AuthenticationResponseJSON;
}

const clientData = (over: Record<string, unknown>) => ({
  type: 'webauthn.get',
  challenge: CHALLENGE,
  origin: ORIGINS[0],
  crossOrigin: false,
  ...over,
});

// ------------------------------------------------------------ DER signature surgery

function derParts(der: Buffer): { r: Buffer; s: Buffer } {
  const rLen = der[3]!;
  const r = der.subarray(4, 4 + rLen);
  const s = der.subarray(6 + rLen, 6 + rLen + der[5 + rLen]!);
  return { r: Buffer.from(r), s: Buffer.from(s) };
}
const int = (b: Buffer) => Buffer.concat([Buffer.from([0x02, b.length]), b]);
const seq = (...items: Buffer[]) => {
  const body = Buffer.concat(items);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
};
const minimal = (n: bigint) => {
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  let b = Buffer.from(hex, 'hex');
  if (b[0]! & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
  return b;
};
const big = (b: Buffer) => BigInt(`0x${b.toString('hex') || '0'}`);
const p1363 = (der: Buffer) => {
  const { r, s } = derParts(der);
  const pad = (x: Buffer) => Buffer.concat([Buffer.alloc(32), x]).subarray(-32);
  return Buffer.concat([pad(r), pad(s)]);
};

/** A P-256 signature whose r has a leading zero byte, so DER carries it in 31 bytes or less. */
function shortR(): Parts {
  for (let counter = 1; counter < 20_000; counter++) {
    const r = assertion(p256, { counter });
    const der = Buffer.from(r.response.signature, 'base64url');
    if (derParts(der).r.length < 32) return { counter, signer: p256.privateKey };
  }
  throw new Error('no short r found');
}

const signatureCases: [string, Parts['signature']][] = [
  ['last bit flipped', (d) => Buffer.concat([d.subarray(0, -1), Buffer.from([d.at(-1)! ^ 1])])],
  ['a bit of r flipped', (d) => Buffer.from(d.map((x, i) => (i === 10 ? x ^ 0x10 : x)))],
  ['r and s swapped', (d) => ((p) => seq(int(p.s), int(p.r)))(derParts(d))],
  [
    's replaced by n - s (the other valid s)',
    (d) => ((p) => seq(int(p.r), int(minimal(N - big(p.s)))))(derParts(d)),
  ],
  [
    'sequence in long-form length',
    (d) => Buffer.concat([Buffer.from([0x30, 0x81, d[1]!]), d.subarray(2)]),
  ],
  [
    'r with a superfluous leading zero',
    (d) => ((p) => seq(int(Buffer.concat([Buffer.from([0]), p.r])), int(p.s)))(derParts(d)),
  ],
  [
    'r without its sign byte (negative)',
    (d) => ((p) => seq(int(p.r[0] === 0 ? p.r.subarray(1) : p.r), int(p.s)))(derParts(d)),
  ],
  ['a byte after the sequence', (d) => Buffer.concat([d, Buffer.from([0])])],
  [
    'a byte after the sequence, counted in its length',
    (d) => {
      const b = Buffer.concat([d, Buffer.from([0])]);
      b[1] = b[1]! + 1;
      return b;
    },
  ],
  ['truncated', (d) => d.subarray(0, d.length - 3)],
  ['empty', () => Buffer.alloc(0)],
  ['raw r ‖ s (P1363) instead of DER', (d) => p1363(d)],
  ['r = 0', (d) => seq(int(Buffer.from([0])), int(derParts(d).s))],
  ['s = 0', (d) => seq(int(derParts(d).r), int(Buffer.from([0])))],
  ['r = n', (d) => seq(int(minimal(N)), int(derParts(d).s))],
  ['r = r + n (33 bytes)', (d) => ((p) => seq(int(minimal(big(p.r) + N)), int(p.s)))(derParts(d))],
  [
    'r in 34 bytes with two zeros',
    (d) =>
      ((p) => seq(int(Buffer.concat([Buffer.alloc(34 - p.r.length), p.r])), int(p.s)))(derParts(d)),
  ],
  [
    'tag of r not INTEGER',
    (d) => {
      const b = Buffer.from(d);
      b[2] = 0x04;
      return b;
    },
  ],
  ['three integers', (d) => ((p) => seq(int(p.r), int(p.s), int(Buffer.from([1]))))(derParts(d))],
  [
    'over other data',
    (_d, signed) => sign('sha256', Buffer.concat([signed, Buffer.from([0])]), p256.privateKey),
  ],
];

type Case = {
  name: string;
  key: Key;
  response: unknown;
  storedCounter?: number;
  publicKey?: Buffer;
};

function corpus(): Case[] {
  const cases: Case[] = [];
  const add = (name: string, p: Parts = {}, key = p256, extra: Partial<Case> = {}) =>
    cases.push({ name: `${key.name}: ${name}`, key, response: assertion(key, p), ...extra });

  for (const key of [p256, ...fallbackKeys]) {
    add('genuine', {}, key);
    add('genuine, second origin', { clientData: clientData({ origin: ORIGINS[1] }) }, key);
    add('last signature bit flipped', { signature: signatureCases[0]![1] }, key);
    add('wrong challenge', { clientData: clientData({ challenge: CHALLENGE.slice(1) }) }, key);
    add('foreign origin', { clientData: clientData({ origin: 'https://evil.example' }) }, key);
    add('no user verification', { flags: UP }, key);
  }

  add('signed by another key', { signer: otherP256.privateKey });

  // Flags.
  for (const flags of [
    0,
    UP,
    UV,
    UP | UV | BE,
    UP | UV | BS,
    UP | UV | BE | BS,
    UP | UV | 0x02,
    UP | UV | 0x20,
    0xff,
  ])
    add(`flags 0x${flags.toString(16)}`, { flags });
  add('AT flag without attested data', { flags: UP | UV | AT });
  add('ED flag without extensions', { flags: UP | UV | ED });
  add('ED flag with an extension map', {
    flags: UP | UV | ED,
    authDataTail: cbor({ credProps: 1 }),
  });
  add('extension bytes without the ED flag', { authDataTail: cbor({ credProps: 1 }) });
  add('garbage after the authenticator data', { authDataTail: Buffer.from([1, 2, 3]) });

  // Counters: the response's against the stored one (login-routes passes 0; others for coverage).
  for (const [counter, stored] of [
    [0, 0],
    [1, 0],
    [0xffffffff, 0],
    [3, 5],
    [5, 5],
    [6, 5],
    [0, 5],
  ] as const)
    add(`counter ${counter} over stored ${stored}`, { counter }, p256, { storedCounter: stored });

  // Origins, challenges, RP ID, client data.
  for (const origin of [
    'https://exchange.example/',
    'http://exchange.example',
    'https://EXCHANGE.example',
    'https://exchange.example:443',
    '',
    'null',
  ])
    add(`origin ${JSON.stringify(origin)}`, { clientData: clientData({ origin }) });
  add('no origin', { clientData: { type: 'webauthn.get', challenge: CHALLENGE } });
  for (const challenge of [
    CHALLENGE.toUpperCase(),
    `${CHALLENGE}=`,
    Buffer.from(CHALLENGE, 'base64url').toString('base64'),
    '',
    7,
  ])
    add(`challenge ${JSON.stringify(challenge).slice(0, 20)}`, {
      clientData: clientData({ challenge }),
    });
  add('no challenge', { clientData: { type: 'webauthn.get', origin: ORIGINS[0] } });
  for (const type of ['webauthn.create', 'payment.get', '', undefined])
    add(`type ${String(type)}`, { clientData: clientData({ type }) });
  add('other RP ID', { rpId: 'evil.example' });
  add('RP ID with a trailing dot', { rpId: `${RP_ID}.` });
  add('crossOrigin true without topOrigin', { clientData: clientData({ crossOrigin: true }) });
  add('crossOrigin true with topOrigin', {
    clientData: clientData({ crossOrigin: true, topOrigin: 'https://evil.example' }),
  });
  add('topOrigin without crossOrigin', { clientData: clientData({ topOrigin: ORIGINS[0] }) });
  add('crossOrigin as a string', {
    clientData: clientData({ crossOrigin: 'false', topOrigin: 'https://evil.example' }),
  });
  for (const tokenBinding of [
    { status: 'present', id: 'x' },
    { status: 'supported' },
    { status: 'bogus' },
    'present',
    1,
    null,
  ])
    add(`tokenBinding ${JSON.stringify(tokenBinding)}`, {
      clientData: clientData({ tokenBinding }),
    });
  add('extra client data members', {
    clientData: clientData({ other_keys_can_be_added_here: 'x' }),
  });
  add('client data not JSON', { clientDataText: '{"type":"webauthn.get"' });
  add('client data JSON null', { clientDataText: 'null' });
  add('client data a JSON number', { clientDataText: '5' });
  add('client data with a BOM', { clientDataText: `\ufeff${JSON.stringify(clientData({}))}` });

  // Encodings and the JSON around the bytes.
  const edit = (f: (r: AuthenticationResponseJSON) => unknown): Parts => ({ json: f });
  const swap = (s: string) => s.replace(/-/g, '+').replace(/_/g, '/');
  add(
    'authenticatorData in base64 with padding',
    edit((r) => ({
      ...r,
      response: { ...r.response, authenticatorData: `${swap(r.response.authenticatorData)}=` },
    })),
  );
  add(
    'authenticatorData padded',
    edit((r) => ({
      ...r,
      response: { ...r.response, authenticatorData: `${r.response.authenticatorData}==` },
    })),
  );
  add(
    'authenticatorData with a star',
    edit((r) => ({
      ...r,
      response: { ...r.response, authenticatorData: `${r.response.authenticatorData}*` },
    })),
  );
  add(
    'authenticatorData with a space',
    edit((r) => ({
      ...r,
      response: { ...r.response, authenticatorData: ` ${r.response.authenticatorData}` },
    })),
  );
  add(
    'authenticatorData a number',
    edit((r) => ({ ...r, response: { ...r.response, authenticatorData: 5 } })),
  );
  add(
    'authenticatorData empty',
    edit((r) => ({ ...r, response: { ...r.response, authenticatorData: '' } })),
  );
  // One byte of the RP ID hash changed (first, middle, last): the hash comparison, byte by byte.
  for (const at of [0, 16, 31])
    add(
      `RP ID hash byte ${at} flipped`,
      edit((r) => {
        const bytes = Buffer.from(r.response.authenticatorData, 'base64url');
        bytes[at] = bytes[at]! ^ 1;
        return { ...r, response: { ...r.response, authenticatorData: b64u(bytes) } };
      }),
    );
  add(
    'authenticatorData truncated to 36 bytes',
    edit((r) => ({
      ...r,
      response: {
        ...r.response,
        authenticatorData: b64u(
          Buffer.from(r.response.authenticatorData, 'base64url').subarray(0, 36),
        ),
      },
    })),
  );
  add(
    'signature in base64',
    edit((r) => ({ ...r, response: { ...r.response, signature: swap(r.response.signature) } })),
  );
  add(
    'signature padded',
    edit((r) => ({ ...r, response: { ...r.response, signature: `${r.response.signature}=` } })),
  );
  add(
    'signature with a dot',
    edit((r) => ({ ...r, response: { ...r.response, signature: `${r.response.signature}.` } })),
  );
  add(
    'signature missing',
    edit((r) => ({ ...r, response: { ...r.response, signature: undefined } })),
  );
  add(
    'clientDataJSON in base64',
    edit((r) => ({
      ...r,
      response: { ...r.response, clientDataJSON: swap(r.response.clientDataJSON) },
    })),
  );
  add(
    'clientDataJSON padded',
    edit((r) => ({
      ...r,
      response: { ...r.response, clientDataJSON: `${r.response.clientDataJSON}=` },
    })),
  );
  add(
    'clientDataJSON with a star',
    edit((r) => ({
      ...r,
      response: { ...r.response, clientDataJSON: `*${r.response.clientDataJSON}` },
    })),
  );
  add(
    'clientDataJSON an object',
    edit((r) => ({ ...r, response: { ...r.response, clientDataJSON: {} } })),
  );
  add(
    'userHandle a number',
    edit((r) => ({ ...r, response: { ...r.response, userHandle: 5 } })),
  );
  add(
    'userHandle absent',
    edit((r) => ({ ...r, response: { ...r.response, userHandle: undefined } })),
  );
  add(
    'id differs from rawId',
    edit((r) => ({ ...r, rawId: `${r.rawId}A` })),
  );
  add(
    'rawId in base64',
    edit((r) => ({ ...r, id: swap(`${r.id}-_`), rawId: `${r.rawId}-_` })),
  );
  add(
    'id empty',
    edit((r) => ({ ...r, id: '', rawId: '' })),
  );
  add(
    'type not public-key',
    edit((r) => ({ ...r, type: 'password' })),
  );
  add(
    'response missing',
    edit((r) => ({ ...r, response: undefined })),
  );

  // Signatures.
  for (const [name, signature] of signatureCases) add(`signature: ${name}`, { signature });
  add('signature: genuine with a short r', shortR());

  // Stored keys.
  const garbage = Buffer.from([0xa5, 0x01, 0x02]);
  cases.push({
    name: 'stored key: truncated CBOR',
    key: p256,
    response: assertion(p256),
    publicKey: garbage,
  });
  cases.push({
    name: 'stored key: another P-256 key',
    key: p256,
    response: assertion(p256),
    publicKey: otherP256.cose,
  });
  const offCurve = cbor(
    new Map<number, number | Buffer>([
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, randomBytes(32)],
      [-3, randomBytes(32)],
    ]) as never,
  );
  cases.push({
    name: 'stored key: a point off the curve',
    key: p256,
    response: assertion(p256),
    publicKey: offCurve,
  });
  const { privateKey: p384Priv, publicKey: p384Pub } = generateKeyPairSync('ec', {
    namedCurve: 'P-384',
  });
  const p384Jwk = p384Pub.export({ format: 'jwk' });
  const es256OnP384 = cbor(
    new Map<number, number | Buffer>([
      [1, 2],
      [3, -7],
      [-1, 2],
      [-2, Buffer.from(p384Jwk.x!, 'base64url')],
      [-3, Buffer.from(p384Jwk.y!, 'base64url')],
    ]) as never,
  );
  const weird: Key = {
    name: 'ES256 label on a P-384 key',
    cose: es256OnP384,
    privateKey: p384Priv,
    hash: 'sha256',
  };
  add('genuine', {}, weird);
  const noAlg = cbor(
    new Map<number, number | Buffer>([
      [1, 2],
      [-1, 1],
      [-2, Buffer.alloc(32, 1)],
      [-3, Buffer.alloc(32, 2)],
    ]) as never,
  );
  cases.push({
    name: 'stored key: no alg',
    key: p256,
    response: assertion(p256),
    publicKey: noAlg,
  });
  return cases;
}

type Outcome = { accepted: true; info: unknown } | { accepted: false; reason: string };

async function outcome(
  run: () => Promise<{ verified: boolean; authenticationInfo: unknown }>,
): Promise<Outcome> {
  try {
    const v = await run();
    // login-routes.ts turns `verified: false` into this refusal.
    return v.verified
      ? { accepted: true, info: v.authenticationInfo }
      : { accepted: false, reason: refusalReason(new Error('signature not verified')) };
  } catch (err) {
    return { accepted: false, reason: refusalReason(err) };
  }
}

test('the fast path decides every response of the corpus as @simplewebauthn/server does', async () => {
  const verifier = new AssertionVerifier();
  const cases = corpus();
  let accepted = 0;
  for (const c of cases) {
    const opts = {
      response: c.response as AuthenticationResponseJSON,
      expectedChallenge: CHALLENGE,
      expectedOrigin: ORIGINS,
      expectedRPID: RP_ID,
      credential: {
        id: (c.response as { id?: string } | undefined)?.id ?? '',
        publicKey: new Uint8Array(c.publicKey ?? c.key.cose),
        counter: c.storedCounter ?? 0,
      },
    };
    const library = await outcome(() =>
      verifyAuthenticationResponse({ ...opts, requireUserVerification: true }),
    );
    // Twice: the first call imports the key, the second uses the cached one.
    for (const round of ['first', 'cached']) {
      const ours = await outcome(() => verifier.verify(opts));
      assert.deepEqual(ours, library, `${c.name} (${round} call)`);
    }
    if (library.accepted) accepted++;
  }
  // Only other key types and non-strict DER went to the library (twice each: two rounds).
  assert.ok(verifier.delegated / 2 < cases.length / 2, `delegated ${verifier.delegated}`);
  // The corpus holds both kinds, or it proves nothing.
  assert.ok(accepted >= 15, `accepted ${accepted}`);
  assert.ok(cases.length - accepted >= 80, `refused ${cases.length - accepted}`);
});

test('the key of a credential is imported once, and the cache stays within its bound', async () => {
  const verifier = new AssertionVerifier(2);
  const keys = [p256, otherP256, ecKey('P-256', -7, 1)];
  for (const key of keys) {
    const response = assertion(key);
    const v = await verifier.verify({
      response,
      expectedChallenge: CHALLENGE,
      expectedOrigin: ORIGINS,
      expectedRPID: RP_ID,
      credential: { id: response.id, publicKey: new Uint8Array(key.cose), counter: 0 },
    });
    assert.equal(v.verified, true);
  }
  assert.equal(verifier.cachedKeys, 2);
  assert.equal(verifier.delegated, 0, 'genuine P-256 responses never go to the library');
  // A response signed by one key never verifies under another's cached KeyObject.
  const response = assertion(p256);
  const v = await verifier.verify({
    response,
    expectedChallenge: CHALLENGE,
    expectedOrigin: ORIGINS,
    expectedRPID: RP_ID,
    credential: { id: response.id, publicKey: new Uint8Array(otherP256.cose), counter: 0 },
  });
  assert.equal(v.verified, false);
});

test('strict DER: only minimal, non-negative, exact-length signatures take the fast path', () => {
  const der = sign('sha256', Buffer.from('x'), p256.privateKey);
  assert.deepEqual(strictDerToP1363(der), p1363(der));
  const refused = [
    'sequence in long-form length',
    'r with a superfluous leading zero',
    'a byte after the sequence',
    'a byte after the sequence, counted in its length',
    'truncated',
    'empty',
    'r in 34 bytes with two zeros',
    'tag of r not INTEGER',
    'three integers',
  ];
  for (const name of refused) {
    const mutate = signatureCases.find(([n]) => n === name)?.[1];
    assert.ok(mutate, name);
    assert.equal(strictDerToP1363(mutate(der, Buffer.alloc(0))), null, name);
  }
});
