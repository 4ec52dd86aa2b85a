/**
 * Token vault rules (electron/services/token-vault.ts), issue 12: on the real Secret Service
 * (run under scripts/with-keyring.sh), each server and user has its own entry and a delete
 * touches only that one; the current-account pointer reads back only when well formed (a
 * corrupt one means signed out, never a crash). The error mapping is tested with a stand-in
 * keytar (the module's own injection point, a true boundary): every failure is the typed
 * KeychainUnavailableError in words a person can act on, and a keychain that never answers
 * becomes that error instead of a hang.
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
  createMemoryVault,
  vaultAccountName,
} from '../../../electron/services/token-vault';

const keytar = createRequire(import.meta.url)('keytar') as typeof Keytar;

function privateService(t: { onTestFinished(fn: () => Promise<void>): void }) {
  const service = `${VAULT_SERVICE}.rules-${randomBytes(4).toString('hex')}`;
  t.onTestFinished(async () => {
    for (const c of await keytar.findCredentials(service)) {
      await keytar.deletePassword(service, c.account);
    }
  });
  return service;
}

test('two servers and two users never share an entry; a delete removes only its own', async (t) => {
  const vault = createKeytarVault({ service: privateService(t) });
  const a1 = { serverOrigin: 'https://a.example', userId: 'u1' };
  const b1 = { serverOrigin: 'https://b.example', userId: 'u1' };
  const a2 = { serverOrigin: 'https://a.example', userId: 'u2' };
  await vault.setRefreshToken(a1, 'token-a1');
  await vault.setRefreshToken(b1, 'token-b1');
  await vault.setRefreshToken(a2, 'token-a2');
  assert.equal(await vault.getRefreshToken(a1), 'token-a1');
  assert.equal(await vault.getRefreshToken(b1), 'token-b1');
  assert.equal(await vault.getRefreshToken(a2), 'token-a2');
  // The same origin written another way is the same entry.
  assert.equal(
    await vault.getRefreshToken({ serverOrigin: 'https://A.example:443/any/path?q', userId: 'u1' }),
    'token-a1',
  );
  assert.equal(await vault.deleteRefreshToken(a1), true);
  assert.equal(await vault.deleteRefreshToken(a1), false, 'nothing left to delete');
  assert.equal(await vault.getRefreshToken(a1), null);
  assert.equal(await vault.getRefreshToken(b1), 'token-b1');
  assert.equal(await vault.getRefreshToken(a2), 'token-a2');
});

test('the current account reads back only when well formed; otherwise signed out', async (t) => {
  const service = privateService(t);
  const vault = createKeytarVault({ service });
  const account = { serverOrigin: 'https://a.example', userId: 'u1', email: 'a@example.com' };
  await vault.setCurrentAccount(account);
  assert.deepEqual(await vault.getCurrentAccount(), account);
  // Not one of our tokens: the pointer lives in its own entry.
  assert.equal(await vault.getRefreshToken(account), null);
  const stored = async (raw: string) => {
    await keytar.setPassword(service, 'current-account', raw);
    return vault.getCurrentAccount();
  };
  assert.deepEqual(
    await stored(JSON.stringify({ serverOrigin: 'https://a.example', userId: 'u1', email: 7 })),
    {
      serverOrigin: 'https://a.example',
      userId: 'u1',
      email: undefined,
    },
  );
  for (const raw of [
    '{not json',
    'null',
    '"text"',
    '{"serverOrigin":"https://a.example"}',
    '{"userId":"u1"}',
    '{"serverOrigin":1,"userId":"u1"}',
  ]) {
    assert.equal(await stored(raw), null, raw);
  }
  await vault.setCurrentAccount(account);
  await vault.setCurrentAccount(null);
  assert.equal(
    await keytar.getPassword(service, 'current-account'),
    null,
    'forgotten, not blanked',
  );
  assert.equal(await vault.getCurrentAccount(), null);
});

/** A stand-in keytar whose every call fails with `message` (or never answers). */
function failingKeytar(message: string | null) {
  const fail = () =>
    message === null ? new Promise<never>(() => {}) : Promise.reject(new Error(message));
  return { getPassword: fail, setPassword: fail, deletePassword: fail };
}

