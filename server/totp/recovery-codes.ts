/**
 * Recovery codes: shown once at TOTP enrolment, stored as SHA-256 hashes, each usable once.
 * 60 random bits per code (xxxx-xxxx-xxxx, base36) is far beyond what rate-limited guessing can reach.
 */
import { randomInt } from 'node:crypto';
import { sha256 } from '../util/random';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
export const RECOVERY_CODE_COUNT = 10;

export function newRecoveryCode(): string {
  const group = () =>
    Array.from({ length: 4 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
  return `${group()}-${group()}-${group()}`;
}

export function hashRecoveryCode(code: string): string {
  return sha256(`recovery:${code.trim().toLowerCase()}`);
}

export function isRecoveryCodeShape(code: string): boolean {
  return /^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$/.test(code.trim().toLowerCase());
}
