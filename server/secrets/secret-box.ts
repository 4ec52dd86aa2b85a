/**
 * Seals secrets the server must be able to read back (TOTP seeds) with AES-256-GCM under the
 * server's secrets key, so a copied database alone reveals none of them. The sealed form is
 * versioned text, `enc:v1:<iv>.<ciphertext>.<tag>` (base64url): base32 seeds never contain
 * ':', so a legacy raw value is told apart by the prefix. The "context" (e.g. the user id) is
 * authenticated data: a sealed value moved to another row does not open.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const PREFIX = 'enc:v1:';
export const SECRETS_KEY_BYTES = 32;

export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== SECRETS_KEY_BYTES) throw new Error('the secrets key must be 32 bytes');
  }

  static isSealed(value: string): boolean {
    return value.startsWith(PREFIX);
  }

  seal(plain: string, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    const parts = [iv, body, cipher.getAuthTag()].map((b) => b.toString('base64url'));
    return PREFIX + parts.join('.');
  }

  /** Throws if the value was sealed under another key or context, or was altered. */
  open(sealed: string, context: string): string {
    if (!SecretBox.isSealed(sealed)) throw new Error('value is not sealed');
    const [iv, body, tag] = sealed
      .slice(PREFIX.length)
      .split('.')
      .map((p) => Buffer.from(p, 'base64url'));
    if (!iv || !body || !tag || iv.length !== 12 || tag.length !== 16)
      throw new Error('sealed value is malformed');
    const decipher = createDecipheriv('aes-256-gcm', this.key, iv);
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
  }
}
