/**
 * Dates and times as docs/glossary.md spells them: relative up to a day ("just now",
 * "5 minutes ago", "3 hours ago"), then the date as "1 Dec 2026". The day-month-year order is
 * fixed (en-GB) on purpose: a US "12/1/2026" reads as January elsewhere.
 */
const dateOnly = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
});

const DAY_MS = 24 * 60 * 60 * 1000;

/** "1 Dec 2026"; "never" for no date. */
export function formatDate(iso: string | null): string {
  if (!iso) return 'never';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateOnly.format(d);
}

/** "just now", "5 minutes ago", "3 hours ago", then "1 Dec 2026". */
export function formatAgo(iso: string | null, now = Date.now()): string {
  if (!iso) return 'never';
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return iso;
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (now - t >= DAY_MS) return formatDate(iso);
  if (s < 60) return 'just now';
  const m = Math.round(s / 60);
  if (m < 60) return `${m} minute${m === 1 ? '' : 's'} ago`;
  const h = Math.min(23, Math.round(m / 60));
  return `${h} hour${h === 1 ? '' : 's'} ago`;
}

/** "m:ss", for a code's time left. */
export function formatClock(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return `${m}:${String(s).padStart(2, '0')}`;
}

export type DeviceKind = 'phone' | 'computer';

/** "Chrome on Android" from a user agent, good enough for a sessions list. */
export function describeUserAgent(ua: string | null): string {
  if (!ua) return 'Unknown device';
  if (/Keybridge-Desktop/i.test(ua)) return 'Keybridge desktop app';
  const browser = /Edg\//.test(ua)
    ? 'Edge'
    : /Firefox\//.test(ua)
      ? 'Firefox'
      : /Chrome\//.test(ua)
        ? 'Chrome'
        : /Safari\//.test(ua)
          ? 'Safari'
          : 'Browser';
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
            : 'unknown system';
  return `${browser} on ${os}`;
}

/** Which icon a session's device gets: phones by their user agent, everything else a computer. */
export function deviceKindOf(ua: string | null): DeviceKind {
  return ua && /Android|iPhone|iPad|Mobile/.test(ua) ? 'phone' : 'computer';
}
