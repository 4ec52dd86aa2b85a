/**
 * TOTP and recovery-code rules (server/totp/totp.ts, server/totp/recovery-codes.ts), issue 12:
 * RFC 6238 codes (SHA-1, 6 digits, 30 s) are accepted one step either side of now and never
 * again once their step was used; recovery codes are 60 random bits in xxxx-xxxx-xxxx, stored
 * only as hashes that ignore case and surrounding space.
 */
import assert from 'node:assert/strict';
import { test } from 'vitest';
import {
  RECOVERY_CODE_COUNT,
  hashRecoveryCode,
  isRecoveryCodeShape,
  newRecoveryCode,
} from '../../../server/totp/recovery-codes';
import { checkTotp, newTotpSecret, otpauthUri, totpCodeAt } from '../../../server/totp/totp';
import { sha256 } from '../../../server/util/random';

// RFC 6238 appendix B's SHA-1 seed "12345678901234567890", base32.
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

test('codes are RFC 6238: SHA-1, six digits, 30-second steps', () => {
  // RFC 6238 appendix B, truncated to 6 digits: T = 59 s -> 94287082, T = 1111111109 -> 07081804.
  assert.equal(totpCodeAt(RFC_SECRET, 59_000), '287082');
  assert.equal(totpCodeAt(RFC_SECRET, 1_111_111_109_000), '081804');
  assert.equal(totpCodeAt(RFC_SECRET, 1_234_567_890_000), '005924');
  const uri = otpauthUri(RFC_SECRET, 'a@example.com', 'Keybridge');
  assert.match(uri, /^otpauth:\/\/totp\/Keybridge:a%40example\.com\?/);
  for (const part of [
    'secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ',
    'algorithm=SHA1',
    'digits=6',
    'period=30',
  ]) {
    assert.ok(uri.includes(part), part);
  }
  const secret = newTotpSecret();
  assert.match(secret, /^[A-Z2-7]{32}$/, '20 random bytes in base32');
  assert.notEqual(newTotpSecret(), secret);
});

test('a code is accepted one step either side of now, not two', () => {
  const now = 1_700_000_015_000; // 15 s into its step
  const step = Math.floor(now / 30_000);
  assert.equal(checkTotp(RFC_SECRET, totpCodeAt(RFC_SECRET, now), now, null), step);
  assert.equal(checkTotp(RFC_SECRET, totpCodeAt(RFC_SECRET, now - 30_000), now, null), step - 1);
  assert.equal(checkTotp(RFC_SECRET, totpCodeAt(RFC_SECRET, now + 30_000), now, null), step + 1);
  assert.equal(checkTotp(RFC_SECRET, totpCodeAt(RFC_SECRET, now - 60_000), now, null), null);
  assert.equal(checkTotp(RFC_SECRET, totpCodeAt(RFC_SECRET, now + 60_000), now, null), null);
  assert.equal(checkTotp(RFC_SECRET, '000000', 59_000, null), null, 'a wrong code');
  assert.equal(checkTotp(newTotpSecret(), totpCodeAt(RFC_SECRET, now), now, null), null);
});

test('a used step and every step before it are refused; later steps pass', () => {
  const now = 1_700_000_015_000;
  const step = Math.floor(now / 30_000);
  const code = totpCodeAt(RFC_SECRET, now);
  assert.equal(checkTotp(RFC_SECRET, code, now, step), null, 'the same step again');
  assert.equal(checkTotp(RFC_SECRET, code, now, step + 1), null, 'a step after it was used');
  assert.equal(checkTotp(RFC_SECRET, code, now, step - 1), step, 'the previous step was used');
  const previous = totpCodeAt(RFC_SECRET, now - 30_000);
  assert.equal(checkTotp(RFC_SECRET, previous, now, step - 1), null, 'adjacent but already used');
  assert.equal(checkTotp(RFC_SECRET, previous, now, step - 2), step - 1);
  assert.equal(checkTotp(RFC_SECRET, code, now, 0), step, 'step 0 used is not "none used"');
});

test('recovery codes: ten, xxxx-xxxx-xxxx from an alphabet without look-alikes, random', () => {
  assert.equal(RECOVERY_CODE_COUNT, 10);
  const codes = Array.from({ length: 200 }, newRecoveryCode);
  for (const c of codes) assert.match(c, /^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$/);
  for (const c of codes) assert.doesNotMatch(c, /[01ilo]/, 'no 0/o or 1/l/i look-alikes');
  assert.equal(new Set(codes).size, codes.length);
  // Every character of the alphabet turns up (no letter or digit dropped from it): 36 less the
  // five look-alikes (server/totp/recovery-codes.ts).
  const seen = new Set(codes.join('').replace(/-/g, ''));
  assert.equal(seen.size, 31);
});

test('recovery codes are hashed with a purpose, ignoring case and surrounding space only', () => {
  const code = 'ab12-cd34-ef56';
  assert.equal(hashRecoveryCode(code), sha256('recovery:ab12-cd34-ef56'));
  assert.equal(hashRecoveryCode('  AB12-CD34-EF56 \n'), hashRecoveryCode(code));
  assert.notEqual(hashRecoveryCode('ab12-cd34-ef57'), hashRecoveryCode(code));
  assert.notEqual(hashRecoveryCode('ab12cd34ef56'), hashRecoveryCode(code));
  assert.notEqual(hashRecoveryCode(code), sha256(code), 'not the bare hash');
});

test('the recovery-code shape is exact: anything else is read as a TOTP code', () => {
  for (const ok of ['ab12-cd34-ef56', ' AB12-CD34-EF56 ', '0000-0000-0000']) {
    assert.equal(isRecoveryCodeShape(ok), true, ok);
  }
  for (const bad of [
    '123456',
    'ab12-cd34-ef5',
    'ab12-cd34-ef567',
    'ab12cd34ef56',
    'ab12_cd34_ef56',
    'xab12-cd34-ef56',
    'ab12-cd34-ef56x',
    'ab!2-cd34-ef56',
    '',
  ]) {
    assert.equal(isRecoveryCodeShape(bad), false, bad);
  }
});
