/**
 * "Confirm it's you": the security verification (step-up) that adding or removing a passkey and
 * changing 2FA need. Password, plus the authenticator code when the account has one. The server
 * then treats this session as verified for 5 minutes.
 */
import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../lib/api';
import { useAction } from '../lib/use-action';
import { Dialog } from '../components/Dialog';
import { AuthenticatorCodeField, PasswordField } from '../components/Field';
import { ErrorNotice } from '../components/Notice';
import { t } from '../i18n';

const describeStepUpError = (err: unknown) =>
  err instanceof ApiError && err.code === 'invalid_credentials'
    ? t('stepUp.wrongPassword')
    : err instanceof Error
      ? err.message
      : String(err);

export function StepUpDialog(props: {
  totpEnabled: boolean;
  reason: string;
  onDone: (ok: boolean) => void;
}) {
  const [password, setPassword] = useState('');
  const [totp, setTotp] = useState('');
  const { busy, error, run } = useAction(describeStepUpError);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      await api.stepUp(password, props.totpEnabled ? totp.trim() : undefined);
      props.onDone(true);
    });
  };

  return (
    <Dialog
      title={t('stepUp.title')}
      onClose={() => props.onDone(false)}
      busy={busy}
      testId="stepup-dialog"
    >
      <p>{props.reason}</p>
      <form onSubmit={submit}>
        <PasswordField value={password} onValue={setPassword} />
        {props.totpEnabled && (
          <AuthenticatorCodeField hint={t('stepUp.codeHint')} value={totp} onValue={setTotp} />
        )}
        {error && <ErrorNotice message={error} />}
        <div className="actions">
          <button type="submit" className="button primary" disabled={busy}>
            {busy ? t('stepUp.checking') : t('stepUp.verify')}
          </button>
          <button
            type="button"
            className="button secondary"
            onClick={() => props.onDone(false)}
            disabled={busy}
          >
            {t('common.cancel')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
