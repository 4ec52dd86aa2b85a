/**
 * The one Keybridge window. Its webPreferences are spelled out literally, even where
 * Electron's default already agrees (Electron checklist items 2-4, 6, 8-10),
 * so a careless edit shows up in review, in Electronegativity (which reads this literal) and in
 * the unit test (which records the options through a stubbed BrowserWindow).
 */
import { BrowserWindow } from 'electron';

export type MainWindowOptions = {
  preloadPath: string;
  entryUrl: string;
  /** false in packaged builds (`!app.isPackaged`): no developer tools, whatever the menu says */
  devTools: boolean;
  /**
   * The first load failed (loadURL rejects on did-fail-load, e.g. ERR_ABORTED when the window
   * closes mid-load). Without a handler that rejection would reach Electron's error dialog.
   */
  onLoadFailed: (error: unknown, win: BrowserWindow) => void;
};

export function createMainWindow({
  preloadPath,
  entryUrl,
  devTools,
  onLoadFailed,
}: MainWindowOptions): BrowserWindow {
  const win = new BrowserWindow({
    width: 960,
    height: 720,
    minWidth: 420,
    minHeight: 560,
    title: 'Keybridge',
    show: false,
    webPreferences: {
      // Reviewed (Electronegativity asks for a manual review of every preload): it exposes only
      // the contract's named methods; test/electron/preload/preload.test.ts pins that surface.
      preload: preloadPath /* eng-disable PRELOAD_JS_CHECK */,
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
      // Middle-click would otherwise try to open links in a new window.
      disableBlinkFeatures: 'Auxclick',
      spellcheck: false,
      safeDialogs: true,
      devTools,
    },
  });
  win.once('ready-to-show', () => win.show());
  win.loadURL(entryUrl).catch((error: unknown) => onLoadFailed(error, win));
  return win;
}
