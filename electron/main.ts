/**
 * Electron main process: wiring only (DESIGN.md section 5). Lifecycle (single instance, quit,
 * activate), the app:// protocol, session and window hardening, and the IPC bridge on top of
 * the handler map. Every decision lives in a plain module under electron/ that is tested
 * under Node; this file only connects them to Electron.
 */
import {
  app,
  BrowserWindow,
  clipboard,
  protocol,
  session,
  shell,
  type WebContents,
} from 'electron';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAppCore, serverUrlFrom, type AppCore } from './app-core';
import { createIpcBridge } from './ipc/ipc-main';
import { ServerUrlError } from './services/server-url';
import { createKeytarVault } from './services/token-vault';
import {
  APP_ENTRY_URL,
  APP_SCHEME,
  APP_SCHEME_PRIVILEGES,
  serveAppRequest,
} from './window/app-protocol';
import { externalOriginsFor, isAllowedExternalUrl } from './window/external-links';
import { decideWindowOpen, isAllowedNavigation } from './window/navigation';
import {
  denyDevicePermission,
  denyPermissionCheck,
  denyPermissionRequest,
} from './window/permissions';
import { createMainWindow } from './window/main-window';

const here = path.dirname(fileURLToPath(import.meta.url));
// electron-vite layout: out/main/main.js, out/preload/preload.cjs, out/renderer/index.html
const PRELOAD_PATH = path.join(here, '../preload/preload.cjs');
const RENDERER_ROOT = path.join(here, '../renderer');

const serverUrl = serverUrlOrExit();

function serverUrlOrExit(): string {
  try {
    return serverUrlFrom(process.argv, process.env);
  } catch (error) {
    if (!(error instanceof ServerUrlError)) throw error;
    // Before any window exists: one plain line and a usage exit code, like the CLI.
    console.error(`[keybridge] ${error.message}`);
    process.exit(2);
  }
}
const externalOrigins = externalOriginsFor(serverUrl);

// Must happen before `ready`: app:// is a standard, secure scheme (like https, not file://).
protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);

function logError(what: string, error: unknown) {
  // Name and message only: our own errors never carry tokens, and a stack adds nothing for users.
  const e = error as { name?: string; message?: string };
  console.error(`[keybridge] ${what}: ${e?.name ?? 'Error'}: ${e?.message ?? String(error)}`);
}

function openExternalIfAllowed(url: string): Promise<void> {
  if (!isAllowedExternalUrl(url, externalOrigins)) return Promise.resolve();
  // Electronegativity flags any non-literal openExternal; this one is checked on the line above
  // (https only, allow-listed origins, no credentials), which is the checklist's fix.
  return shell.openExternal(url); /* eng-disable OPEN_EXTERNAL_JS_CHECK */
}

function hardenSession() {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler(denyPermissionRequest);
  ses.setPermissionCheckHandler(denyPermissionCheck);
  ses.setDevicePermissionHandler(denyDevicePermission);
  // No CSP header hook here: the only thing the window loads is app://, whose responses carry
  // the CSP (serveAppRequest), and the renderer makes no network requests (connect-src 'none').
}

function hardenContents(contents: WebContents) {
  contents.on('will-navigate', (event, url) => {
    if (!isAllowedNavigation(url)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAllowedNavigation(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    const decision = decideWindowOpen(url, externalOrigins);
    if (decision.openExternally) void openExternalIfAllowed(decision.openExternally);
    return { action: decision.action };
  });
}

let mainWindow: BrowserWindow | null = null;
let core: AppCore | null = null;

function createWindow(trust: (contents: WebContents) => void) {
  const win = createMainWindow({ preloadPath: PRELOAD_PATH, entryUrl: APP_ENTRY_URL });
  trust(win.webContents);
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = null;
  });
  mainWindow = win;
  return win;
}

if (!app.requestSingleInstanceLock()) {
  // Another Keybridge is running: it gets focus (second-instance) and this one leaves.
  app.quit();
} else {
  app.on('second-instance', () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });

  app.on('web-contents-created', (_event, contents) => hardenContents(contents));

  void app.whenReady().then(() => {
    hardenSession();
    protocol.handle(APP_SCHEME, (request) => serveAppRequest(request.url, RENDERER_ROOT));

    const bridge = createIpcBridge(logError);
    core = createAppCore({
      serverUrl,
      emit: bridge.emit,
      clipboard: { writeText: (text) => clipboard.writeText(text) },
      openInBrowser: openExternalIfAllowed,
      app: { version: app.getVersion(), mode: 'electron', platform: process.platform },
      // Test knobs used by launchDesktop: another source address ("another network") and a
      // keychain service of the test's own, so runs never touch a person's real entry.
      localAddress: process.env.KEYBRIDGE_LOCAL_ADDRESS || undefined,
      vault: process.env.KEYBRIDGE_VAULT_SERVICE
        ? createKeytarVault({ service: process.env.KEYBRIDGE_VAULT_SERVICE })
        : undefined,
      logError,
    });
    bridge.register(core.handlers);
    createWindow(bridge.trust);
    void core.start();

    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) createWindow(bridge.trust);
    });
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  app.on('will-quit', () => {
    core?.close();
    core = null;
  });
}
