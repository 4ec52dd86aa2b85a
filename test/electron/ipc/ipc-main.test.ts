/**
 * The IPC wrapper in the main process, with ipcMain recorded by a stub (no Electron binary
 * here): every contract channel is registered; calls from a foreign frame, an unknown window
 * or a look-alike origin are refused before any handler runs; bad arguments come back as an
 * invalid_arguments error instead of a crash; events reach trusted windows only.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'vitest';
import type { HandlerMap } from '../../../electron/ipc/contract';
import { useElectronStub } from '../fixtures/electron-stub';

const stub = useElectronStub();
const { createIpcBridge } = await import('../../../electron/ipc/ipc-main');
const { RequestSchemas } = await import('../../../electron/ipc/contract');

/** A handler map that records which channels actually ran. */
function recordingHandlers() {
  const ran: string[] = [];
  const handlers = Object.fromEntries(
    Object.keys(RequestSchemas).map((channel) => [
      channel,
      async (args: unknown) => {
        ran.push(channel);
        if (channel === 'passkeys:rename') return { done: true, echo: args };
        if (channel === 'sessions:list') throw new Error('database at /secret/path exploded');
        return { done: true };
      },
    ]),
  ) as unknown as HandlerMap;
  return { handlers, ran };
}

class FakeContents extends EventEmitter {
  sent: { channel: string; payload: unknown }[] = [];
  destroyed = false;
  constructor(readonly id: number) {
    super();
  }
  isDestroyed() {
    return this.destroyed;
  }
  send(channel: string, payload: unknown) {
    this.sent.push({ channel, payload });
  }
}

const logged: string[] = [];
const bridge = createIpcBridge((channel) => logged.push(channel));
const { handlers, ran } = recordingHandlers();
bridge.register(handlers);
const trustedWindow = new FakeContents(7);
bridge.trust(trustedWindow as never);

function call(
  channel: string,
  sender: { id: number; frameUrl: string | null; child?: boolean },
  ...args: unknown[]
) {
  const handler = stub.mainHandlers.get(channel);
  assert.ok(handler, `${channel} registered`);
  const event = {
    sender: { id: sender.id },
    senderFrame:
      sender.frameUrl === null
        ? null
        : { url: sender.frameUrl, parent: sender.child ? { url: 'app://keybridge/' } : null },
  };
  return handler(event, ...args) as Promise<{
    ok: boolean;
    error?: { code: string; message: string };
  }>;
}

const APP = { id: 7, frameUrl: 'app://keybridge/index.html' };

test('every contract channel has exactly one handler', () => {
  assert.deepEqual([...stub.mainHandlers.keys()].sort(), Object.keys(RequestSchemas).sort());
});

test('the app frame in the trusted window is answered', async () => {
  ran.length = 0;
  assert.deepEqual(await call('session:get', APP), { ok: true, value: { done: true } });
  assert.deepEqual(ran, ['session:get']);
});

test('foreign frames, unknown windows and look-alike origins are refused before the handler', async () => {
  ran.length = 0;
  const refused = [
    { id: 7, frameUrl: 'https://evil.example/' },
    { id: 7, frameUrl: 'app://keybridge.evil/index.html' },
    { id: 7, frameUrl: 'app://evil/index.html' },
    { id: 7, frameUrl: 'file:///work/main/out/renderer/index.html' },
    { id: 7, frameUrl: 'http://127.0.0.1:5173/' },
    { id: 7, frameUrl: null },
    { id: 8, frameUrl: 'app://keybridge/index.html' },
    { id: 7, frameUrl: 'app://keybridge/index.html', child: true },
  ];
  for (const sender of refused) {
    const result = await call('auth:signOut', sender);
    assert.equal(result.ok, false, JSON.stringify(sender));
    assert.equal(result.error?.code, 'forbidden_sender', JSON.stringify(sender));
  }
  assert.deepEqual(ran, [], 'no handler ran for a refused sender');
});

test('bad arguments become invalid_arguments without running the handler or throwing', async () => {
  ran.length = 0;
  const bad: [string, unknown[]][] = [
    ['passkeys:rename', [{ id: 'abcdefgh' }]],
    ['passkeys:rename', [{ id: '../../etc', name: 'x' }]],
    ['passkeys:rename', [{ id: 'abcdefgh', name: 'x', admin: true }]],
    ['qr:submitCode', [{ code: '12345' }]],
    ['qr:confirmPhone', []],
    ['qr:confirmPhone', [{ yes: 'true' }]],
    ['qr:confirmPhone', [{ yes: true, phone: 'Chrome on Android' }]],
    ['qr:copyLink', [{ purpose: 'sign-in' }]],
    ['auth:password', [{ email: 'not-an-email', password: 'pw' }]],
    ['session:get', [{ unexpected: 1 }]],
    ['passkeys:rename', [{ id: 'abcdefgh', name: 'ok' }, 'second argument']],
    ['shell:openExternal', ['https://keybridge.localhost/help']],
  ];
  for (const [channel, args] of bad) {
    const result = await call(channel, APP, ...args);
    assert.equal(result.ok, false, `${channel} ${JSON.stringify(args)}`);
    assert.equal(result.error?.code, 'invalid_arguments', `${channel} ${JSON.stringify(args)}`);
  }
  assert.deepEqual(ran, []);
  // The message names the field, never the value (it could be a password).
  const pw = await call('auth:password', APP, { email: 'a@b.example', password: '' });
  assert.match(pw.error!.message, /password/);
  const leaked = await call('auth:password', APP, { email: 'x', password: 'hunter2-secret' });
  assert.doesNotMatch(leaked.error!.message, /hunter2-secret/);
});

test('good arguments reach the handler parsed', async () => {
  const result = await call('passkeys:rename', APP, { id: 'abcdefgh', name: '  Work phone ' });
  assert.deepEqual(result, {
    ok: true,
    value: { done: true, echo: { id: 'abcdefgh', name: 'Work phone' } },
  });
});

test('an unexpected error becomes a generic internal error; the details stay in main', async () => {
  logged.length = 0;
  const result = await call('sessions:list', APP);
  assert.equal(result.ok, false);
  assert.equal(result.error?.code, 'internal');
  assert.doesNotMatch(result.error!.message, /secret|exploded/);
  assert.deepEqual(logged, ['sessions:list']);
});

test('events reach trusted live windows only', () => {
  const other = new FakeContents(9);
  const second = new FakeContents(10);
  bridge.trust(second as never);
  bridge.emit('qr:state', { status: 'idle', purpose: 'sign-in' });
  assert.equal(trustedWindow.sent.length, 1);
  assert.equal(second.sent.length, 1);
  assert.equal(other.sent.length, 0);
  second.emit('destroyed');
  bridge.emit('keychain:status', { available: true, backend: null, message: null });
  assert.equal(second.sent.length, 1, 'a closed window is forgotten');
  assert.equal(trustedWindow.sent.length, 2);
  trustedWindow.destroyed = true;
  bridge.emit('keychain:status', { available: true, backend: null, message: null });
  assert.equal(trustedWindow.sent.length, 2, 'a destroyed window is never sent to');
});

test('dispose removes every handler', () => {
  bridge.dispose();
  assert.equal(stub.mainHandlers.size, 0);
});
