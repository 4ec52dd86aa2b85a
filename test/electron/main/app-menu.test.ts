/**
 * The application menu (electron/window/app-menu.ts): platform conventions (the app menu on
 * macOS, Edit everywhere so copy/paste work), and no developer tools or reload in a packaged
 * build, on any platform.
 */
import assert from 'node:assert/strict';
import { test } from 'vitest';
import type { MenuItemConstructorOptions } from 'electron';
import { appMenuTemplate } from '../../../electron/window/app-menu';

function roles(items: MenuItemConstructorOptions[]): string[] {
  return items.flatMap((i) => [
    ...(i.role ? [i.role] : []),
    ...(Array.isArray(i.submenu) ? roles(i.submenu) : []),
  ]);
}
const labels = (items: MenuItemConstructorOptions[]) => items.map((i) => i.label);

for (const platform of ['darwin', 'win32', 'linux'] as const) {
  test(`${platform}: packaged has no developer tools or reload; Edit has copy and paste`, () => {
    const packaged = appMenuTemplate({
      appName: 'Keybridge',
      platform,
      isPackaged: true,
      showAbout: () => undefined,
    });
    const all = roles(packaged);
    for (const dev of ['toggleDevTools', 'reload', 'forceReload', 'viewMenu']) {
      assert.equal(all.includes(dev as never), false, dev);
    }
    for (const edit of ['undo', 'redo', 'cut', 'copy', 'paste', 'selectAll']) {
      assert.ok(all.includes(edit as never), edit);
    }
    assert.ok(all.includes('quit'));
    const dev = appMenuTemplate({
      appName: 'Keybridge',
      platform,
      isPackaged: false,
      showAbout: () => undefined,
    });
    assert.ok(roles(dev).includes('toggleDevTools'), 'dev builds keep them');
  });
}

test('macOS: the first menu is the app menu with About; elsewhere Help > About shows ours', () => {
  const mac = appMenuTemplate({
    appName: 'Keybridge',
    platform: 'darwin',
    isPackaged: true,
    showAbout: () => undefined,
  });
  assert.deepEqual(labels(mac), ['Keybridge', 'Edit', 'Window']);
  assert.ok(roles([mac[0]!]).includes('about'));

  let shown = 0;
  const linux = appMenuTemplate({
    appName: 'Keybridge',
    platform: 'linux',
    isPackaged: true,
    showAbout: () => (shown += 1),
  });
  assert.deepEqual(labels(linux), ['File', 'Edit', 'Window', 'Help']);
  const about = (linux.at(-1)!.submenu as MenuItemConstructorOptions[])[0]!;
  assert.equal(about.label, 'About Keybridge');
  (about.click as () => void)();
  assert.equal(shown, 1);
});
