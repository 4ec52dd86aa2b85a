/**
 * Retries something that failed because the server could not be reached, by itself, waiting
 * longer each time (2 s, 4 s, 8 s, 16 s, then every 30 s), and says what it is doing: which
 * attempt failed and when the next one starts. "Try now" skips the wait.
 */
import { useCallback, useEffect, useRef, useState } from 'react';

export const BACKOFF_MS = [2_000, 4_000, 8_000, 16_000, 30_000] as const;

export type Backoff = {
  /** attempts that failed so far in this run of failures (0 when not failing) */
  failures: number;
  /** whole seconds until the next attempt; null when none is planned */
  nextInSeconds: number | null;
  /** retry at once */
  tryNow: () => void;
};

/**
 * `phase`: 'failed' while the last attempt failed, 'trying' while one runs, 'ok' once it
 * worked (the count starts over). `retry` starts the next attempt.
 */
export function useBackoff(phase: 'failed' | 'trying' | 'ok', retry: () => void): Backoff {
  const failing = phase === 'failed';
  const ok = phase === 'ok';
  const [failures, setFailures] = useState(0);
  const [due, setDue] = useState<number | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const retryRef = useRef(retry);
  useEffect(() => {
    retryRef.current = retry;
  }, [retry]);

  // Each new failure counts once and plans the next attempt; a success starts over.
  useEffect(() => {
    if (!ok) return;
    const reset = setTimeout(() => {
      setDue(null);
      setFailures(0);
    }, 0);
    return () => clearTimeout(reset);
  }, [ok]);
  useEffect(() => {
    if (!failing) return;
    const plan = setTimeout(() => setFailures((n) => n + 1), 0);
    return () => clearTimeout(plan);
  }, [failing]);
  // The next attempt is planned from the count, once per failure.
  useEffect(() => {
    if (!failing || failures === 0) return;
    const wait = BACKOFF_MS[Math.min(failures - 1, BACKOFF_MS.length - 1)]!;
    const plan = setTimeout(() => {
      setNow(Date.now());
      setDue(Date.now() + wait);
    }, 0);
    return () => clearTimeout(plan);
  }, [failing, failures]);

  useEffect(() => {
    if (due === null) return;
    const tick = setInterval(() => setNow(Date.now()), 1000);
    const fire = setTimeout(
      () => {
        setDue(null);
        retryRef.current();
      },
      Math.max(0, due - Date.now()),
    );
    return () => {
      clearInterval(tick);
      clearTimeout(fire);
    };
  }, [due]);

  const tryNow = useCallback(() => {
    setDue(null);
    retryRef.current();
  }, []);

  return {
    failures,
    nextInSeconds: due === null ? null : Math.max(0, Math.ceil((due - now) / 1000)),
    tryNow,
  };
}
