/**
 * One QR flow on screen: the code to scan, a countdown to its refresh, a status line that
 * follows the flow, "Check your phone" once scanned, "Is this your phone?" (adding a passkey),
 * the reverse-code form when asked, "Can't scan?" (signing in only), cancel and retry.
 * Used for signing in, for adding a passkey from Settings and for "Confirm with your phone"
 * (step-up, settings/StepUp.tsx).
 *
 * When the codes stop (nobody scanned for a while), the last one stays where it was, dimmed,
 * with a neutral "Show a new code": nothing went wrong. When the server cannot be reached,
 * the panel retries by itself with growing waits and says so (ui/useBackoff.ts).
 */
import { useEffect, useRef, useState } from 'react';
import type { IpcResult, QrFailCode, QrPurpose, QrView } from '../../../electron/ipc/contract';
import { api } from '../bridge';
import { formatClock } from '../format';
import { PhoneIcon } from '../ui/icons';
import { useBackoff } from '../ui/useBackoff';
import { useServerName } from '../ui/useServerName';
import { ConfirmPhone } from './ConfirmPhone';
import { PhoneName } from './PhoneName';
import { ReverseCodeForm } from './ReverseCodeForm';
import { useQrFlow, useSecondsLeft } from './useQrFlow';

type Props = {
  purpose: QrPurpose;
  start: () => Promise<IpcResult<QrView>>;
  /** called once when the flow reaches 'done', with that view (it names the new passkey) */
  onDone?: (view: Extract<QrView, { status: 'done' }>) => void;
  /** every view, for screens whose words follow the flow (the login screen's side column) */
  onView?: (view: QrView) => void;
  /**
   * Inside a dialog: the panel's one way out. Shown as "Cancel" while the flow runs (it ends
   * the flow first) and "Close" once it ended.
   */
  onClose?: () => void;
};

const failureWords: Partial<Record<QrFailCode, string>> = {
  denied: 'You declined on your phone. Nothing was signed in.',
  'passkey-failed': 'Your phone could not use its passkey (the check was cancelled or failed).',
  'attempt-dead': 'Too many wrong codes. This attempt was stopped for your safety.',
  'channel-error':
    'The secure connection to your phone broke, so Keybridge stopped for your safety. Start again with a new code.',
  'peer-left': 'Your phone left before finishing. Start again with a new code.',
  'relay-closed': 'The connection to the exchange closed before your phone finished.',
  'verification-failed': 'The exchange did not accept that passkey.',
  'keychain-unavailable':
    'Your system keychain is not available, so Keybridge cannot keep your session. Nothing was saved to disk.',
  'step-up-required': 'Confirm it’s you again, then add the passkey.',
  'already-registered':
    'This phone already has a passkey for this account. Use another phone or a security key.',
  'wrong-account':
    'That phone is not signed in to your exchange account. Sign in on the phone first, then scan a new code.',
  'server-error': 'The exchange had a problem. Try again in a moment.',
};

/** Words that differ when the panel confirms it's you (purpose step-up). */
const stepUpPanelWords = {
  done: 'Confirmed',
  failed: 'Not confirmed',
  alt: 'QR code to confirm it’s you: scan it with your phone camera',
  'step-up-required': 'You were signed out. Sign in again, then confirm.',
  denied: 'You declined on your phone. Nothing was confirmed.',
} as const;

/** Endings that are news, not errors: said in a neutral notice, not a red one. */
const neutralEndings = new Set<QrFailCode>(['denied', 'already-registered']);

function failureText(view: Extract<QrView, { status: 'failed' }>, purpose: QrPurpose): string {
  if (purpose === 'step-up') {
    // The flow's own message names what happened (another account's passkey, …).
    if (view.code === 'wrong-account') return view.message;
    if (view.code === 'step-up-required' || view.code === 'denied')
      return stepUpPanelWords[view.code];
  }
  return failureWords[view.code] ?? view.message;
}

