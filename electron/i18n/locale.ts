/**
 * Which of the languages Keybridge ships a language tag means, for the main process and the
 * CLI (the renderer has the same rule for the browser's tags, renderer/src/i18n/index.ts).
 * Simplified Chinese (zh, zh-CN, zh-SG, zh-Hans-*) is zh-CN; Traditional Chinese is not
 * shipped; English is en; anything else is null (the caller reads on, then falls back to en).
 */
export type Locale = 'en' | 'zh-CN';

export function localeOfTag(raw: string | undefined | null): Locale | null {
  // POSIX "zh_CN.UTF-8@euro" and BCP 47 "zh-Hans-CN" alike.
  const tag = (raw ?? '').trim().split(/[.@]/)[0]!.replace(/_/g, '-').toLowerCase();
  if (tag === 'en' || tag.startsWith('en-')) return 'en';
  if (tag === 'zh' || tag.startsWith('zh-')) {
    return /^zh-(hant|tw|hk|mo)(-|$)/.test(tag) ? null : 'zh-CN';
  }
  return null;
}

/** The first tag that names a shipped language, else English. */
export function pickLocale(tags: readonly (string | undefined | null)[]): Locale {
  for (const tag of tags) {
    const locale = localeOfTag(tag);
    if (locale) return locale;
  }
  return 'en';
}
