/**
 * The preload's exposed surface: loaded with a recording `electron` stub, it must expose
 * exactly the contract's methods and subscriptions under window.keybridge — no ipcRenderer,
 * no generic invoke — and each method must reach exactly its own channel.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'vitest';
import { REPO_ROOT } from '../../support/renderer-static';
import { useElectronStub } from '../fixtures/electron-stub';

const stub = useElectronStub();
const contract = await import('../../../electron/ipc/contract');
await import('../../../electron/preload');

const exposedApi = () => {
  assert.deepEqual([...stub.exposed.keys()], ['keybridge'], 'exactly one global is exposed');
  return stub.exposed.get('keybridge') as Record<string, (...a: unknown[]) => unknown>;
};

test('exposes exactly the contract methods and subscriptions, all functions, frozen', () => {
  const api = exposedApi();
  assert.deepEqual(Object.keys(api).sort(), contract.apiKeys);
  // The contract itself must not have grown a generic door.
  for (const key of Object.keys(api)) {
    assert.doesNotMatch(key, /^(invoke|send|on|ipc|ipcRenderer|emit|request)$/i);
    assert.equal(typeof api[key], 'function', key);
  }
  assert.ok(Object.isFrozen(api), 'a page script cannot add or swap methods');
  // Pinned by hand: growing the renderer's reach must be a deliberate edit here too.
  assert.deepEqual(Object.keys(api).sort(), [
    'cancelQr',
    'changePassword',
    'confirmPhone',
    'confirmTotp',
    'copyQrLink',
    'deletePasskey',
    'disableTotp',
    'getAccount',
    'getAppInfo',
    'getKeychainStatus',
    'getSession',
    'listActivity',
    'listPasskeys',
    'listSessions',
    'onKeychainStatus',
    'onQrState',
    'onSessionChanged',
    'openExternal',
    'renamePasskey',
    'restoreSession',
    'revokeOtherSessions',
    'revokeSession',
    'setupTotp',
    'signInWithPassword',
    'signOut',
    'startAddPasskey',
    'startQrSignIn',
    'startStepUpWithPhone',
    'stepUp',
    'submitReverseCode',
  ]);
});

test('each method invokes its own channel with at most the one argument given', async () => {
  const api = exposedApi();
  for (const [name, channel] of Object.entries(contract.ApiMethods)) {
    stub.invokes.length = 0;
    await api[name]!();
    assert.deepEqual(stub.invokes, [{ channel, args: [] }], name);
  }
  stub.invokes.length = 0;
  await api.renamePasskey!({ id: 'abcdefgh', name: 'Work phone' }, 'extra', 'more');
  assert.deepEqual(stub.invokes, [
    { channel: 'passkeys:rename', args: [{ id: 'abcdefgh', name: 'Work phone' }] },
  ]);
});

test('subscriptions pass the payload only (never the IPC event) and unsubscribe', () => {
  const api = exposedApi();
  for (const [name, channel] of Object.entries(contract.ApiEvents)) {
    const seen: unknown[][] = [];
    const off = api[name]!((...args: unknown[]) => seen.push(args)) as () => void;
    const listeners = stub.rendererListeners.get(channel);
    assert.equal(listeners?.size, 1, `${name} listens on ${channel}`);
    const fakeEvent = { sender: { send() {} }, ports: [] };
    for (const l of listeners!) l(fakeEvent, { status: 'idle' });
    assert.deepEqual(seen, [[{ status: 'idle' }]], `${name} delivers only the payload`);
    off();
    assert.equal(stub.rendererListeners.get(channel)?.size, 0, `${name} unsubscribed`);
  }
});

test('a subscription without a function is refused', () => {
  const api = exposedApi();
  assert.throws(() => api.onQrState!('not a function'), TypeError);
});

test('the preload bundles sandbox-safe: only electron required, the plain IPC names, no zod', async () => {
  // The same bundler electron-vite uses (vite), on the preload entry alone: what the sandbox
  // gets. test/electron/main/package-contents.test.ts checks the packaged file the same way.
  const { build } = await import('vite');
  const out = await build({
    configFile: false,
    logLevel: 'silent',
    build: {
      write: false,
      minify: false,
      lib: { entry: path.join(REPO_ROOT, 'electron', 'preload.ts'), formats: ['cjs'] },
      rollupOptions: { external: ['electron'] },
    },
  });
  const [result] = Array.isArray(out) ? out : [out];
  assert.ok(result && 'output' in result, 'one bundle');
  const code = result.output.map((c) => ('code' in c ? c.code : '')).join('\n');
  const required = [...code.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1]);
  assert.deepEqual([...new Set(required)], ['electron']);
  assert.doesNotMatch(code, /ZodError|\$ZodType|safeParse|node:/);
  // The names came along (electron/shared/ipc-channels.ts), and the contract's schemas did not.
  assert.match(code, /passkeys:addStart/);
  assert.ok(code.length < 10 * 1024, `preload bundle is ${code.length} bytes`);
});
