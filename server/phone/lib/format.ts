/**
 * Dates the way people read them: "just now", "5 minutes ago", "1 Dec 2026" (docs/glossary.md),
 * through Intl in the page's language (i18n/).
 */
import { dateLocale, locale, t } from '../i18n';

export function whenWords(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return t('time.never');
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return t('time.unknown');
  const s = Math.round((now - ms) / 1000);
  if (s < 45) return t('time.justNow');
  const relative = new Intl.RelativeTimeFormat(locale, { numeric: 'always' });
  if (s < 3600) return relative.format(-Math.max(1, Math.round(s / 60)), 'minute');
  if (s < 86400) return relative.format(-Math.round(s / 3600), 'hour');
  // Day, short month, year ("1 Dec 2026"; "2026年12月1日"), never the time of day.
  return new Date(ms).toLocaleDateString(dateLocale, {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
  });
}

export function exactTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleString(dateLocale);
}

/** The time of day alone ("23:02"), where the minute matters (when a computer asked). */
export function clockTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? ''
    : d.toLocaleTimeString(dateLocale, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
}
