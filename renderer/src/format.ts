/**
 * Dates, times and device names in the active language (renderer/src/i18n), as
 * docs/glossary.md spells them: relative up to a day ("just now", "5 minutes ago",
 * "3 hours ago"; Intl.RelativeTimeFormat), then the date ("1 Dec 2026"; Intl.DateTimeFormat).
 * English dates use en-GB on purpose: a US "12/1/2026" reads as January elsewhere.
 */
import { activeLocale, i18n } from './i18n';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The Intl locale for the active language. */
function intlLocale(): string {
  const locale = activeLocale();
  return locale === 'en' ? 'en-GB' : locale;
}

/** "1 Dec 2026" (zh-CN: "2026年12月1日"); "never" for no date. */
export function formatDate(iso: string | null): string {
  if (!iso) return i18n.t('time.never');
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(intlLocale(), {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
  }).format(d);
}

/** "just now", "5 minutes ago", "3 hours ago", then "1 Dec 2026". */
export function formatAgo(iso: string | null, now = Date.now()): string {
  if (!iso) return i18n.t('time.never');
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return iso;
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (now - t >= DAY_MS) return formatDate(iso);
  if (s < 60) return i18n.t('time.justNow');
  const relative = new Intl.RelativeTimeFormat(intlLocale(), { numeric: 'always' });
  const m = Math.round(s / 60);
  if (m < 60) return relative.format(-m, 'minute');
  return relative.format(-Math.min(23, Math.round(m / 60)), 'hour');
}

/** "m:ss", for a code's time left (digits read the same in every language we ship). */
export function formatClock(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return `${m}:${String(s).padStart(2, '0')}`;
}

export type DeviceKind = 'phone' | 'computer';

/** "Chrome on Android" from a user agent, good enough for a sessions list. */
export function describeUserAgent(ua: string | null): string {
  if (!ua) return i18n.t('device.unknown');
  if (/Keybridge-Desktop/i.test(ua)) return i18n.t('device.desktopApp');
  // Browser and system names are brands: the same in every language.
  const browser = /Edg\//.test(ua)
    ? 'Edge'
    : /Firefox\//.test(ua)
      ? 'Firefox'
      : /Chrome\//.test(ua)
        ? 'Chrome'
        : /Safari\//.test(ua)
          ? 'Safari'
          : i18n.t('device.browser');
  const os = /Android/.test(ua)
    ? 'Android'
    : /iPhone|iPad/.test(ua)
      ? 'iOS'
      : /Mac OS X/.test(ua)
        ? 'macOS'
        : /Windows/.test(ua)
          ? 'Windows'
          : /Linux/.test(ua)
            ? 'Linux'
            : i18n.t('device.unknownSystem');
  return i18n.t('device.browserOn', { browser, os });
}

/**
 * A device name the server made from a user agent (server/sessions/session-device.ts,
 * server/tunnel/pairings.ts: "Chrome on Android", "Web browser on Linux", "Web browser",
 * "Unknown browser") in the active language. Only for names no person chose: a phone that
 * scanned a QR, never a passkey's name.
 */
export function sayServerDeviceName(name: string): string {
  const generic: Record<string, string> = {
    'Web browser': i18n.t('device.webBrowser'),
    'Unknown browser': i18n.t('device.unknownBrowser'),
  };
  const m = /^(.+) on (.+)$/.exec(name);
  if (m) return i18n.t('device.browserOn', { browser: generic[m[1]!] ?? m[1]!, os: m[2]! });
  return generic[name] ?? name;
}

/** Which icon a session's device gets: phones by their user agent, everything else a computer. */
export function deviceKindOf(ua: string | null): DeviceKind {
  return ua && /Android|iPhone|iPad|Mobile/.test(ua) ? 'phone' : 'computer';
}
