/**
 * "Copy link" against Electron 45's clipboard, whose writeText returns a Promise (Electron 44
 * breaking change): the recording stub writes on a later turn and can fail like the real one.
 * The handler map runs with the same clipboard wiring as electron/main.ts and a QR flow that
 * shows a link (the rest of the flow is covered in handlers.test.ts with the real server).
 *
 * With a handler that does not await the write, "Copied" comes before the text is there, and
 * a failed write is an unhandled rejection instead of an error the UI can show.
 */
import assert from 'node:assert/strict';
import { test } from 'vitest';
import type { HandlerMap } from '../../../electron/ipc/contract';
import type { QrLogin } from '../../../electron/services/qr-login';
import { useElectronStub } from '../fixtures/electron-stub';

const stub = useElectronStub();
const electron = (await import('electron')) as unknown as {
  clipboard: { writeText(text: string): Promise<void> };
};
const { createHandlerMap } = await import('../../../electron/ipc/handlers');
const { dispatch } = await import('../../../electron/ipc/dispatch');
const main = stub.main!;

const LINK = 'https://exchange.localhost/m/#pair=v1.secret-part-that-must-not-leak';

type Handlers = HandlerMap;

function showingLink(): QrLogin {
  const state = { status: 'waiting-for-scan' as const, link: LINK, expiresAt: Date.now() + 60_000 };
  return {
    state,
    subscribe(listener) {
      listener(state);
      return () => undefined;
    },
    finished: new Promise(() => undefined),
    submitCode: async () => state,
    confirmPhone: async () => undefined,
    cancellable: true,
    cancel: async () => undefined,
  };
}

function handlers(logged: unknown[]): Handlers {
  const core = createHandlerMap({
    api: { serverUrl: 'http://127.0.0.1:1' } as never,
    vault: {} as never,
    session: {
      onChange: () => () => undefined,
      snapshot: () => ({ status: 'signed-out' }),
    } as never,
    qrLogins: () => showingLink(),
    // exactly electron/main.ts's wiring
    clipboard: { writeText: (text) => electron.clipboard.writeText(text) },
    openInBrowser: async () => undefined,
    externalOrigins: [],
    device: { name: 'clipboard-test', platform: 'Linux' },
    app: { version: '0.0.0-test', mode: 'electron', platform: 'linux' },
    emit: () => undefined,
    logError: (what, error) => logged.push({ what, error }),
  });
  return core.handlers;
}

const call = (h: Handlers, channel: 'qr:start' | 'qr:copyLink') =>
  dispatch(h, channel, [], { senderId: 1 });

test('the stub clipboard is asynchronous like Electron 44+: the text lands later, failures reject', async () => {
  main.clipboard.length = 0;
  const pending = electron.clipboard.writeText('x');
  assert.ok(pending instanceof Promise, 'writeText returns a Promise');
  assert.deepEqual(main.clipboard, [], 'nothing written yet in the same turn');
  await pending;
  assert.deepEqual(main.clipboard, ['x']);
  main.clipboardFailure = new Error('no clipboard owner (Wayland)');
  try {
    await assert.rejects(electron.clipboard.writeText('y'), /no clipboard owner/);
  } finally {
    main.clipboardFailure = null;
  }
});

test('"Copied" is answered only once the link is on the clipboard', async () => {
  const h = handlers([]);
  await call(h, 'qr:start');
  main.clipboard.length = 0;
  const answer = await call(h, 'qr:copyLink');
  assert.deepEqual(answer, { ok: true, value: { done: true } });
  assert.deepEqual(main.clipboard, [LINK], 'the write finished before the answer');
});

test('a failed clipboard write is an error the UI can show, not an unhandled rejection', async () => {
  const logged: unknown[] = [];
  const h = handlers(logged);
  await call(h, 'qr:start');
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  main.clipboardFailure = new Error('no clipboard owner (Wayland)');
  try {
    const answer = await call(h, 'qr:copyLink');
    assert.equal(answer.ok, false);
    assert.ok(!answer.ok);
    assert.match(answer.error.message, /clipboard/i);
    assert.doesNotMatch(JSON.stringify(answer), /secret-part/, 'the link never reaches the UI');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(unhandled, []);
    assert.equal(logged.length, 1, 'the failure is logged once');
  } finally {
    main.clipboardFailure = null;
    process.off('unhandledRejection', onUnhandled);
  }
});
