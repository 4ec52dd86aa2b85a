/**
 * The window Keybridge opens, built through a recording BrowserWindow stub (no Electron binary
 * here): isolation, sandbox, no Node, web security, no webview, the preload given, the app://
 * entry loaded.
 */
import assert from 'node:assert/strict';
import { test } from 'vitest';
import { useElectronStub } from '../fixtures/electron-stub';

const stub = useElectronStub();
const { createMainWindow } = await import('../../../electron/window/main-window');

test('webPreferences: isolation, sandbox, no node, web security, and the app:// entry', () => {
  createMainWindow({
    preloadPath: '/app/out/preload/preload.cjs',
    entryUrl: 'app://keybridge/index.html',
    devTools: false,
    onLoadFailed: () => assert.fail('the load does not fail here'),
  });
  assert.equal(stub.windows.length, 1);
  const [win] = stub.windows;
  const prefs = win!.options.webPreferences as Record<string, unknown>;
  assert.deepEqual(prefs, {
    preload: '/app/out/preload/preload.cjs',
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    disableBlinkFeatures: 'Auxclick',
    spellcheck: false,
    safeDialogs: true,
    // packaged builds: no developer tools (main.ts passes !app.isPackaged)
    devTools: false,
  });
  assert.deepEqual(win!.loaded, ['app://keybridge/index.html']);
});

test('a failed first load is handed to onLoadFailed, never left as an unhandled rejection', async () => {
  const main = stub.main!;
  const failure = Object.assign(new Error('ERR_FAILED (-2) loading app://keybridge/index.html'), {
    code: 'ERR_FAILED',
  });
  main.loadFailure = failure;
  try {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const seen = await new Promise<{ error: unknown; win: unknown }>((resolve) => {
      const win = createMainWindow({
        preloadPath: '/app/out/preload/preload.cjs',
        entryUrl: 'app://keybridge/index.html',
        devTools: true,
        onLoadFailed: (error, w) => resolve({ error, win: w }),
      });
      assert.equal(
        (win as unknown as { options: { webPreferences: { devTools: boolean } } }).options
          .webPreferences.devTools,
        true,
      );
    });
    await new Promise((r) => setImmediate(r));
    process.off('unhandledRejection', onUnhandled);
    assert.equal(seen.error, failure);
    assert.equal(seen.win, stub.windows.at(-1));
    assert.deepEqual(unhandled, []);
  } finally {
    main.loadFailure = null;
  }
});
