/**
 * No keychain (electron/services/token-vault.ts): with D-Bus pointed at nothing, the real keytar vault
 * cannot reach any Secret Service. The handler map must say so (keychain:status banner), start
 * signed out, refuse to complete a sign-in it cannot keep — ending the server session it just
 * got instead of leaving an orphan — and write nothing to disk in its place.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, test } from 'vitest';
import type { TestServer } from '../../support/server';

// Before keytar is loaded anywhere in this process: no Secret Service is reachable, and the
// places a fallback file could land are this empty directory.
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'keybridge-nokeychain-'));
process.env.DBUS_SESSION_BUS_ADDRESS = `unix:path=${path.join(home, 'no-bus')}`;
process.env.XDG_DATA_HOME = path.join(home, 'data');
process.env.XDG_CONFIG_HOME = path.join(home, 'config');
process.env.XDG_RUNTIME_DIR = home;

const { dispatch } = await import('../../../electron/ipc/dispatch');
const { createHandlerMap } = await import('../../../electron/ipc/handlers');
const { createApiClient } = await import('../../../electron/services/api-client');
const { createQrLogin } = await import('../../../electron/services/qr-login');
const { createSessionManager } = await import('../../../electron/services/session');
const { createKeytarVault } = await import('../../../electron/services/token-vault');
const { startTestServer } = await import('../../support/server');

let server: TestServer;
const PASSWORD = 'no keychain password 1';

beforeAll(async () => {
  server = await startTestServer({ logLevel: 'warn' });
});
afterAll(async () => {
  await server?.close();
  fs.rmSync(home, { recursive: true, force: true });
});

test('no keychain: banner, signed out, sign-in refused and its server session ended, no file', async (t) => {
  const api = createApiClient({ serverUrl: server.url });
  t.onTestFinished(() => api.close());
  const vault = createKeytarVault({
    service: `com.keybridge.desktop.test-nokeychain-${randomBytes(4).toString('hex')}`,
    timeoutMs: 10_000,
  });
  const session = createSessionManager({ api, vault });
  const events: { channel: string; payload: unknown }[] = [];
  const core = createHandlerMap({
    api,
    vault,
    session,
    qrLogins: ({ purpose }) => createQrLogin({ serverUrl: server.url, api, session, purpose }),
    clipboard: { writeText: async () => undefined },
    openInBrowser: async () => undefined,
    externalOrigins: [],
    device: { name: 'no-keychain-test', platform: 'Linux' },
    app: { version: '0.0.0-test', mode: 'browser', platform: 'linux' },
    emit: (channel, payload) => events.push({ channel, payload }),
  });
  t.onTestFinished(() => core.dispose());
  const call = (channel: Parameters<typeof dispatch>[1], args?: unknown) =>
    dispatch(core.handlers, channel, args === undefined ? [] : [args], { senderId: 1 });

  const started = await core.start();
  assert.equal(started.status, 'signed-out');
  const banner = events.find((e) => e.channel === 'keychain:status')?.payload as {
    available: boolean;
    message: string;
  };
  assert.equal(banner?.available, false);
  assert.match(banner.message, /keychain is not available/);
  const status = await call('keychain:status');
  assert.equal(status.ok && (status.value as { available: boolean }).available, false);

  const email = `nokeychain-${randomBytes(3).toString('hex')}@example.com`;
  await api.signUp(email, PASSWORD);
  const signIn = await call('auth:password', { email, password: PASSWORD });
  assert.equal(!signIn.ok && signIn.error.code, 'keychain_unavailable');
  assert.match(!signIn.ok ? signIn.error.message : '', /Nothing was saved to disk/);
  assert.equal(session.snapshot().status, 'signed-out');

  // The server session the sign-in created was ended again: of the desktop sessions only the
  // one opened here to look is left (sign-up's own web session does not count).
  const check = await api.passwordLogin({ email, password: PASSWORD });
  const { sessions } = await api.sessions(check.accessToken);
  assert.deepEqual(
    sessions.filter((s) => s.client === 'desktop').map((s) => s.current),
    [true],
    'no orphan desktop session on the server',
  );

  const written = fs.readdirSync(home, { recursive: true });
  assert.deepEqual(written, [], `files written instead of the keychain: ${written.join(', ')}`);
});
