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
import { test, vi } from 'vitest';
import {
  KeychainUnavailableError,
  VAULT_SERVICE,
  createKeytarVault,
  createMemoryVault,
  keychainFixStep,
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

test('an entry of another service is never read as ours, nor ours by another', async (t) => {
  const ours = privateService(t);
  const theirs = privateService(t);
  const vault = createKeytarVault({ service: ours });
  const other = createKeytarVault({ service: theirs });
  const account = { serverOrigin: 'https://a.example', userId: 'u1' };
  await keytar.setPassword(theirs, vaultAccountName(account), 'foreign-token');
  await keytar.setPassword(
    theirs,
    'current-account',
    JSON.stringify({ serverOrigin: 'https://evil.example', userId: 'u1' }),
  );
  assert.equal(await vault.getRefreshToken(account), null);
  assert.equal(await vault.getCurrentAccount(), null);
  await vault.setRefreshToken(account, 'our-token');
  assert.equal(await other.getRefreshToken(account), 'foreign-token');
  assert.equal(await keytar.getPassword(ours, vaultAccountName(account)), 'our-token');
  // Deleting ours leaves theirs.
  assert.equal(await vault.deleteRefreshToken(account), true);
  assert.equal(await other.getRefreshToken(account), 'foreign-token');
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
  // Only the three fields come back: nothing else written into the pointer is trusted.
  assert.deepEqual(
    await stored(
      JSON.stringify({
        serverOrigin: 'https://a.example',
        userId: 'u1',
        email: 'a@example.com',
        refreshToken: 'smuggled',
        __proto__: { admin: true },
      }),
    ),
    account,
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

test('keychain failures become KeychainUnavailableError in words a person can act on', async (t) => {
  const account = { serverOrigin: 'https://a.example', userId: 'u1' };
  // Nothing of a failure goes to the logs either (the token least of all): the caller decides
  // what to show, from the typed error.
  const logged = (['log', 'info', 'warn', 'error', 'debug'] as const).map((m) =>
    vi.spyOn(console, m).mockImplementation(() => undefined),
  );
  t.onTestFinished(() => logged.forEach((spy) => spy.mockRestore()));
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
        assert.equal(err.name, 'KeychainUnavailableError');
        assert.equal(err.code, 'keychain_unavailable');
        assert.equal(
          err.message,
          'The system keychain is not available, so Keybridge cannot keep you signed in. ' +
            `To fix it: ${keychainFixStep(process.platform)} Nothing was saved to disk.`,
        );
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
  for (const spy of logged) assert.deepEqual(spy.mock.calls, [], 'nothing logged');
});

test('each system gets its own one fix step for a missing keychain', () => {
  const darwin = keychainFixStep('darwin');
  const win32 = keychainFixStep('win32');
  const linux = keychainFixStep('linux');
  assert.equal(darwin, 'open Keychain Access, unlock the "login" keychain, then try again.');
  assert.equal(
    win32,
    'sign in to Windows with your own account (Credential Manager needs it), then try again.',
  );
  assert.equal(
    linux,
    'start and unlock your keyring (GNOME Keyring or KWallet, from your desktop session), then try again.',
  );
  // Any other Unix (the BSDs) has the same keyrings as Linux.
  assert.equal(keychainFixStep('freebsd'), linux);
  assert.equal(keychainFixStep(''), linux);
});

test('a keychain that never answers is an error after the timeout, naming what was tried', async () => {
  const vault = createKeytarVault({ keytar: failingKeytar(null), timeoutMs: 50 });
  const account = { serverOrigin: 'https://a.example', userId: 'u1' };
  const cases: [() => Promise<unknown>, string][] = [
    [() => vault.getRefreshToken(account), 'read the saved sign-in'],
    [() => vault.setRefreshToken(account, 'secret-refresh-token'), 'save the sign-in'],
    [() => vault.deleteRefreshToken(account), 'remove the saved sign-in'],
    [() => vault.getCurrentAccount(), 'read the current account'],
    [() => vault.setCurrentAccount(account), 'remember the current account'],
    [() => vault.setCurrentAccount(null), 'forget the current account'],
  ];
  for (const [op, what] of cases) {
    await assert.rejects(op(), (err: unknown) => {
      assert.ok(err instanceof KeychainUnavailableError, String(err));
      assert.equal(err.detail, `no answer while trying to ${what}`);
      return true;
    });
  }
});

test('a keychain that answered in time leaves no timer running behind it', async (t) => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  t.onTestFinished(() => void vi.useRealTimers());
  const entries = new Map<string, string>();
  const answering = {
    getPassword: async (_s: string, a: string) => entries.get(a) ?? null,
    setPassword: async (_s: string, a: string, p: string) => void entries.set(a, p),
    deletePassword: async (_s: string, a: string) => entries.delete(a),
  };
  const vault = createKeytarVault({ keytar: answering });
  const account = { serverOrigin: 'https://a.example', userId: 'u1', email: 'a@example.com' };
  await vault.setRefreshToken(account, 'token-1');
  assert.equal(await vault.getRefreshToken(account), 'token-1');
  await vault.setCurrentAccount(account);
  assert.deepEqual(await vault.getCurrentAccount(), account);
  assert.equal(await vault.deleteRefreshToken(account), true);
  // Twenty seconds per call would otherwise pile up while the app reads and writes the vault.
  assert.equal(vi.getTimerCount(), 0, 'every call cleared its timeout');
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
