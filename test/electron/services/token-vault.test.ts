/**
 * The keytar vault against the real Secret Service (gnome-keyring under scripts/with-keyring.sh),
 * and its refusal to fall back to a file when no keychain is reachable.
 */
import type * as Keytar from 'keytar';
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import {
  createKeytarVault,
  vaultAccountName,
  VAULT_SERVICE,
} from '../../../electron/services/token-vault';

const run = promisify(execFile);
const keytar = createRequire(import.meta.url)('keytar') as typeof Keytar;

test('keytar vault stores, reads back, remembers the current account and deletes', async (t) => {
  const service = `${VAULT_SERVICE}.test-${randomBytes(4).toString('hex')}`;
  const vault = createKeytarVault({ service });
  const account = {
    serverOrigin: 'http://127.0.0.1:4000/ignored/path',
    userId: 'u_123',
    email: 'a@b.c',
  };
  t.onTestFinished(async () => {
    for (const c of await keytar.findCredentials(service))
      await keytar.deletePassword(service, c.account);
  });

  assert.equal(await vault.getRefreshToken(account), null);
  assert.equal(await vault.getCurrentAccount(), null);
  await vault.setRefreshToken(account, 'refresh-token-1');
  await vault.setCurrentAccount(account);

  // Straight from the Secret Service, not through our module: the key is origin + user id.
  assert.equal(vaultAccountName(account), 'http://127.0.0.1:4000#u_123');
  assert.equal(await keytar.getPassword(service, 'http://127.0.0.1:4000#u_123'), 'refresh-token-1');
  assert.equal(await vault.getRefreshToken(account), 'refresh-token-1');
  assert.deepEqual(await vault.getCurrentAccount(), account);

  await vault.setRefreshToken(account, 'refresh-token-2');
  assert.equal(await vault.getRefreshToken(account), 'refresh-token-2');

  assert.equal(await vault.deleteRefreshToken(account), true);
  await vault.setCurrentAccount(null);
  assert.equal(await vault.getRefreshToken(account), null);
  assert.equal(await vault.getCurrentAccount(), null);
});

test('no Secret Service reachable -> KeychainUnavailableError in plain words, nothing written', async (t) => {
  const home = await mkdtemp(path.join(tmpdir(), 'kb-nokeychain-'));
  t.onTestFinished(() => rm(home, { recursive: true, force: true }));
  const token = randomBytes(32).toString('base64url');
  const child = path.join(import.meta.dirname, 'fixtures', 'vault-child.ts');
  const { stdout } = await run(process.execPath, ['--import', import.meta.resolve('tsx'), child], {
    cwd: home,
    env: {
      PATH: process.env.PATH,
      HOME: home,
      XDG_DATA_HOME: path.join(home, 'data'),
      XDG_CONFIG_HOME: path.join(home, 'config'),
      XDG_CACHE_HOME: path.join(home, 'cache'),
      XDG_RUNTIME_DIR: home,
      // Pointed at nothing: libsecret cannot reach any Secret Service.
      DBUS_SESSION_BUS_ADDRESS: `unix:path=${path.join(home, 'no-bus')}`,
      TEST_TOKEN: token,
    },
    timeout: 30_000,
  });
  const result = JSON.parse(stdout.trim().split('\n').pop()!);
  assert.equal(result.ok, false);
  assert.equal(result.name, 'KeychainUnavailableError');
  assert.equal(result.isKeychainError, true);
  assert.match(result.message, /system keychain is not available/);
  assert.match(result.message, /Nothing was saved to disk/);
  assert.ok(!result.message.includes(token), 'the token is not in the error');
  // No file fallback: the child's HOME/XDG dirs hold nothing (tsx may write nothing here either).
  const left = await readdir(home, { recursive: true });
  assert.deepEqual(left, [], `files written: ${left.join(', ')}`);
});
