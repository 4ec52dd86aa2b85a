/**
 * The window Keybridge opens, built through a recording BrowserWindow stub (no Electron binary
 * here): isolation, sandbox, no Node, web security, no webview, the preload given, the app://
 * entry loaded.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useElectronStub } from './fixtures/electron-stub';

const stub = useElectronStub();
const { createMainWindow } = await import('../../electron/window/main-window');

test('webPreferences: isolation, sandbox, no node, web security, and the app:// entry', () => {
  createMainWindow({
    preloadPath: '/app/out/preload/preload.cjs',
    entryUrl: 'app://keybridge/index.html',
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
  });
  assert.deepEqual(win!.loaded, ['app://keybridge/index.html']);
});
