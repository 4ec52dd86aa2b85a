/**
 * The phone pages' one catalogue (en.json, zh-CN.json) behind i18next. The language is chosen
 * once per page load (locale.ts) and never changes while a page is open, so components call
 * `t` directly instead of subscribing to language changes. `t` only takes keys that exist in
 * en.json (MessageKey), so a typo is a compile error, not an English fallback at run time.
 */
import i18next from 'i18next';
import en from './en.json';
import zhCN from './zh-CN.json';
import { detectLocale, type Locale } from './locale';

type Leaves<T, P extends string = ''> = {
  [K in keyof T & string]: T[K] extends string ? `${P}${K}` : Leaves<T[K], `${P}${K}.`>;
}[keyof T & string];
/** Plural forms (`_one`, `_other`) are one key to callers, chosen by `count`. */
type Base<K extends string> =
  K extends `${infer B}_${'zero' | 'one' | 'two' | 'few' | 'many' | 'other'}` ? B : K;
export type MessageKey = Base<Leaves<typeof en>>;

export const locale: Locale = detectLocale();

const i18n = i18next.createInstance();
void i18n.init({
  lng: locale,
  fallbackLng: 'en',
  resources: { en: { translation: en }, 'zh-CN': { translation: zhCN } },
  // Resources are bundled: init finishes before the first render, no flash of keys.
  initAsync: false,
  // React escapes what it renders; i18next escaping too would show "&amp;" in names.
  interpolation: { escapeValue: false },
  returnNull: false,
});

export function t(key: MessageKey, values?: Record<string, string | number>): string {
  return i18n.t(key, values ?? {}) as string;
}

/**
 * The locale for Intl. English dates keep the glossary's "1 Dec 2026" (day, short month,
 * year), which is en-GB's order; every other format follows the active language.
 */
export const dateLocale = locale === 'en' ? 'en-GB' : locale;

if (typeof document !== 'undefined') document.documentElement.lang = locale;
