/**
 * electron/main.ts wired against a recording `electron` stub (no binary here): before ready it
 * registers app:// as a privileged scheme; on ready it denies every permission, serves app://
 * from the built renderer with the CSP, registers a handler for every contract channel, opens
 * one window on app://keybridge and trusts only it; every web contents refuses navigation
 * away, webviews and new windows, and only allow-listed links reach the system browser.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'vitest';
import { useElectronStub } from '../fixtures/electron-stub';

const stub = useElectronStub();
// The app's keychain entries go to a service of this test's own.
process.env.KEYBRIDGE_VAULT_SERVICE = `com.keybridge.desktop.test-main-${randomBytes(4).toString('hex')}`;
const listenersBefore = {
  rejection: process.listeners('unhandledRejection'),
  exception: process.listeners('uncaughtException'),
};
await import('../../../electron/main');
const { RequestSchemas } = await import('../../../electron/ipc/contract');
const { RENDERER_CSP } = await import('../../../electron/window/csp');
const { app } = (await import('electron')) as unknown as {
  app: { name: string; emit(event: string, ...args: unknown[]): void };
};
const main = stub.main!;
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };

test('first thing: the app is named Keybridge with its own userData, not "Electron"', () => {
  assert.equal(app.name, 'Keybridge');
  assert.equal(main.paths.userData, '/stub/appData/Keybridge');
});

test('the crash policy is installed on the process before anything else can fail', () => {
  // the test runner adds handlers of its own once tests run; ours are the ones main.ts added.
  const ours = (event: 'unhandledRejection' | 'uncaughtException') => {
    const before =
      event === 'unhandledRejection' ? listenersBefore.rejection : listenersBefore.exception;
    const now: unknown[] =
      event === 'unhandledRejection'
        ? process.listeners('unhandledRejection')
        : process.listeners('uncaughtException');
    return now.filter(
      (l) =>
        !(before as unknown[]).includes(l) &&
        /unhandled rejection|uncaught exception/.test(String(l)),
    );
  };
  const added = ours('unhandledRejection');
  assert.equal(added.length, 1);
  assert.equal(ours('uncaughtException').length, 1);
  // Called directly: emitting it would also reach the test runner's own handler.
  const errors: string[] = [];
  const consoleError = console.error;
  console.error = (line: string) => void errors.push(line);
  try {
    (added[0] as (reason: unknown) => void)(new Error('lost https://evil.example/a?t=secret'));
  } finally {
    console.error = consoleError;
  }
  assert.deepEqual(errors, ['[keybridge] unhandled rejection: Error: lost https://evil.example/…']);
  // Before ready the notice goes to showErrorBox (stderr on Linux), plain words only.
  assert.equal(main.dialogs.length, 1);
  assert.doesNotMatch(main.dialogs[0]!.message, /evil|secret|Error/);
  assert.equal(main.exitCode, undefined, 'a stray rejection does not end the app');
  main.dialogs.length = 0;
});

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
  // Our version, not Electron's (the stub reports 45.4.1 like a file launch does).
  assert.equal(fromWindow.ok && (fromWindow.value as { version?: string }).version, pkg.version);
  assert.equal(prefs.devTools, true, 'dev (unpackaged) build: devTools on; packaged: off');
  assert.deepEqual(main.aboutPanel, {
    applicationName: 'Keybridge',
    applicationVersion: pkg.version,
  });
  const menu = main.menu!.template.map((m) => m.label);
  assert.ok(menu.includes('Edit'), 'an application menu of our own replaces the default');
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

  // Electron 45 shape: the URL is on the event; the deprecated positional URL is left out so
  // code still reading it would see undefined.
  const navigate = (event: string, url: string) => {
    let prevented = false;
    contents.emit(event, { url, preventDefault: () => (prevented = true) });
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

test('a link the system cannot open is logged and told, never an unhandled rejection', async () => {
  const { WebContentsStub } = (await import('electron')) as unknown as {
    WebContentsStub: new (id: number) => {
      windowOpenHandler?: (d: { url: string }) => { action: string };
    };
  };
  const contents = new WebContentsStub(43);
  app.emit('web-contents-created', {}, contents);
  main.openFailure = new Error('Failed to open: no handler for https');
  main.dialogs.length = 0;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.prependListener('unhandledRejection', onUnhandled);
  const errors: string[] = [];
  const consoleError = console.error;
  console.error = (line: string) => void errors.push(line);
  try {
    contents.windowOpenHandler!({ url: 'https://keybridge.localhost/help' });
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
  } finally {
    console.error = consoleError;
    main.openFailure = null;
    process.off('unhandledRejection', onUnhandled);
  }
  assert.deepEqual(unhandled, []);
  assert.deepEqual(errors, ['[keybridge] open link: Error: Failed to open: no handler for https']);
  assert.equal(main.dialogs.length, 1);
  assert.match(main.dialogs[0]!.message, /could not open your web browser/);
});

test('quitting closes the core', () => {
  app.emit('will-quit');
  app.emit('window-all-closed');
  assert.equal(main.quitCalled, process.platform !== 'darwin');
});
