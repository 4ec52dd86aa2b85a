/** Random ids and secrets, and the one-way hash we store instead of tokens. */
import { randomFillSync, randomInt } from 'node:crypto';
import { sha256Text } from './hash';

/**
 * Bytes from the OS CSPRNG (OpenSSL), drawn 4 KiB at a time and handed out once each, in
 * order, never twice. A sign-in takes about six ids and tokens; one `randomBytes` call each
 * was a crypto job of its own (issue 10's profile: 6% of a sign-in's CPU), one refill per
 * ~120 draws is not. Node's own `crypto.randomUUID` buffers the same way. The pool holds
 * only bytes not yet handed out plus ones already turned into strings the caller keeps anyway.
 */
export class RandomPool {
  private readonly pool: Buffer;
  private offset: number;

  constructor(readonly size = 4096) {
    this.pool = Buffer.allocUnsafe(size);
    this.offset = size; // empty: the first draw fills it
  }

  /** `count` fresh bytes (at most the pool's size) as base64url. */
  base64url(count: number): string {
    if (!Number.isInteger(count) || count < 1 || count > this.size)
      throw new RangeError(`RandomPool: cannot draw ${count} bytes`);
    if (this.offset + count > this.size) {
      randomFillSync(this.pool);
      this.offset = 0;
    }
    const start = this.offset;
    this.offset += count;
    return this.pool.toString('base64url', start, start + count);
  }
}

const pool = new RandomPool();

/** 256-bit secret as base64url (43 chars): session cookies, access and refresh tokens. */
export function randomToken(): string {
  return pool.base64url(32);
}

/** 128-bit opaque id (22 chars base64url): attempts, sessions, passkey rows, events. */
export function randomId(): string {
  return pool.base64url(16);
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
