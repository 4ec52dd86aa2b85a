/**
 * The key that seals secrets at rest: SECRETS_KEY (base64, 32 bytes) when set, else a key
 * file DATA_DIR/secrets.key (mode 0600) created once on first start. Keep the key apart from
 * database backups: with both, TOTP seeds can be read; with the database alone, they cannot.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { SECRETS_KEY_BYTES } from './secret-box';

export const SECRETS_KEY_FILE = 'secrets.key';

/** Parses a base64 key (SECRETS_KEY or the key file); throws naming `source` if it is not 32 bytes. */
export function parseSecretsKey(raw: string, source: string): Buffer {
  const text = raw.trim();
  const key = Buffer.from(text, 'base64');
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text) || key.length !== SECRETS_KEY_BYTES)
    throw new Error(`${source} must be ${SECRETS_KEY_BYTES} random bytes in base64`);
  return key;
}

export function loadSecretsKey(
  configured: Buffer | undefined,
  dataDir: string,
  log: FastifyBaseLogger,
): Buffer {
  if (configured) return configured;
  const file = path.join(dataDir, SECRETS_KEY_FILE);
  if (!fs.existsSync(file)) {
    // Written in full to a private temp file, then linked into place: a second process
    // starting at the same moment either wins or reads the complete winner, never half a key.
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    fs.writeFileSync(tmp, `${randomBytes(SECRETS_KEY_BYTES).toString('base64')}\n`, {
      mode: 0o600,
    });
    try {
      fs.linkSync(tmp, file);
      log.warn(
        { file },
        'SECRETS_KEY is not set: created a secrets key file; back it up apart from the database',
      );
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      fs.rmSync(tmp, { force: true });
    }
  }
  if ((fs.statSync(file).mode & 0o077) !== 0)
    log.warn({ file }, 'the secrets key file is readable by other users; chmod 600 it');
  return parseSecretsKey(fs.readFileSync(file, 'utf8'), file);
}
