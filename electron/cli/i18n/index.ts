/**
 * The CLI's words (en.json, zh-CN.json; same keys, test/electron/cli/cli-i18n.test.ts holds
 * them together) in the terminal's language: KEYBRIDGE_LOCALE, else the POSIX order LC_ALL,
 * LC_MESSAGES, LANG ("zh_CN.UTF-8"). "C", "POSIX" and anything unsupported are English.
 */
import i18next, { type i18n as I18n, type TFunction } from 'i18next';
import en from './en.json';
import zhCN from './zh-CN.json';

export const CLI_LOCALES = ['en', 'zh-CN'] as const;
export type CliLocale = (typeof CLI_LOCALES)[number];

/** The first of KEYBRIDGE_LOCALE, LC_ALL, LC_MESSAGES, LANG that is set decides. */
export function cliLocale(env: NodeJS.ProcessEnv): CliLocale {
  const raw = [env.KEYBRIDGE_LOCALE, env.LC_ALL, env.LC_MESSAGES, env.LANG].find(
    (v) => v && v.trim(),
  );
  // "zh_CN.UTF-8@euro" -> "zh-cn"
  const tag = (raw ?? '').trim().split(/[.@]/)[0]!.replace(/_/g, '-').toLowerCase();
  if (tag === 'zh' || tag.startsWith('zh-')) {
    // Traditional Chinese is not shipped; English rather than the wrong script.
    return /^zh-(hant|tw|hk|mo)(-|$)/.test(tag) ? 'en' : 'zh-CN';
  }
  return 'en';
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
