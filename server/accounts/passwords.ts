/**
 * Password hashing with argon2id at OWASP's minimum (m=19 MiB, t=2, p=1). A fixed dummy hash
 * is verified when the account does not exist, so timing does not reveal which emails exist.
 */
import { hash, verify, type Options } from '@node-rs/argon2';

// @node-rs/argon2 exports Algorithm as a const enum, which isolatedModules cannot inline.
const ARGON2ID = 2 as Options['algorithm'];
const options: Options = { algorithm: ARGON2ID, memoryCost: 19456, timeCost: 2, parallelism: 1 };

export function hashPassword(password: string): Promise<string> {
  return hash(password, options);
}

let dummyHash: Promise<string> | null = null;

export async function verifyPassword(
  storedHash: string | null,
  password: string,
): Promise<boolean> {
  if (storedHash === null) {
    dummyHash ??= hashPassword('keybridge-dummy-password-for-timing');
    await verify(await dummyHash, password);
    return false;
  }
  try {
    return await verify(storedHash, password);
  } catch {
    return false;
  }
}
