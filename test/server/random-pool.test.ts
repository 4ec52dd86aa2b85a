/**
 * server/util/random.ts: ids and tokens come from a buffered CSPRNG pool. Every draw is fresh
 * bytes (never handed out twice, across refills too), of the promised length and alphabet,
 * and the bytes look like the CSPRNG's, not like an unfilled buffer.
 */
import assert from 'node:assert/strict';
import { test } from 'vitest';
import { RandomPool, randomId, randomToken } from '../../server/util/random';

const BASE64URL = /^[A-Za-z0-9_-]+$/;

test('tokens are 32 bytes and ids 16, as base64url, and 100,000 of each are all distinct', () => {
  const tokens = new Set<string>();
  const ids = new Set<string>();
  for (let i = 0; i < 100_000; i++) {
    const token = randomToken();
    const id = randomId();
    assert.match(token, BASE64URL);
    assert.match(id, BASE64URL);
    assert.equal(Buffer.from(token, 'base64url').length, 32);
    assert.equal(Buffer.from(id, 'base64url').length, 16);
    tokens.add(token);
    ids.add(id);
  }
  assert.equal(tokens.size, 100_000);
  assert.equal(ids.size, 100_000);
});

test('a small pool refills when a draw would not fit, and never repeats a byte run', () => {
  // 40 bytes: two 16-byte draws fit, the third needs a refill (8 bytes are left unused).
  const pool = new RandomPool(40);
  const seen = new Set<string>();
  for (let i = 0; i < 20_000; i++) seen.add(pool.base64url(16));
  assert.equal(seen.size, 20_000);
  // A draw of the whole pool is allowed, and the next one is fresh too.
  const whole = new RandomPool(64);
  const a = whole.base64url(64);
  const b = whole.base64url(64);
  assert.equal(Buffer.from(a, 'base64url').length, 64);
  assert.notEqual(a, b);
});

test('the bytes are balanced like the CSPRNG output: about half the bits set, every byte value seen', () => {
  const pool = new RandomPool(4096);
  const counts = new Array<number>(256).fill(0);
  let ones = 0;
  const draws = 32_768; // 1 MiB in 32-byte draws
  for (let i = 0; i < draws; i++) {
    for (const byte of Buffer.from(pool.base64url(32), 'base64url')) {
      counts[byte] = (counts[byte] ?? 0) + 1;
      for (let v = byte; v; v >>= 1) ones += v & 1;
    }
  }
  const bits = draws * 32 * 8;
  // For 8.4 M fair bits the standard deviation is ~1,450; 0.2% is over 11 of them.
  assert.ok(Math.abs(ones / bits - 0.5) < 0.002, `share of set bits ${ones / bits}`);
  // Each value is expected 4,096 times; below 3,500 or above 4,700 is ~9 deviations out.
  for (const [value, n] of counts.entries())
    assert.ok(n > 3_500 && n < 4_700, `byte ${value} seen ${n} times`);
});

test('a draw of no bytes, more than the pool, or a fraction is refused', () => {
  const pool = new RandomPool(64);
  for (const count of [0, -1, 65, 1.5, Number.NaN])
    assert.throws(() => pool.base64url(count), RangeError);
  assert.equal(Buffer.from(pool.base64url(1), 'base64url').length, 1);
});
