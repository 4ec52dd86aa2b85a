/**
 * The few words the Electron main process shows itself (menu, its own dialogs), in the OS
 * language: main-en.json and main-zh-CN.json, the same keys (test/electron/main/
 * main-words.test.ts). Everything inside the window is the renderer's (renderer/src/i18n/).
 */
import i18next, { type TFunction } from 'i18next';
import en from './main-en.json';
import zhCN from './main-zh-CN.json';
import type { Locale } from './locale';

export function mainWords(locale: Locale): TFunction {
  const i18n = i18next.createInstance();
  void i18n.init({
    resources: { en: { translation: en }, 'zh-CN': { translation: zhCN } },
    lng: locale,
    fallbackLng: 'en',
    initAsync: false,
    interpolation: { escapeValue: false },
  });
  return i18n.t.bind(i18n);
}
