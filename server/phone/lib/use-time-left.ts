/** A countdown to an ISO time, ticking each second: "1:42 left" (docs/glossary.md, Times). */
import { useEffect, useState } from 'react';
import { t } from '../i18n';

export function timeLeftWords(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  return t('time.left', { time: `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}` });
}

/** Milliseconds until `iso` on this phone's clock, updated every second; null if unknown. */
export function useTimeLeft(iso: string | undefined): number | null {
  const until = iso ? Date.parse(iso) : NaN;
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (Number.isNaN(until)) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [until]);
  return Number.isNaN(until) ? null : Math.max(0, until - now);
}