function statusOf(view: QrView, purpose: QrPurpose): { tone: string; text: string } {
  const doneText =
    purpose === 'sign-in'
      ? 'Signed in'
      : purpose === 'step-up'
        ? stepUpPanelWords.done
        : 'Passkey added';
  switch (view.status) {
    case 'idle':
    case 'starting':
      return { tone: 'waiting', text: 'Preparing a secure code…' };
    case 'waiting-for-scan':
      return { tone: 'waiting', text: 'Waiting for your phone to scan the code' };
    case 'confirm-phone':
      return { tone: 'scanned', text: 'A phone scanned the code' };
    case 'scanned':
      return { tone: 'scanned', text: 'Scanned — confirm on your phone' };
    case 'needs-code':
      return { tone: 'scanned', text: 'Type the code your phone shows' };
    case 'verifying':
      return { tone: 'scanned', text: 'Checking with the exchange…' };
    case 'done':
      return { tone: 'done', text: doneText };
    case 'failed':
      if (view.code === 'expired') return { tone: 'idle', text: 'The code expired' };
      if (view.code === 'server-unreachable')
        return { tone: 'error', text: 'Can’t reach the exchange' };
      if (view.code === 'already-registered')
        return { tone: 'idle', text: 'This phone already has a passkey' };
      return {
        tone: 'error',
        text:
          purpose === 'sign-in'
            ? 'Not signed in'
            : purpose === 'step-up'
              ? stepUpPanelWords.failed
              : 'Passkey not added',
      };
    case 'cancelled':
      return { tone: 'idle', text: 'Cancelled' };
  }
}

