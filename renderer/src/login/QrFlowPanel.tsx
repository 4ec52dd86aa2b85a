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
import { useTranslation } from 'react-i18next';
import type { IpcResult, QrFailCode, QrPurpose, QrView } from '../../../electron/ipc/contract';
import { api } from '../bridge';
import { formatClock } from '../format';
import en from '../i18n/en.json';
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

/**
 * The words for each way a flow ends badly, by code (en.json `qr.failure`; the type below holds
 * it to every QrFailCode). The main process's English message is never shown.
 */
en.qr.failure satisfies Record<QrFailCode, string>;

/** Endings that are news, not errors: said in a neutral notice, not a red one. */
const neutralEndings = new Set<QrFailCode>(['denied', 'already-registered']);

type StatusKey = `qr.status.${keyof typeof en.qr.status}`;

/** The ending's words; confirming it's you (purpose step-up) words a few its own way. */
function failureKey(
  view: Extract<QrView, { status: 'failed' }>,
  purpose: QrPurpose,
): `qr.failure.${QrFailCode}` | `qr.stepUpFailure.${keyof typeof en.qr.stepUpFailure}` {
  if (
    purpose === 'step-up' &&
    (view.code === 'wrong-account' || view.code === 'step-up-required' || view.code === 'denied')
  )
    return `qr.stepUpFailure.${view.code}`;
  return `qr.failure.${view.code}`;
}

function statusOf(view: QrView, purpose: QrPurpose): { tone: string; text: StatusKey } {
  switch (view.status) {
    case 'idle':
    case 'starting':
      return { tone: 'waiting', text: 'qr.status.preparing' };
    case 'waiting-for-scan':
      return { tone: 'waiting', text: 'qr.status.waiting' };
    case 'confirm-phone':
      return { tone: 'scanned', text: 'qr.status.phoneScanned' };
    case 'scanned':
      return { tone: 'scanned', text: 'qr.status.scanned' };
    case 'needs-code':
      return { tone: 'scanned', text: 'qr.status.needsCode' };
    case 'verifying':
      return { tone: 'scanned', text: 'qr.status.verifying' };
    case 'done':
      return {
        tone: 'done',
        text:
          purpose === 'sign-in'
            ? 'qr.status.signedIn'
            : purpose === 'step-up'
              ? 'qr.status.confirmed'
              : 'qr.status.passkeyAdded',
      };
    case 'failed':
      if (view.code === 'expired') return { tone: 'idle', text: 'qr.status.expired' };
      if (view.code === 'server-unreachable')
        return { tone: 'error', text: 'qr.status.unreachable' };
      if (view.code === 'already-registered')
        return { tone: 'idle', text: 'qr.status.alreadyRegistered' };
      return {
        tone: 'error',
        text:
          purpose === 'sign-in'
            ? 'qr.status.notSignedIn'
            : purpose === 'step-up'
              ? 'qr.status.notConfirmed'
              : 'qr.status.passkeyNotAdded',
      };
    case 'cancelled':
      return { tone: 'idle', text: 'qr.status.cancelled' };
  }
}

export function QrFlowPanel({ purpose, start, onDone, onView, onClose }: Props) {
  const { t } = useTranslation();
  const { view, lastQr, attempt, restart, cancel, submitCode, confirmPhone } = useQrFlow(
    purpose,
    start,
  );
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
    attempt,
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
        <span>{t(status.text)}</span>
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
                  ? t('qr.altSignIn')
                  : purpose === 'step-up'
                    ? t('qr.altStepUp')
                    : t('qr.altAddPasskey')
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
                  <p>{t('qr.codeExpired')}</p>
                  <button type="button" onClick={() => void restart()}>
                    {t('qr.showNew')}
                  </button>
                </div>
              ) : checkPhone ? (
                <div className="check-phone" data-testid="check-phone">
                  <span className="check-phone-icon" aria-hidden="true">
                    <PhoneIcon size={40} />
                  </span>
                  <strong>{t('qr.checkPhone')}</strong>
                  <span className="small">
                    {view.status === 'verifying' ? t('qr.approvedFinishing') : t('qr.approveWith')}
                  </span>
                </div>
              ) : view.status === 'done' ? (
                '✓'
              ) : (
                t('qr.status.preparing')
              )}
            </div>
          )}
        </div>
      )}

      {view.status === 'waiting-for-scan' && secondsLeft !== null ? (
        <p className="countdown" data-testid="qr-countdown">
          {t('qr.countdown', { time: formatClock(secondsLeft) })}
        </p>
      ) : null}

      {view.status === 'scanned' && view.phone ? (
        <div className="scanned-phone">
          <PhoneName phone={view.phone} />
          <p className="small muted">{t('qr.notYourPhone')}</p>
        </div>
      ) : null}

      {view.status === 'done' && view.passkey ? (
        <p className="small" data-testid="qr-added-passkey">
          {t('qr.added', { name: view.passkey.name })}
        </p>
      ) : null}

      {unreachable ? (
        <div className="banner warn" role="alert" data-testid="server-retry">
          <strong>
            {serverName
              ? t('qr.unreachableTitleAt', { server: serverName })
              : t('qr.unreachableTitle')}
          </strong>
          <span>
            {backoff.failures > 1
              ? t('qr.tried', { count: backoff.failures })
              : t('qr.checkConnection')}
            {backoff.nextInSeconds !== null
              ? t('qr.nextIn', { seconds: backoff.nextInSeconds })
              : t('qr.trying')}
          </span>
          <div className="button-row">
            <button type="button" onClick={backoff.tryNow}>
              {t('qr.tryNow')}
            </button>
          </div>
        </div>
      ) : view.status === 'failed' && !expired ? (
        <div className={`banner ${neutralEndings.has(view.code) ? 'info' : 'error'}`} role="alert">
          <span>{t(failureKey(view, purpose))}</span>
          {view.code === 'already-registered' ? null : (
            <div className="button-row">
              <button type="button" className="primary" onClick={() => void restart()}>
                {view.retryable ? t('qr.tryAgain') : t('qr.startAgain')}
              </button>
            </div>
          )}
        </div>
      ) : null}

      {view.status === 'cancelled' ? (
        <div className="banner info">
          <span>{t('qr.stopped')}</span>
          <div className="button-row">
            <button type="button" className="primary" onClick={() => void restart()}>
              {t('qr.showNew')}
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
            {t('qr.cantScan')}
          </button>
        ) : null}
        {onClose ? (
          // The dialog's one way out; "No, cancel" answers the phone question itself.
          view.status === 'confirm-phone' ? null : (
            <button type="button" onClick={() => void close()}>
              {active ? t('qr.cancel') : t('qr.close')}
            </button>
          )
        ) : active && view.status !== 'confirm-phone' ? (
          <button type="button" onClick={() => void cancel()}>
            {t('qr.cancel')}
          </button>
        ) : null}
      </div>

      {showHelp && view.status === 'waiting-for-scan' && view.canCopyLink ? (
        <div id="cant-scan" className="card small">
          <p>
            {secondsLeft !== null
              ? t('qr.linkHelp', { time: formatClock(secondsLeft) })
              : t('qr.linkHelpMinute')}
          </p>
          <p className="muted">{t('qr.linkWarning')}</p>
          <button type="button" onClick={() => void copyLink()}>
            {t('qr.copyLink')}
          </button>
          {copied === 'yes' ? (
            <span role="status" className="small">
              {' '}
              {t('qr.copied')}
            </span>
          ) : copied === 'failed' ? (
            <span role="alert" className="small">
              {' '}
              {t('qr.copyFailed')}
            </span>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
