/**
 * server/util/hash.ts: the one-shot SHA-256 gives exactly the digest of a Hash object, for
 * bytes and text, in both shapes the server uses (raw bytes, base64url).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'vitest';
import { sha256Bytes, sha256Text } from '../../server/util/hash';
import { sha256 } from '../../server/util/random';

test('the same digests as createHash', () => {
  for (const input of ['', 'abc', 'ü€😀', 'x'.repeat(10_000)]) {
    const bytes = new TextEncoder().encode(input);
    assert.deepEqual(sha256Bytes(bytes), createHash('sha256').update(bytes).digest());
    assert.equal(
      sha256Text(input, 'base64url'),
      createHash('sha256').update(input).digest('base64url'),
    );
    assert.equal(sha256(input), createHash('sha256').update(input, 'utf8').digest('base64url'));
  }
  // A known vector: SHA-256("abc").
  assert.equal(
    sha256Text('abc', 'hex'),
    'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
  );
});
