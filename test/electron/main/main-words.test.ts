/**
 * The main process's own words (electron/i18n/): the Chinese catalogue says everything the
 * English one says; the menu takes its labels from it; the language tag rule shared by the
 * main process and the CLI.
 */
import assert from 'node:assert/strict';
import { test } from 'vitest';
import en from '../../../electron/i18n/main-en.json';
import zhCN from '../../../electron/i18n/main-zh-CN.json';
import { localeOfTag, pickLocale } from '../../../electron/i18n/locale';
import { mainWords } from '../../../electron/i18n/main-words';
import { appMenuTemplate } from '../../../electron/window/app-menu';
import { catalogueProblems } from '../../support/catalogue-parity';

test('zh-CN has every English key, non-empty, with the same placeholders, and no extra keys', () => {
  assert.deepEqual(catalogueProblems(en, zhCN, 'zh-CN'), []);
});

test('language tags: Simplified Chinese is zh-CN, Traditional and the rest read on to English', () => {
  assert.equal(localeOfTag('zh-Hans-CN'), 'zh-CN');
  assert.equal(localeOfTag('zh_CN.UTF-8'), 'zh-CN');
  assert.equal(localeOfTag('zh-TW'), null);
  assert.equal(localeOfTag('en-GB'), 'en');
  assert.equal(localeOfTag('C'), null);
  assert.equal(pickLocale([undefined, 'fr-FR', 'zh-CN']), 'zh-CN');
  assert.equal(pickLocale(['de']), 'en');
});

test('the menu in Chinese: its own labels from the catalogue, roles left to Electron', () => {
  const menu = appMenuTemplate({
    appName: 'Keybridge',
    platform: 'linux',
    isPackaged: true,
    showAbout: () => undefined,
    t: mainWords('zh-CN'),
  });
  assert.deepEqual(
    menu.map((m) => m.label),
    ['文件', '编辑', '窗口', '帮助'],
  );
  const help = menu.at(-1)!.submenu as { label?: string }[];
  assert.equal(help[0]!.label, '关于 Keybridge');
  const english = appMenuTemplate({
    appName: 'Keybridge',
    platform: 'linux',
    isPackaged: true,
    showAbout: () => undefined,
  });
  assert.deepEqual(
    english.map((m) => m.label),
    ['File', 'Edit', 'Window', 'Help'],
  );
});
