/**
 * The CLI's words (en.json, zh-CN.json; same keys, test/electron/cli/cli-i18n.test.ts holds
 * them together) in the terminal's language: KEYBRIDGE_LOCALE, else the POSIX order LC_ALL,
 * LC_MESSAGES, LANG ("zh_CN.UTF-8"). "C", "POSIX" and anything unsupported are English.
 */
import i18next, { type i18n as I18n, type TFunction } from 'i18next';
import { localeOfTag, type Locale } from '../../i18n/locale';
import en from './en.json';
import zhCN from './zh-CN.json';

export type CliLocale = Locale;

/**
 * The first of KEYBRIDGE_LOCALE, LC_ALL, LC_MESSAGES, LANG that is set decides (POSIX: a set
 * LC_ALL=C means C, English, whatever LANG says).
 */
export function cliLocale(env: NodeJS.ProcessEnv): CliLocale {
  const raw = [env.KEYBRIDGE_LOCALE, env.LC_ALL, env.LC_MESSAGES, env.LANG].find(
    (v) => v && v.trim(),
  );
  return localeOfTag(raw) ?? 'en';
}

export function createCliI18n(locale: CliLocale): { i18n: I18n; t: TFunction } {
  const i18n = i18next.createInstance();
  void i18n.init({
    resources: { en: { translation: en }, 'zh-CN': { translation: zhCN } },
    lng: locale,
    fallbackLng: 'en',
    initAsync: false,
    // A terminal is not HTML: "&" stays "&".
    interpolation: { escapeValue: false },
  });
  return { i18n, t: i18n.t.bind(i18n) };
}
