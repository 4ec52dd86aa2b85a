/**
 * The application menu. Without one, Electron installs its default menu, whose View menu has
 * Toggle Developer Tools and Reload (electron lib/browser/default-menu.ts): in a packaged app
 * that hands a local user a console on the preload's API. This menu keeps what people expect
 * on each platform (the app menu on macOS, Edit so copy/paste and their shortcuts work in the
 * fields) and adds View > developer items only to unpackaged (dev) builds.
 */
import type { MenuItemConstructorOptions } from 'electron';
import type { TFunction } from 'i18next';

export type AppMenuOptions = {
  appName: string;
  platform: NodeJS.Platform;
  isPackaged: boolean;
  /** Help > About on Windows and Linux (macOS has it in the app menu) */
  showAbout: () => void;
  /**
   * The menu's own labels in the OS language (electron/i18n/main-words.ts); English without.
   * Role items (Copy, Quit, ...) are labelled by Electron and the OS.
   */
  t?: TFunction;
};

const english: Record<string, string> = {
  'menu.file': 'File',
  'menu.edit': 'Edit',
  'menu.view': 'View',
  'menu.window': 'Window',
  'menu.help': 'Help',
};

export function appMenuTemplate(options: AppMenuOptions): MenuItemConstructorOptions[] {
  const mac = options.platform === 'darwin';
  const label = (key: 'menu.file' | 'menu.edit' | 'menu.view' | 'menu.window' | 'menu.help') =>
    options.t ? options.t(key) : english[key]!;
  const template: MenuItemConstructorOptions[] = [];
  if (mac) {
    template.push({
      label: options.appName,
      submenu: [
        { role: 'about' },
        { type: 'separator' },
        { role: 'hide' },
        { role: 'hideOthers' },
        { role: 'unhide' },
        { type: 'separator' },
        { role: 'quit' },
      ],
    });
  } else {
    template.push({ label: label('menu.file'), submenu: [{ role: 'quit' }] });
  }
  template.push({
    label: label('menu.edit'),
    submenu: [
      { role: 'undo' },
      { role: 'redo' },
      { type: 'separator' },
      { role: 'cut' },
      { role: 'copy' },
      { role: 'paste' },
      { role: 'selectAll' },
    ],
  });
  if (!options.isPackaged) {
    template.push({
      label: label('menu.view'),
      submenu: [{ role: 'reload' }, { role: 'toggleDevTools' }],
    });
  }
  template.push({
    label: label('menu.window'),
    submenu: mac
      ? [{ role: 'minimize' }, { role: 'zoom' }, { type: 'separator' }, { role: 'front' }]
      : [{ role: 'minimize' }, { role: 'close' }],
  });
  if (!mac) {
    template.push({
      label: label('menu.help'),
      submenu: [
        {
          label: options.t
            ? options.t('menu.about', { app: options.appName })
            : `About ${options.appName}`,
          click: () => options.showAbout(),
        },
      ],
    });
  }
  return template;
}