export function QrFlowPanel({ purpose, start, onDone, onView, onClose }: Props) {
  const { view, lastQr, restart, cancel, submitCode, confirmPhone } = useQrFlow(purpose, start);
  const onDoneRef = useRef(onDone);
  const onViewRef = useRef(onView);
  useEffect(() => {
    onDoneRef.current = onDone;
    onViewRef.current = onView;
  }, [onDone, onView]);
  // Once per flow: a second 'done' (the start answer after the push) must not report again.
  const reportedRef = useRef(false);
  useEffect(() => {
    onViewRef.current?.(view);
    if (view.status !== 'done') {
      reportedRef.current = false;
      return;
    }
    if (reportedRef.current) return;
    reportedRef.current = true;
    onDoneRef.current?.(view);
  }, [view]);
  const [showHelp, setShowHelp] = useState(false);
  const [copied, setCopied] = useState<'no' | 'yes' | 'failed'>('no');
  const secondsLeft = useSecondsLeft(view.status === 'waiting-for-scan' ? view.expiresAt : null);
  const status = statusOf(view, purpose);
  const active = !['done', 'failed', 'cancelled'].includes(view.status);
  const unreachable = view.status === 'failed' && view.code === 'server-unreachable';
  const expired = view.status === 'failed' && view.code === 'expired';
  const backoff = useBackoff(
    unreachable ? 'failed' : view.status === 'starting' || view.status === 'idle' ? 'trying' : 'ok',
    () => void restart(),
  );
  const serverName = useServerName();

  async function copyLink() {
    const result = await api().copyQrLink();
    setCopied(result.ok ? 'yes' : 'failed');
  }

  async function close() {
    if (active) await cancel();
    onClose?.();
  }

  const dim = view.status !== 'waiting-for-scan';
  const checkPhone = view.status === 'scanned' || view.status === 'verifying';
  return (
    <div>
      <div className="status-line" role="status" aria-live="polite" data-testid="qr-status">
        <span className={`status-dot ${status.tone}`} aria-hidden="true" />
        <span>{status.text}</span>
      </div>

      {view.status === 'needs-code' ? (
        <ReverseCodeForm triesLeft={view.triesLeft} message={view.message} onSubmit={submitCode} />
      ) : view.status === 'confirm-phone' ? (
        <ConfirmPhone phone={view.phone} onAnswer={confirmPhone} />
      ) : (view.status === 'failed' && !expired) || view.status === 'cancelled' ? null : (
        <div
          className={`qr-frame${dim ? ' dimmed' : ''}${expired ? ' expired' : ''}`}
          data-testid="login-qr"
        >
          {view.status === 'waiting-for-scan' ? (
            <img
              src={view.qrImage}
              width={320}
              height={320}
              alt={
                purpose === 'sign-in'
                  ? 'QR code to sign in: scan it with your phone camera'
                  : purpose === 'step-up'
                    ? stepUpPanelWords.alt
                    : 'QR code to add a passkey: scan it with your phone camera'
              }
            />
          ) : expired && lastQr ? (
            // The old code, blurred so no camera can read it: it marks the place, nothing more.
            <img className="stale-qr" src={lastQr} width={320} height={320} alt="" />
          ) : null}
          {view.status === 'waiting-for-scan' ? null : (
            <div className="qr-overlay">
              {expired ? (
                <div className="qr-expired" data-testid="qr-expired">
                  <p>This code has expired.</p>
                  <button type="button" onClick={() => void restart()}>
                    Show a new code
                  </button>
                </div>
              ) : checkPhone ? (
                <div className="check-phone" data-testid="check-phone">
                  <span className="check-phone-icon" aria-hidden="true">
                    <PhoneIcon size={40} />
                  </span>
                  <strong>Check your phone</strong>
                  <span className="small">
                    {view.status === 'verifying'
                      ? 'Approved. Finishing…'
                      : 'Approve with your fingerprint or face.'}
                  </span>
                </div>
              ) : view.status === 'done' ? (
                '✓'
              ) : (
                'Preparing a secure code…'
              )}
            </div>
          )}
        </div>
      )}

      {view.status === 'waiting-for-scan' && secondsLeft !== null ? (
        <p className="countdown" data-testid="qr-countdown">
          A new code appears in {formatClock(secondsLeft)}
        </p>
      ) : null}

      {view.status === 'scanned' && view.phone ? (
        <div className="scanned-phone">
          <PhoneName phone={view.phone} />
          <p className="small muted">If this is not your phone, press Cancel.</p>
        </div>
      ) : null}

      {view.status === 'done' && view.passkey ? (
        <p className="small" data-testid="qr-added-passkey">
          Added “{view.passkey.name}”.
        </p>
      ) : null}

      {unreachable ? (
        <div className="banner warn" role="alert" data-testid="server-retry">
          <strong>Can’t reach the exchange{serverName ? ` at ${serverName}` : ''}</strong>
          <span>
            {backoff.failures > 1
              ? `Tried ${backoff.failures} times. `
              : 'Check your connection; the service may be down for a moment. '}
            {backoff.nextInSeconds !== null
              ? `Trying again in ${backoff.nextInSeconds} s.`
              : 'Trying again…'}
          </span>
          <div className="button-row">
            <button type="button" onClick={backoff.tryNow}>
              Try again now
            </button>
          </div>
        </div>
      ) : view.status === 'failed' && !expired ? (
        <div className={`banner ${neutralEndings.has(view.code) ? 'info' : 'error'}`} role="alert">
          <span>{failureText(view, purpose)}</span>
          {view.code === 'already-registered' ? null : (
            <div className="button-row">
              <button type="button" className="primary" onClick={() => void restart()}>
                {view.retryable ? 'Try again' : 'Start again'}
              </button>
            </div>
          )}
        </div>
      ) : null}

      {view.status === 'cancelled' ? (
        <div className="banner info">
          <span>Stopped. No one can use the old code.</span>
          <div className="button-row">
            <button type="button" className="primary" onClick={() => void restart()}>
              Show a new code
            </button>
          </div>
        </div>
      ) : null}

      <div className="button-row">
        {view.status === 'waiting-for-scan' && view.canCopyLink ? (
          <button
            type="button"
            className="linklike"
            aria-expanded={showHelp}
            aria-controls="cant-scan"
            onClick={() => setShowHelp((v) => !v)}
          >
            Can’t scan?
          </button>
        ) : null}
        {onClose ? (
          // The dialog's one way out; "No, cancel" answers the phone question itself.
          view.status === 'confirm-phone' ? null : (
            <button type="button" onClick={() => void close()}>
              {active ? 'Cancel' : 'Close'}
            </button>
          )
        ) : active && view.status !== 'confirm-phone' ? (
          <button type="button" onClick={() => void cancel()}>
            Cancel
          </button>
        ) : null}
      </div>

      {showHelp && view.status === 'waiting-for-scan' && view.canCopyLink ? (
        <div id="cant-scan" className="card small">
          <p>
            Copy the link, send it to your own phone and open it there, in the browser where your
            passkey lives. The link works once and only for the next{' '}
            {secondsLeft !== null ? formatClock(secondsLeft) : 'minute'}.
          </p>
          <p className="muted">
            Never open a sign-in link that someone else sent you. Keybridge keeps the link out of
            this window on purpose; it goes straight to your clipboard.
          </p>
          <button type="button" onClick={() => void copyLink()}>
            Copy link
          </button>
          {copied === 'yes' ? (
            <span role="status" className="small">
              {' '}
              Copied to the clipboard.
            </span>
          ) : copied === 'failed' ? (
            <span role="alert" className="small">
              {' '}
              Could not copy the link.
            </span>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
