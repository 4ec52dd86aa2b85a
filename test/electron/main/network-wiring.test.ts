/**
 * The app core's connections behind a proxy: the same createAppCore main.ts runs, with the
 * agents main.ts makes (network-agent + the stub session's resolveProxy), against the real
 * server and a real CONNECT proxy. A QR sign-in start needs the API (create the pairing) and
 * the relay websocket: both must go through the proxy.

 */
import assert from 'node:assert/strict';
import { test } from 'vitest';
import type { QrView } from '../../../electron/ipc/contract';
import { useElectronStub } from '../fixtures/electron-stub';
import { startConnectProxy } from '../support/connect-proxy';

const stub = useElectronStub();
const { session } = (await import('electron')) as unknown as {
  session: { defaultSession: { resolveProxy(url: string): Promise<string> } };
};
const { createAppCore } = await import('../../../electron/app-core');
const { createNetworkAgent } = await import('../../../electron/services/network-agent');
const { createMemoryVault } = await import('../../../electron/services/token-vault');
const { startTestServer } = await import('../../support/server');

test('API calls and the relay socket of a QR sign-in go through the system proxy', async (t) => {
  const server = await startTestServer({ logLevel: 'warn' });
  t.onTestFinished(() => server.close());
  const proxy = await startConnectProxy();
  t.onTestFinished(() => proxy.close());
  stub.main!.proxyFor = () => `PROXY ${proxy.host}:${proxy.port}`;
  t.onTestFinished(() => void (stub.main!.proxyFor = () => 'DIRECT'));

  const resolveProxy = (url: string) => session.defaultSession.resolveProxy(url);
  let showing: (v: QrView) => void = () => undefined;
  const shown = new Promise<QrView>((resolve) => (showing = resolve));
  const core = createAppCore({
    serverUrl: server.url,
    emit: (channel, payload) => {
      if (channel === 'qr:state' && (payload as QrView).status === 'waiting-for-scan') {
        showing(payload as QrView);
      }
    },
    clipboard: { writeText: async () => undefined },
    openInBrowser: async () => undefined,
    app: { version: '0.0.0-test', mode: 'electron', platform: process.platform },
    vault: createMemoryVault(),
    agents: {
      api: createNetworkAgent(server.url, { resolveProxy }),
      socket: createNetworkAgent(server.url, { resolveProxy }),
    },
  });
  t.onTestFinished(() => core.close());

  await core.handlers['qr:start'](undefined, { senderId: 1 });
  await shown;
  const target = new URL(server.url).host;
  assert.ok(proxy.tunnels.length >= 2, `tunnels: ${JSON.stringify(proxy.tunnels)}`);
  assert.ok(proxy.tunnels.every((x) => x.target === target));
});
