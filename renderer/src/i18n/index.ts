/**
 * The desktop's words: one catalogue per language (en.json, zh-CN.json, same keys; the parity
 * test in test/renderer/i18n-catalogue.test.ts holds them together), one i18next instance, and
 * the language picked from the page: `?lang=` first (screenshots and tests force it that way),
 * then the browser's languages, which Electron takes from the OS (electron/main.ts may
 * override them with KEYBRIDGE_LOCALE). Anything unsupported falls back to English.
 */
import i18next, { type i18n as I18n } from 'i18next';
import { initReactI18next } from 'react-i18next';
import en from './en.json';
import zhCN from './zh-CN.json';

export const LOCALES = ['en', 'zh-CN'] as const;
export type Locale = (typeof LOCALES)[number];

export const resources = {
  en: { translation: en },
  'zh-CN': { translation: zhCN },
} as const;

/**
 * The first wanted language tag Keybridge speaks. Chinese in Simplified script (zh, zh-CN,
 * zh-SG, zh-Hans-*) is zh-CN; Traditional (zh-TW, zh-HK, zh-MO, zh-Hant-*) is not shipped and
 * reads on, as does anything else, so an English fallback is never mistaken for a choice.
 */
export function pickLocale(wanted: readonly string[]): Locale {
  for (const raw of wanted) {
    const tag = raw.trim().replace(/_/g, '-').toLowerCase();
    if (!tag) continue;
    if (tag === 'en' || tag.startsWith('en-')) return 'en';
    if (tag === 'zh' || tag.startsWith('zh-')) {
      if (/^zh-(hant|tw|hk|mo)(-|$)/.test(tag)) continue;
      return 'zh-CN';
    }
  }
  return 'en';
}

function wantedLanguages(): string[] {
  if (typeof window === 'undefined') return [];
  const forced = new URLSearchParams(window.location.search).get('lang');
  return [...(forced ? [forced] : []), ...(navigator.languages ?? []), navigator.language ?? ''];
}

export const i18n: I18n = i18next.createInstance();

void i18n.use(initReactI18next).init({
  resources,
  lng: pickLocale(wantedLanguages()),
  fallbackLng: 'en',
  supportedLngs: [...LOCALES],
  // The catalogues are bundled: ready before the first render, no flash of keys.
  initAsync: false,
  // React escapes what it renders; escaping here too would show "&amp;".
  interpolation: { escapeValue: false },
  returnNull: false,
});

if (typeof document !== 'undefined') {
  document.documentElement.lang = i18n.language;
  i18n.on('languageChanged', (lng) => {
    document.documentElement.lang = lng;
  });
}

/** The active language, for Intl. */
export function activeLocale(): Locale {
  return pickLocale([i18n.language]);
}
