/**
 * The link's point compression (server/protocol/p256-point.ts) against node:crypto's own
 * compressed and uncompressed encodings of the same keys.
 */
import assert from 'node:assert/strict';
import { createECDH } from 'node:crypto';
import { test } from 'vitest';
import { compressP256, decompressP256 } from '../../server/protocol/p256-point';

test('compress and decompress agree with node:crypto on 300 random keys', () => {
  for (let i = 0; i < 300; i++) {
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    const raw = new Uint8Array(ecdh.getPublicKey(null, 'uncompressed'));
    const compressed = new Uint8Array(ecdh.getPublicKey(null, 'compressed'));
    assert.deepEqual(compressP256(raw), compressed);
    assert.deepEqual(decompressP256(compressed), raw);
  }
});

test('refuses what is not a point on P-256', () => {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const raw = new Uint8Array(ecdh.getPublicKey(null, 'uncompressed'));
  const compressed = new Uint8Array(ecdh.getPublicKey(null, 'compressed'));
  // y moved off the curve; a wrong prefix; wrong lengths; x = p (not a field element).
  const offCurve = raw.slice();
  offCurve[64]! ^= 1;
  assert.throws(() => compressP256(offCurve), /not on P-256/);
  assert.throws(() => compressP256(compressed), /uncompressed/);
  assert.throws(() => decompressP256(raw), /compressed/);
  const badPrefix = compressed.slice();
  badPrefix[0] = 0x05;
  assert.throws(() => decompressP256(badPrefix), /compressed/);
  const xIsP = Uint8Array.from(
    Buffer.from('02ffffffff00000001000000000000000000000000ffffffffffffffffffffffff', 'hex'),
  );
  assert.throws(() => decompressP256(xIsP), /not on P-256/);
  // About half of all x have no point; x = 1 is one of them.
  const xIsOne = new Uint8Array(33);
  xIsOne[0] = 0x03;
  xIsOne[32] = 1;
  assert.throws(() => decompressP256(xIsOne), /not on P-256/);
});
