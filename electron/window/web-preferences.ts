/**
 * The one set of webPreferences every Keybridge window uses (DESIGN.md section 5; Electron
 * checklist items 2-4, 6, 8-10). Spelled out even where Electron's default already agrees, so
 * a future default change or a careless edit shows up in review and in the unit test.
 */
export function secureWebPreferences(preloadPath: string) {
  return {
    preload: preloadPath,
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
    spellcheck: false,
    safeDialogs: true,
  } as const;
}
