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
 * Whether a render shows a failure not counted yet. A failure is known by its attempt, not by
 * the phase changing: an attempt that fails at once can reach React in the same batch as its
 * own 'trying', so the phase reads 'failed' before and after, and a count keyed on the change
 * of phase missed it and planned no further attempt.
 */
export function isNewFailure(failing: boolean, attempt: number, lastCounted: number | null) {
  return failing && attempt !== lastCounted;
}

/**
 * `phase`: 'failed' while the last attempt failed, 'trying' while one runs, 'ok' once it
 * worked (the count starts over). `retry` starts the next attempt. `attempt` names the attempt
 * the phase is about: the caller gives each attempt its own number when it starts it.
 */
export function useBackoff(
  phase: 'failed' | 'trying' | 'ok',
  retry: () => void,
  attempt: number,
): Backoff {
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
  const counted = useRef<number | null>(null);
  useEffect(() => {
    if (!isNewFailure(failing, attempt, counted.current)) return;
    const plan = setTimeout(() => {
      counted.current = attempt;
      setFailures((n) => n + 1);
    }, 0);
    return () => clearTimeout(plan);
  }, [failing, attempt]);
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
