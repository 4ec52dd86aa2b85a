/**
 * Recovery codes: shown once at TOTP enrolment, stored as SHA-256 hashes, each usable once.
 * Written down by hand and typed back in, so they come from an alphabet without look-alikes
 * (no 0/o, no 1/l/i): 31 symbols, 12 per code (xxxx-xxxx-xxxx), about 59 random bits, far
 * beyond what rate-limited guessing can reach.
 */
import { randomInt } from 'node:crypto';
import { sha256 } from '../util/random';

export const RECOVERY_CODE_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
export const RECOVERY_CODE_COUNT = 10;

export function newRecoveryCode(): string {
  const group = () =>
    Array.from(
      { length: 4 },
      () => RECOVERY_CODE_ALPHABET[randomInt(RECOVERY_CODE_ALPHABET.length)],
    ).join('');
  return `${group()}-${group()}-${group()}`;
}

export function hashRecoveryCode(code: string): string {
  return sha256(`recovery:${code.trim().toLowerCase()}`);
}

/**
 * Any base36 code of the shape, not only the new alphabet: codes issued before it (which may
 * hold 0, 1, l, o, i) keep working until they are used or replaced.
 */
export function isRecoveryCodeShape(code: string): boolean {
  return /^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$/.test(code.trim().toLowerCase());
}
