/**
 * Electron main process: wiring only (docs/architecture.md §Parts and runtimes). Lifecycle (single instance, quit,
 * activate), the app:// protocol, session and window hardening, and the IPC bridge on top of
 * the handler map. Every decision lives in a plain module under electron/ that is tested
 * under Node; this file only connects them to Electron.
 */
import {
  app,
  BrowserWindow,
  clipboard,
  dialog,
  Menu,
  protocol,
  session,
  shell,
  type WebContents,
} from 'electron';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAppCore, serverUrlFrom, type AppCore } from './app-core';
import { createIpcBridge } from './ipc/ipc-main';
import { createNetworkAgent } from './services/network-agent';
import { ServerUrlError } from './services/server-url';
import { createKeytarVault } from './services/token-vault';
import { applyAppIdentity } from './shell/app-identity';
import {
  BACKGROUND_NOTICE,
  describeError,
  FATAL_NOTICE,
  installCrashPolicy,
  type UserNotice,
} from './shell/crash-policy';
import { appMenuTemplate } from './window/app-menu';
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
import { pickLocale } from './i18n/locale';
import { mainWords } from './i18n/main-words';

const here = path.dirname(fileURLToPath(import.meta.url));
// electron-vite layout: out/main/main.js, out/preload/preload.cjs, out/renderer/index.html
const PRELOAD_PATH = path.join(here, '../preload/preload.cjs');
const RENDERER_ROOT = path.join(here, '../renderer');

// First: the name decides userData and the single-instance lock (see shell/app-identity.ts).
const identity = applyAppIdentity(app, {
  mainDir: here,
  electronVersion: process.versions.electron,
});

// KEYBRIDGE_LOCALE forces the window's language (screenshots, tests, a person who wants it):
// Chromium's --lang sets navigator.languages, which the renderer picks its catalogue from
// (renderer/src/i18n). Without it the OS language decides. Only a language tag is passed on.
const forcedLocale = process.env.KEYBRIDGE_LOCALE?.trim().replace(/_/g, '-');
if (forcedLocale && /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(forcedLocale)) {
  app.commandLine.appendSwitch('lang', forcedLocale);
}

let mainWindow: BrowserWindow | null = null;
let core: AppCore | null = null;

/**
 * The main process's own words (menu, dialogs) in the same language as the window: the
 * forced one, else the OS's preferred languages. Set once the app is ready (getLocale needs it).
 */
let t = mainWords('en');
function chooseLanguage() {
  t = mainWords(pickLocale([forcedLocale, ...app.getPreferredSystemLanguages(), app.getLocale()]));
}

/** The crash policy's two notices (electron/shell/crash-policy.ts) in the app's language. */
function inLanguage(notice: UserNotice): UserNotice {
  if (notice === FATAL_NOTICE)
    return { ...notice, title: t('notice.fatalTitle'), message: t('notice.fatal') };
  if (notice === BACKGROUND_NOTICE)
    return { ...notice, title: t('notice.backgroundTitle'), message: t('notice.background') };
  return notice;
}

function tellUser(said: UserNotice) {
  const notice = inLanguage(said);
  if (notice.severity === 'fatal' || !app.isReady()) {
    // Synchronous and safe before ready (stderr on Linux then): the app is about to exit.
    dialog.showErrorBox(notice.title, notice.message);
    return;
  }
  const box = { type: 'warning' as const, title: notice.title, message: notice.message };
  const shown = mainWindow ? dialog.showMessageBox(mainWindow, box) : dialog.showMessageBox(box);
  shown.catch(() => undefined);
}

const crash = installCrashPolicy(process, {
  log: (line) => console.error(line),
  tell: tellUser,
  exit: (code) => app.exit(code),
});

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
  // Name and a scrubbed message only: no stack, no URL paths, no token-like strings.
  console.error(`[keybridge] ${what}: ${describeError(error)}`);
}

function openExternalIfAllowed(url: string): Promise<void> {
  if (!isAllowedExternalUrl(url, externalOrigins)) return Promise.resolve();
  // Electronegativity flags any non-literal openExternal; this one is checked on the line above
  // (https only, allow-listed origins, no credentials), which is the checklist's fix.
  return shell.openExternal(url); /* eng-disable OPEN_EXTERNAL_JS_CHECK */
}

