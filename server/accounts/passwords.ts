/**
 * Password hashing with argon2id at OWASP's minimum (m=19 MiB, t=2, p=1). A fixed dummy hash
 * with the same parameters is verified when the account does not exist, so a sign-in for an
 * unknown email costs the same argon2 work as a wrong password for a known one.
 */
import { hash, verify, type Options } from '@node-rs/argon2';

// @node-rs/argon2 exports Algorithm as a const enum, which isolatedModules cannot inline.
const ARGON2ID = 2 as Options['algorithm'];
const options: Options = { algorithm: ARGON2ID, memoryCost: 19456, timeCost: 2, parallelism: 1 };

/** The argon2 calls, behind one object so tests can count them. */
export const argon2 = { hash, verify };

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, options);
}

/**
 * A hash of a random, forgotten password, made once with `options` (a literal, so the first
 * unknown-email sign-in does not pay for hashing it; test/server/throttling.test.ts checks
 * its parameters still match).
 */
export const DUMMY_HASH =
  '$argon2id$v=19$m=19456,t=2,p=1$3E3ekO5n0qlMhtHOmIRJkw$3i40DPcv3gyOXQNBGQ6XK2bPORrNZIiASt6LWfM28A0';

export async function verifyPassword(
  storedHash: string | null,
  password: string,
): Promise<boolean> {
  try {
    const ok = await argon2.verify(storedHash ?? DUMMY_HASH, password);
    return storedHash !== null && ok;
  } catch {
    return false;
  }
}
