/**
 * The application menu. Without one, Electron installs its default menu, whose View menu has
 * Toggle Developer Tools and Reload (electron lib/browser/default-menu.ts): in a packaged app
 * that hands a local user a console on the preload's API. This menu keeps what people expect
 * on each platform (the app menu on macOS, Edit so copy/paste and their shortcuts work in the
 * fields) and adds View > developer items only to unpackaged (dev) builds.
 */
import type { MenuItemConstructorOptions } from 'electron';

export type AppMenuOptions = {
  appName: string;
  platform: NodeJS.Platform;
  isPackaged: boolean;
  /** Help > About on Windows and Linux (macOS has it in the app menu) */
  showAbout: () => void;
};

export function appMenuTemplate(options: AppMenuOptions): MenuItemConstructorOptions[] {
  const mac = options.platform === 'darwin';
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
    template.push({ label: 'File', submenu: [{ role: 'quit' }] });
  }
  template.push({
    label: 'Edit',
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
      label: 'View',
      submenu: [{ role: 'reload' }, { role: 'toggleDevTools' }],
    });
  }
  template.push({
    label: 'Window',
    submenu: mac
      ? [{ role: 'minimize' }, { role: 'zoom' }, { type: 'separator' }, { role: 'front' }]
      : [{ role: 'minimize' }, { role: 'close' }],
  });
  if (!mac) {
    template.push({
      label: 'Help',
      submenu: [{ label: `About ${options.appName}`, click: () => options.showAbout() }],
    });
  }
  return template;
}
