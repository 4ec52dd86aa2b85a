/**
 * electron/main.ts wired against a recording `electron` stub (no binary here): before ready it
 * registers app:// as a privileged scheme; on ready it denies every permission, serves app://
 * from the built renderer with the CSP, registers a handler for every contract channel, opens
 * one window on app://keybridge and trusts only it; every web contents refuses navigation
 * away, webviews and new windows, and only allow-listed links reach the system browser.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { useElectronStub } from './fixtures/electron-stub';

const stub = useElectronStub();
// The app's keychain entries go to a service of this test's own.
process.env.KEYBRIDGE_VAULT_SERVICE = `com.keybridge.desktop.test-main-${randomBytes(4).toString('hex')}`;
await import('../../electron/main');
const { RequestSchemas } = await import('../../electron/ipc/contract');
const { RENDERER_CSP } = await import('../../electron/window/csp');
const { app } = (await import('electron')) as unknown as {
  app: { emit(event: string, ...args: unknown[]): void };
};
const main = stub.main!;

test('before ready: app:// is a standard, secure scheme; nothing else happened yet', () => {
  assert.deepEqual(main.privileged, [
    {
      scheme: 'app',
      privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: false },
    },
  ]);
  assert.equal(stub.windows.length, 0);
  assert.equal(stub.mainHandlers.size, 0);
});

test('on ready: permissions denied, app:// served with the CSP, handlers, one trusted window', async () => {
  main.fireReady();
  await main.ready;
  // whenReady().then(...) runs on the next turn.
  await new Promise((r) => setImmediate(r));

  let granted: boolean | undefined;
  main.permissionRequest!({}, 'media', (g) => (granted = g));
  assert.equal(granted, false);
  assert.equal(main.permissionCheck!(), false);
  assert.equal(main.devicePermission!(), false);

  const serve = main.protocols.get('app');
  assert.ok(serve, 'app:// has a handler');
  const res = await serve(new Request('app://keybridge/../../etc/passwd'));
  assert.equal(res.status, 404);
  assert.equal(res.headers.get('content-security-policy'), RENDERER_CSP);

  assert.deepEqual([...stub.mainHandlers.keys()].sort(), Object.keys(RequestSchemas).sort());

  assert.equal(stub.windows.length, 1);
  const [win] = stub.windows;
  assert.deepEqual(win!.loaded, ['app://keybridge/index.html']);
  const prefs = win!.options.webPreferences as Record<string, unknown>;
  assert.match(
    String(prefs.preload),
    /out[/\\]preload[/\\]preload\.cjs$|preload[/\\]preload\.cjs$/,
  );

  // The window is trusted: a call from its app:// frame is answered...
  const handler = stub.mainHandlers.get('app:info')!;
  const fromWindow = (await handler({
    sender: { id: win!.webContents.id },
    senderFrame: { url: 'app://keybridge/index.html', parent: null },
  })) as { ok: boolean; value?: { mode: string } };
  assert.equal(fromWindow.ok && fromWindow.value?.mode, 'electron');
  // ...and any other web contents is not.
  const fromOther = (await handler({
    sender: { id: 99 },
    senderFrame: { url: 'app://keybridge/index.html', parent: null },
  })) as { ok: boolean; error?: { code: string } };
  assert.equal(fromOther.error?.code, 'forbidden_sender');
});

test('every web contents refuses navigation, webviews and new windows', async () => {
  const { WebContentsStub } = (await import('electron')) as unknown as {
    WebContentsStub: new (id: number) => {
      emit(event: string, ...args: unknown[]): void;
      windowOpenHandler?: (d: { url: string }) => { action: string };
    };
  };
  const contents = new WebContentsStub(42);
  app.emit('web-contents-created', {}, contents);

  const navigate = (event: string, url: string) => {
    let prevented = false;
    contents.emit(event, { preventDefault: () => (prevented = true) }, url);
    return prevented;
  };
  assert.equal(navigate('will-navigate', 'https://evil.example/'), true);
  assert.equal(navigate('will-navigate', 'file:///etc/passwd'), true);
  assert.equal(navigate('will-redirect', 'https://evil.example/'), true);
  assert.equal(navigate('will-navigate', 'app://keybridge/index.html'), false);
  assert.equal(navigate('will-attach-webview', 'app://keybridge/'), true);

  main.opened.length = 0;
  assert.deepEqual(contents.windowOpenHandler!({ url: 'https://evil.example/' }), {
    action: 'deny',
  });
  assert.deepEqual(contents.windowOpenHandler!({ url: 'https://keybridge.localhost/help' }), {
    action: 'deny',
  });
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(main.opened, ['https://keybridge.localhost/help'], 'only the allow-listed link');
});

test('quitting closes the core', () => {
  app.emit('will-quit');
  app.emit('window-all-closed');
  assert.equal(main.quitCalled, process.platform !== 'darwin');
});
