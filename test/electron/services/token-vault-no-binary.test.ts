/**
 * The token vault (electron/services/token-vault.ts) when keytar's native binding cannot load,
 * as on a Linux box without libsecret: every call is the typed KeychainUnavailableError in
 * plain words, never a crash at launch, and the loader's own text stays in `detail`. Its own
 * file: keytar must not be loaded in this process before the test makes the binding fail
 * (vitest.stryker.config.ts runs each keychain file in its own process).
 */
import type * as Keytar from 'keytar';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { test } from 'vitest';
import {
  KeychainUnavailableError,
  VAULT_SERVICE,
  createKeytarVault,
} from '../../../electron/services/token-vault';

const LOADER_TEXT = 'libsecret-1.so.0: cannot open shared object file: No such file or directory';

test('a keychain binding that cannot load is KeychainUnavailableError on every call, then recovers', async (t) => {
  const service = `${VAULT_SERVICE}.no-binary-${randomBytes(4).toString('hex')}`;
  const vault = createKeytarVault({ service });
  const account = { serverOrigin: 'https://a.example', userId: 'u1' };

  // What Node's loader throws when keytar.node's shared libraries are missing.
  const dlopen = process.dlopen;
  process.dlopen = (module, filename, ...rest) => {
    if (filename.endsWith('keytar.node')) throw new Error(LOADER_TEXT);
    return dlopen(module, filename, ...rest);
  };
  t.onTestFinished(() => void (process.dlopen = dlopen));

  for (const op of [
    () => vault.getRefreshToken(account),
    () => vault.setRefreshToken(account, 'secret-refresh-token'),
    () => vault.getCurrentAccount(),
  ]) {
    await assert.rejects(op(), (err: unknown) => {
      assert.ok(err instanceof KeychainUnavailableError, String(err));
      assert.equal(err.code, 'keychain_unavailable');
      assert.equal(err.detail, `the keytar module could not load: ${LOADER_TEXT}`);
      assert.match(err.message, /^The system keychain is not available/);
      assert.ok(!err.message.includes(LOADER_TEXT), 'no loader text on screen');
      assert.ok(!err.detail.includes('secret-refresh-token'), 'never the token');
      return true;
    });
  }

  // Once the binding loads, the same vault reaches the real keychain: a failed load is not kept.
  process.dlopen = dlopen;
  const keytar = createRequire(import.meta.url)('keytar') as typeof Keytar;
  t.onTestFinished(async () => {
    for (const c of await keytar.findCredentials(service)) {
      await keytar.deletePassword(service, c.account);
    }
  });
  assert.equal(await vault.getRefreshToken(account), null, 'nothing was saved meanwhile');
  await vault.setRefreshToken(account, 'token-after');
  assert.equal(await vault.getRefreshToken(account), 'token-after');
});
