/** Dates the way people read them: "just now", "5 minutes ago", "1 Dec 2026" (docs/glossary.md). */
export function whenWords(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return 'never';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return 'unknown';
  const s = Math.round((now - t) / 1000);
  if (s < 45) return 'just now';
  if (s < 3600) {
    const m = Math.max(1, Math.round(s / 60));
    return `${m} minute${m === 1 ? '' : 's'} ago`;
  }
  if (s < 86400) {
    const h = Math.round(s / 3600);
    return `${h} hour${h === 1 ? '' : 's'} ago`;
  }
  // Day, short month, year ("1 Dec 2026"), the same on every client (docs/glossary.md).
  return new Date(t).toLocaleDateString('en-GB', {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
  });
}

export function exactTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleString();
}

/** The time of day alone ("23:02"), where the minute matters (when a computer asked). */
export function clockTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? ''
    : d.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' });
}