/** A link the page asked to open (window.open): nobody awaits it, so failure is told here. */
function openLinkFromPage(url: string) {
  openExternalIfAllowed(url).catch((error: unknown) => {
    logError('open link', error);
    tellUser({
      severity: 'warning',
      title: 'Keybridge',
      // Only allow-listed https pages of our own get here, so showing the address is safe.
      message: t('notice.browserFailed', { url }),
    });
  });
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
  // Electron 45: the URL is on the event (the positional argument is deprecated).
  contents.on('will-navigate', (event) => {
    if (!isAllowedNavigation(event.url)) event.preventDefault();
  });
  contents.on('will-redirect', (event) => {
    if (!isAllowedNavigation(event.url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    const decision = decideWindowOpen(url, externalOrigins);
    if (decision.openExternally) openLinkFromPage(decision.openExternally);
    return { action: decision.action };
  });
}

function onLoadFailed(error: unknown, win: BrowserWindow) {
  // Closing the window during its first load aborts it: nothing to tell anyone.
  if (win.isDestroyed()) return;
  logError('window load', error);
  tellUser({
    severity: 'warning',
    title: 'Keybridge',
    message: t('notice.windowFailed'),
  });
}

function createWindow(trust: (contents: WebContents) => void) {
  const win = createMainWindow({
    preloadPath: PRELOAD_PATH,
    entryUrl: APP_ENTRY_URL,
    devTools: !app.isPackaged,
    onLoadFailed,
  });
  trust(win.webContents);
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = null;
  });
  mainWindow = win;
  return win;
}

function networkAgent(localAddress: string | undefined) {
  return createNetworkAgent(serverUrl, {
    resolveProxy: (url) => session.defaultSession.resolveProxy(url),
    localAddress,
  });
}

function showAbout() {
  const box = {
    type: 'info' as const,
    title: t('about.title', { app: identity.name }),
    message: `${identity.name} ${identity.version}`,
    detail: t('about.detail'),
  };
  const shown = mainWindow ? dialog.showMessageBox(mainWindow, box) : dialog.showMessageBox(box);
  shown.catch((error: unknown) => logError('about', error));
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

  app
    .whenReady()
    .then(() => {
      chooseLanguage();
      hardenSession();
      protocol.handle(APP_SCHEME, (request) => serveAppRequest(request.url, RENDERER_ROOT));
      app.setAboutPanelOptions({
        applicationName: identity.name,
        applicationVersion: identity.version,
      });
      Menu.setApplicationMenu(
        Menu.buildFromTemplate(
          appMenuTemplate({
            appName: identity.name,
            platform: process.platform,
            isPackaged: app.isPackaged,
            showAbout,
            t,
          }),
        ),
      );

      const bridge = createIpcBridge(logError);
      // Test knob used by launchDesktop: another source address ("another network").
      const localAddress = process.env.KEYBRIDGE_LOCAL_ADDRESS || undefined;
      core = createAppCore({
        serverUrl,
        emit: bridge.emit,
        clipboard: { writeText: (text) => clipboard.writeText(text) },
        openInBrowser: openExternalIfAllowed,
        app: { version: identity.version, mode: 'electron', platform: process.platform },
        localAddress,
        dataDir: app.getPath('userData'),
        // The system's proxy / PAC settings and CA store, as the person's browser uses them.
        agents: { api: networkAgent(localAddress), socket: networkAgent(localAddress) },
        // Test knob: a keychain service of the test's own, so runs never touch a real entry.
        vault: process.env.KEYBRIDGE_VAULT_SERVICE
          ? createKeytarVault({ service: process.env.KEYBRIDGE_VAULT_SERVICE })
          : undefined,
        logError,
      });
      bridge.register(core.handlers);
      createWindow(bridge.trust);
      core.start().catch((error: unknown) => crash.background('start', error));

      app.on('activate', () => {
        if (BrowserWindow.getAllWindows().length === 0) createWindow(bridge.trust);
      });
    })
    .catch((error: unknown) => crash.fatal('start-up', error));

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  app.on('will-quit', () => {
    core?.close();
    core = null;
  });
}
