/**
 * Follows one QR flow (sign-in or add-passkey) as the main process reports it: the start call's
 * answer first, then every `qr:state` push for the same purpose. Cancels the flow when the
 * screen showing it goes away before it finished.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { IpcResult, QrPurpose, QrView } from '../../../electron/ipc/contract';
import { api } from '../bridge';

const finished = (v: QrView) =>
  v.status === 'done' || v.status === 'failed' || v.status === 'cancelled';

export function useQrFlow(purpose: QrPurpose, start: () => Promise<IpcResult<QrView>>) {
  const [view, setView] = useState<QrView>({ status: 'starting', purpose });
  // The last code shown stays in place, dimmed, once the codes stop (see QrFlowPanel).
  const [lastQr, setLastQr] = useState<string | null>(null);
  const viewRef = useRef(view);
  const startRef = useRef(start);
  // Each start of the flow is its own attempt (ui/useBackoff.ts counts failures by it).
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    startRef.current = start;
  }, [start]);

  const apply = useCallback((next: QrView) => {
    viewRef.current = next;
    setView(next);
    if (next.status === 'waiting-for-scan') setLastQr(next.qrImage);
    else if (next.status === 'done' || next.status === 'cancelled') setLastQr(null);
  }, []);

  const run = useCallback(async () => {
    setAttempt((n) => n + 1);
    setLastQr(null);
    apply({ status: 'starting', purpose });
    try {
      const result = await startRef.current();
      if (result.ok) {
        // A push may already have moved the flow on; only take the answer if nothing newer came.
        if (viewRef.current.status === 'starting') apply(result.value);
      } else {
        apply({
          status: 'failed',
          purpose,
          code: result.error.code === 'server_unreachable' ? 'server-unreachable' : 'internal',
          message: result.error.message,
          retryable: true,
        });
      }
    } catch {
      apply({
        status: 'failed',
        purpose,
        code: 'internal',
        message: 'Keybridge could not start a QR code.',
        retryable: true,
      });
    }
  }, [apply, purpose]);

  useEffect(() => {
    const off = api().onQrState((next) => {
      if (next.purpose === purpose) apply(next);
    });
    void run();
    return () => {
      off();
      if (!finished(viewRef.current)) void api().cancelQr();
    };
  }, [apply, purpose, run]);

  const cancel = useCallback(async () => {
    const result = await api().cancelQr();
    apply(result.ok ? result.value : { status: 'cancelled', purpose });
  }, [apply, purpose]);

  const submitCode = useCallback(
    async (code: string) => {
      const result = await api().submitReverseCode({ code });
      if (result.ok) apply(result.value);
      return result;
    },
    [apply],
  );

  const confirmPhone = useCallback(
    async (yes: boolean) => {
      const result = await api().confirmPhone({ yes });
      // The flow moves on by pushes too; an answer that arrives after one must not undo it.
      if (result.ok && viewRef.current.status === 'confirm-phone') apply(result.value);
      return result;
    },
    [apply],
  );

  return { view, lastQr, attempt, restart: run, cancel, submitCode, confirmPhone };
}

/** How long the relay keeps an unscanned code (server/tunnel/limits.ts, unscannedMs). */
export const CODE_LIFETIME_SECONDS = 60;

/**
 * Seconds left until `expiresAt`, ticking once a second while a QR is shown. `now` is taken
 * again at once for each new code: the clock from the previous render is up to a second old,
 * which showed a fresh one-minute code as "1:01". Never more than the code's lifetime.
 */
export function useSecondsLeft(expiresAt: number | null): number | null {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (expiresAt === null) return;
    const tick = () => setNow(Date.now());
    const first = setTimeout(tick, 0);
    const timer = setInterval(tick, 1000);
    return () => {
      clearTimeout(first);
      clearInterval(timer);
    };
  }, [expiresAt]);
  if (expiresAt === null) return null;
  return Math.min(CODE_LIFETIME_SECONDS, Math.max(0, Math.ceil((expiresAt - now) / 1000)));
}
