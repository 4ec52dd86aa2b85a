/**
 * The token vault (electron/services/token-vault.ts) on a real gnome-keyring that is locked,
 * as after the session locked it. No one can answer the unlock prompt here (there is no
 * display): saving is the typed KeychainUnavailableError naming the locked keyring, and
 * reading finds no token, so the app starts signed out instead of crashing; the entries saved
 * before the lock stay in the keyring, locked, for when the person unlocks it.
 *
 * Its own D-Bus session and keyring daemon: locking the keyring of scripts/with-keyring.sh
 * would fail the other keychain files running at the same time. libsecret keeps its bus
 * connection for the life of the process, so this file needs a process of its own (forks pool
 * in vitest.config.ts and vitest.stryker.config.ts) with the address set before the vault first loads keytar.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { afterAll, beforeAll, test } from 'vitest';
import {
  KeychainUnavailableError,
  VAULT_SERVICE,
  createKeytarVault,
} from '../../../electron/services/token-vault';

const run = promisify(execFile);
const home = mkdtempSync(path.join(tmpdir(), 'kb-locked-keyring-'));
const started: ChildProcess[] = [];

/** Starts `command` and resolves with the first stdout line that `match` accepts. */
function startAndRead(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  match: (line: string) => boolean,
): Promise<string> {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'ignore'] });
  started.push(child);
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      if (match(line)) resolve(line);
    });
    child.once('exit', (code) =>
      reject(new Error(`${command} exited (${code}) before it was ready`)),
    );
  });
}

async function secretService(method: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('gdbus', [
    'call',
    '--session',
    '--dest',
    'org.freedesktop.secrets',
    '--object-path',
    '/org/freedesktop/secrets',
    '--method',
    `org.freedesktop.Secret.Service.${method}`,
    ...args,
  ]);
  return stdout;
}

/** Waits until `daemon` owns the Secret Service name on our bus. */
async function untilSecretServiceAnswers(daemon: ChildProcess): Promise<void> {
  for (;;) {
    if (daemon.exitCode !== null)
      throw new Error(`gnome-keyring-daemon exited (${daemon.exitCode})`);
    const { stdout } = await run('gdbus', [
      'call',
      '--session',
      '--dest',
      'org.freedesktop.DBus',
      '--object-path',
      '/org/freedesktop/DBus',
      '--method',
      'org.freedesktop.DBus.NameHasOwner',
      'org.freedesktop.secrets',
    ]);
    if (stdout.includes('true')) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

beforeAll(async () => {
  const env = {
    PATH: process.env.PATH,
    HOME: home,
    XDG_DATA_HOME: path.join(home, 'data'),
    XDG_RUNTIME_DIR: home,
  };
  const address = await startAndRead(
    'dbus-daemon',
    ['--session', '--nofork', '--print-address=1'],
    env,
    (line) => line.startsWith('unix:'),
  );
  // Before keytar loads: libsecret reads the address once, from the real environment.
  process.env.DBUS_SESSION_BUS_ADDRESS = address;
  // The "login" keyring, created and unlocked with a throwaway password (read from stdin), as
  // a desktop session does.
  const keyring = spawn(
    'gnome-keyring-daemon',
    ['--foreground', '--unlock', '--components=secrets'],
    {
      env: { ...env, DBUS_SESSION_BUS_ADDRESS: address },
      stdio: ['pipe', 'ignore', 'ignore'],
    },
  );
  started.push(keyring);
  keyring.stdin.end('keybridge-locked-test');
  await untilSecretServiceAnswers(keyring);
});

afterAll(() => {
  for (const child of started) child.kill();
  rmSync(home, { recursive: true, force: true });
});

test('a locked keyring: saving is KeychainUnavailableError, reading finds nothing, saved entries stay', async () => {
  const service = `${VAULT_SERVICE}.locked-${process.pid}`;
  const vault = createKeytarVault({ service, timeoutMs: 10_000 });
  const account = { serverOrigin: 'https://a.example', userId: 'u1', email: 'a@example.com' };
  // Saved while unlocked, then the keyring locks.
  await vault.setRefreshToken(account, 'token-before-lock');
  await vault.setCurrentAccount(account);
  assert.equal(await vault.getRefreshToken(account), 'token-before-lock');
  await secretService('Lock', "['/org/freedesktop/secrets/collection/login']");

  for (const op of [
    () => vault.setRefreshToken(account, 'secret-refresh-token'),
    () => vault.setCurrentAccount(account),
  ]) {
    await assert.rejects(op(), (err: unknown) => {
      assert.ok(err instanceof KeychainUnavailableError, String(err));
      assert.equal(err.code, 'keychain_unavailable');
      assert.match(err.detail, /^the keyring is missing or locked \[.*locked collection.*\]$/);
      assert.match(err.message, /^The system keychain is not available/);
      assert.ok(!err.message.includes('locked collection'), 'no raw D-Bus text on screen');
      assert.ok(!err.detail.includes('secret-refresh-token'), 'never the token');
      return true;
    });
  }
  // A locked keyring shows no items: the app finds no sign-in and starts signed out.
  assert.equal(await vault.getRefreshToken(account), null);
  assert.equal(await vault.getCurrentAccount(), null);

  // Not deleted: both entries are still in the keyring, locked (SearchItems lists the paths of
  // unlocked items, then of locked ones).
  const found = await secretService('SearchItems', `{'service': '${service}'}`);
  const [unlocked, locked] = [...found.matchAll(/\[([^\]]*)\]/g)].map((m) =>
    m[1]!.split(',').filter((p) => p.includes('/collection/login/')),
  );
  assert.deepEqual([unlocked?.length, locked?.length], [0, 2], found);
});