test('keychain failures become KeychainUnavailableError in words a person can act on', async () => {
  const account = { serverOrigin: 'https://a.example', userId: 'u1' };
  const cases: [string, RegExp][] = [
    ['Cannot autolaunch D-Bus without X11 $DISPLAY', /no D-Bus session bus/],
    ['Could not connect: No such file', /no D-Bus session bus/],
    ['Cannot create an item in a locked collection', /the keyring is missing or locked/],
    ['Prompt dismissed', /the keyring is missing or locked/],
    [
      'The name org.freedesktop.secrets was not provided by any .service files',
      /no Secret Service is running/,
    ],
    ['something else entirely', /^something else entirely$/],
  ];
  for (const [message, words] of cases) {
    const vault = createKeytarVault({ keytar: failingKeytar(message) });
    for (const op of [
      () => vault.getRefreshToken(account),
      () => vault.setRefreshToken(account, 'secret-refresh-token'),
      () => vault.deleteRefreshToken(account),
      () => vault.getCurrentAccount(),
      () => vault.setCurrentAccount(account),
      () => vault.setCurrentAccount(null),
    ]) {
      await assert.rejects(op(), (err: unknown) => {
        assert.ok(err instanceof KeychainUnavailableError, String(err));
        assert.equal(err.code, 'keychain_unavailable');
        // The person reads one fix step; the cause, named and with the raw text in brackets,
        // stays in `detail` for a developer (electron/services/token-vault.ts).
        assert.match(err.message, /To fix it: .+ Nothing was saved to disk\./);
        assert.ok(!err.message.includes(message), 'no raw D-Bus text on screen');
        assert.match(err.detail, words);
        assert.ok(err.detail.includes(message), 'the raw text stays in detail, in brackets');
        assert.ok(!err.message.includes('secret-refresh-token'), 'never the token');
        assert.ok(!err.detail.includes('secret-refresh-token'), 'never the token');
        return true;
      });
    }
  }
});

test('a keychain that never answers is an error after the timeout, naming what was tried', async () => {
  const vault = createKeytarVault({ keytar: failingKeytar(null), timeoutMs: 50 });
  await assert.rejects(
    vault.getRefreshToken({ serverOrigin: 'https://a.example', userId: 'u1' }),
    (err: unknown) =>
      err instanceof KeychainUnavailableError &&
      err.detail === 'no answer while trying to read the saved sign-in',
  );
  await assert.rejects(
    vault.setCurrentAccount(null),
    (err: unknown) =>
      err instanceof KeychainUnavailableError &&
      err.detail === 'no answer while trying to forget the current account',
  );
});

test('entry names: origin and user id; the memory vault (for UI tests only) keeps the same keys', async () => {
  assert.equal(VAULT_SERVICE, 'com.keybridge.desktop');
  assert.equal(
    vaultAccountName({ serverOrigin: 'http://127.0.0.1:4000/x', userId: 'u_1' }),
    'http://127.0.0.1:4000#u_1',
  );
  assert.throws(() => vaultAccountName({ serverOrigin: 'not a url', userId: 'u' }));
  const memory = createMemoryVault();
  const a = { serverOrigin: 'https://a.example/', userId: 'u1' };
  await memory.setRefreshToken(a, 't');
  assert.deepEqual([...memory.entries()], [['https://a.example#u1', 't']]);
  assert.equal(
    await memory.getRefreshToken({ serverOrigin: 'https://b.example', userId: 'u1' }),
    null,
  );
  assert.equal(await memory.deleteRefreshToken(a), true);
  assert.equal(await memory.getRefreshToken(a), null);
  await memory.setCurrentAccount(a);
  assert.deepEqual(await memory.getCurrentAccount(), a);
});
