/**
 * Which of the shipped languages the phone pages speak. The browser's own list decides
 * (navigator.languages, first supported wins); `?lang=` forces one for the rest of the tab's
 * session, for screenshots, tests and a person who wants the other language.
 */
export const LOCALES = ['en', 'zh-CN'] as const;
export type Locale = (typeof LOCALES)[number];

/** One browser language tag to a shipped locale, or null when we have none for it. */
export function localeOf(tag: string): Locale | null {
  const t = tag.trim().replace(/_/g, '-').toLowerCase();
  if (t === 'en' || t.startsWith('en-')) return 'en';
  // Chinese in Simplified script (zh, zh-CN, zh-SG, zh-Hans-*) is zh-CN, as on the desktop
  // (renderer/src/i18n/). Traditional (zh-TW, zh-HK, zh-MO, zh-Hant-*) is not shipped: the
  // next language in the list decides.
  if (t === 'zh' || t.startsWith('zh-')) return /^zh-(hant|tw|hk|mo)(-|$)/.test(t) ? null : 'zh-CN';
  return null;
}

export function pickLocale(languages: readonly string[]): Locale {
  for (const tag of languages) {
    const locale = localeOf(tag);
    if (locale) return locale;
  }
  return 'en';
}

const STORAGE_KEY = 'keybridge.lang';

/** A shipped locale named exactly (the `?lang=` value), or null. */
export function exactLocale(value: string | null | undefined): Locale | null {
  return LOCALES.find((l) => l.toLowerCase() === value?.trim().toLowerCase()) ?? null;
}

/** The locale for this page load: `?lang=` (remembered for the tab), else the browser's. */
export function detectLocale(): Locale {
  if (typeof window === 'undefined') return 'en';
  let forced = exactLocale(new URLSearchParams(window.location.search).get('lang'));
  try {
    if (forced) window.sessionStorage.setItem(STORAGE_KEY, forced);
    else forced = exactLocale(window.sessionStorage.getItem(STORAGE_KEY));
  } catch {
    // Storage off (private mode, policy): the forced language lasts this page only.
  }
  if (forced) return forced;
  const languages = navigator.languages?.length ? navigator.languages : [navigator.language];
  return pickLocale(languages.filter(Boolean));
}
