/**
 * The fallback: email + password, and the authenticator code when the account has one.
 * "Forgot password?" names the exact way back in and to a new password (passwordForm.forgotBody:
 * settings/PasswordSection.tsx takes a passkey confirmation instead of the current password).
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SessionState } from '../../../electron/ipc/contract';
import { api, call } from '../bridge';
import { ErrorBanner } from '../ui/ErrorBanner';
import { AuthenticatorCodeField, EmailField, PasswordField } from '../ui/fields';
import { useSubmit } from '../ui/useSubmit';

type Props = {
  onSignedIn: (s: SessionState) => void;
  onBack: () => void;
  /** a wrong password (the side column offers the phone after a few) */
  onFailed?: () => void;
};

export function PasswordForm({ onSignedIn, onBack, onFailed }: Props) {
  const { t } = useTranslation();
  const [forgot, setForgot] = useState(false);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [totp, setTotp] = useState('');
  const [needTotp, setNeedTotp] = useState(false);
  const { busy, error, submit } = useSubmit(
    async () => {
      const session = await call(
        api().signInWithPassword({ email, password, ...(needTotp && totp ? { totp } : {}) }),
      );
      onSignedIn(session);
    },
    (err) => {
      if (err.code === 'invalid_credentials') onFailed?.();
      if (err.code !== 'totp_required') return err;
      // The first time, asking for the code is the answer; after that it is an error.
      const shown = needTotp ? err : null;
      setNeedTotp(true);
      return shown;
    },
  );

  return (
    <form onSubmit={submit} aria-label={t('passwordForm.label')}>
      <h2>{t('passwordForm.title')}</h2>
      {error ? <ErrorBanner error={error} onRetry={() => void submit()} /> : null}
      <EmailField id="pw-email" value={email} onValue={setEmail} required />
      <PasswordField id="pw-password" value={password} onValue={setPassword} required />
      {needTotp ? (
        <AuthenticatorCodeField
          id="pw-totp"
          value={totp}
          onValue={setTotp}
          autoFocus
          hint={t('passwordForm.totpHint')}
        />
      ) : null}
      <div className="button-row">
        <button type="submit" className="primary" disabled={busy || !email || !password}>
          {busy ? t('passwordForm.submitting') : t('passwordForm.submit')}
        </button>
        <button type="button" onClick={onBack}>
          {t('passwordForm.usePhone')}
        </button>
      </div>
      <button
        type="button"
        className="linklike"
        aria-expanded={forgot}
        aria-controls="forgot-password"
        onClick={() => setForgot((v) => !v)}
      >
        {t('passwordForm.forgot')}
      </button>
      {forgot ? (
        <div id="forgot-password" className="banner info forgot-note" data-testid="forgot-password">
          <strong>{t('passwordForm.forgotTitle')}</strong>
          {t('passwordForm.forgotBody')}
        </div>
      ) : null}
    </form>
  );
}
