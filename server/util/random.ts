/** Random ids and secrets, and the one-way hash we store instead of tokens. */
import { randomBytes, randomInt } from 'node:crypto';
import { sha256Text } from './hash';

/** 256-bit secret as base64url (43 chars): session cookies, access and refresh tokens. */
export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

/** 128-bit opaque id (22 chars base64url): attempts, sessions, passkey rows, events. */
export function randomId(): string {
  return randomBytes(16).toString('base64url');
}

/** Tokens are high-entropy, so a fast hash suffices (no password-style stretching needed). */
export function sha256(value: string): string {
  return sha256Text(value, 'base64url');
}

export function randomDigits(count: number): string {
  let out = '';
  for (let i = 0; i < count; i++) out += String(randomInt(10));
  return out;
}
