/**
 * Deleting a passkey: a confirmation, the security verification (asked by the server), and for
 * the last passkey a plain warning plus an explicit second confirmation, because that removes
 * the way to sign in by scanning a QR code.
 */
import { useState } from 'react';
import type { PasskeyDeleteResponse, PasskeyView } from '../../protocol/api';
import { api, ApiError } from '../lib/api';
import { Dialog } from '../components/Dialog';
import { ErrorNotice } from '../components/Notice';
import { useStepUp } from './step-up';
import { t } from '../i18n';

export function DeletePasskeyDialog(props: {
  passkey: PasskeyView;
  isLast: boolean;
  totpEnabled: boolean;
  onClose: () => void;
  onDeleted: (result: PasskeyDeleteResponse) => void;
}) {
  const { withStepUp } = useStepUp();
  const [lastWarning, setLastWarning] = useState(props.isLast);
  const [acknowledged, setAcknowledged] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const remove = async () => {
    setBusy(true);
    setError(null);
    try {
      const done = await withStepUp(t('deletePasskey.stepUpReason'), () =>
        api.deletePasskey(props.passkey.id, lastWarning && acknowledged),
      );
      if (done === null) {
        setBusy(false);
        setError(t('deletePasskey.cancelled'));
        return;
      }
      props.onDeleted(done);
    } catch (err) {
      setBusy(false);
      if (err instanceof ApiError && err.code === 'last_passkey') {
        // The server knows of no other passkey: show the warning and ask again.
        setLastWarning(true);
        setAcknowledged(false);
        return;
      }
      setError(err instanceof Error ? err.message : String(err));
    }
  };

  return (
    <Dialog
      title={t('deletePasskey.title', { name: props.passkey.name })}
      onClose={props.onClose}
      busy={busy}
      testId="delete-dialog"
    >
      <p>{t('deletePasskey.body')}</p>
      {lastWarning && (
        <div className="notice notice-warning" data-testid="last-passkey-warning">
          <p>
            <strong>{t('deletePasskey.lastTitle')}</strong>{' '}
            {props.totpEnabled ? t('deletePasskey.lastBodyTotp') : t('deletePasskey.lastBody')}
          </p>
          <label className="check">
            <input
              type="checkbox"
              checked={acknowledged}
              onChange={(e) => setAcknowledged(e.target.checked)}
            />
            {t('deletePasskey.acknowledge')}
          </label>
        </div>
      )}
      {error && <ErrorNotice message={error} />}
      <div className="actions">
        <button
          type="button"
          className="button danger"
          onClick={remove}
          disabled={busy || (lastWarning && !acknowledged)}
        >
          {busy ? t('deletePasskey.deleting') : t('deletePasskey.submit')}
        </button>
        <button type="button" className="button secondary" onClick={props.onClose} disabled={busy}>
          {t('deletePasskey.keep')}
        </button>
      </div>
    </Dialog>
  );
}
