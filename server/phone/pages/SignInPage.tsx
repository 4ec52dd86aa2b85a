/**
 * Sign in: password (+ authenticator code when the account has one), or a passkey on this
 * phone, by button or from the email field's autofill where the browser offers it.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { browserSupportsWebAuthnAutofill, WebAuthnAbortService } from '@simplewebauthn/browser';
import { api, ApiError } from '../lib/api';
import { signInWithPasskey } from '../lib/passkey-flows';
import { describeWebAuthnError, isSupersededCeremony } from '../lib/webauthn-errors';
import { AuthenticatorCodeField, EmailField, PasswordField } from '../components/Field';
import { ErrorNotice } from '../components/Notice';
import { navigate } from '../app/router';
import { t } from '../i18n';

export function SignInPage(props: { onSignedIn: () => void; notice?: string | null }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [totp, setTotp] = useState('');
  const [askTotp, setAskTotp] = useState(false);
  const [busy, setBusy] = useState<'password' | 'passkey' | null>(null);
  const [error, setError] = useState<{
    message: string;
    code?: string;
    retry?: () => void;
  } | null>(null);
  const { onSignedIn } = props;

  // Conditional UI: passkeys appear in the email field's suggestions without a modal prompt.
  useEffect(() => {
    let live = true;
    void (async () => {
      if (!(await browserSupportsWebAuthnAutofill()) || !live) return;
      try {
        await signInWithPasskey({ autofill: true });
        if (live) onSignedIn();
      } catch (err) {
        if (!live || isSupersededCeremony(err)) return;
        const plain = describeWebAuthnError(err, 'get');
        // A quiet autofill request that simply ended needs no message.
        if (plain.code === 'NotAllowedError') return;
        setError({ message: plain.message, code: plain.code });
      }
    })();
    return () => {
      live = false;
      WebAuthnAbortService.cancelCeremony();
    };
  }, [onSignedIn]);

  const submitPassword = async (e: FormEvent) => {
    e.preventDefault();
    setBusy('password');
    setError(null);
    try {
      await api.signInWithPassword(email, password, askTotp ? totp.trim() : undefined);
      onSignedIn();
    } catch (err) {
      setBusy(null);
      if (err instanceof ApiError && err.code === 'totp_required') {
        setAskTotp(true);
        return;
      }
      setError({
        message: err instanceof Error ? err.message : String(err),
        code: err instanceof ApiError ? err.code : undefined,
      });
    }
  };

  const usePasskey = async () => {
    setBusy('passkey');
    setError(null);
    try {
      await signInWithPasskey();
      onSignedIn();
    } catch (err) {
      setBusy(null);
      const plain = describeWebAuthnError(err, 'get');
      setError({
        message: plain.message,
        code: plain.code,
        retry: plain.canRetry ? usePasskey : undefined,
      });
    }
  };

  return (
    <main className="page" data-testid="signin-page">
      <h1>{t('signin.title')}</h1>
      {props.notice && <p className="lead">{props.notice}</p>}
      <button
        type="button"
        className="button primary block"
        onClick={usePasskey}
        disabled={busy !== null}
      >
        {busy === 'passkey' ? t('signin.waitingPasskey') : t('signin.withPasskey')}
      </button>
      <div className="divider">
        <span>{t('signin.orPassword')}</span>
      </div>
      <form onSubmit={submitPassword}>
        {/* "webauthn": the browser may offer this phone's passkeys as the field's autofill. */}
        <EmailField autoComplete="username webauthn" value={email} onValue={setEmail} />
        <PasswordField name="password" value={password} onValue={setPassword} />
        {askTotp && (
          <AuthenticatorCodeField
            hint={t('signin.totpHint')}
            value={totp}
            onValue={setTotp}
            autoFocus
          />
        )}
        {error && (
          <ErrorNotice
            message={error.message}
            code={error.code}
            onRetry={error.retry}
            retryLabel={t('signin.retryPasskey')}
          />
        )}
        <button type="submit" className="button secondary block" disabled={busy !== null}>
          {busy === 'password' ? t('signin.signingIn') : t('signin.submit')}
        </button>
      </form>
      <p className="footer-link">
        {t('signin.noAccount')}{' '}
        <a
          href="/m/signup"
          onClick={(e) => {
            e.preventDefault();
            navigate('signup');
          }}
        >
          {t('signin.createAccount')}
        </a>
      </p>
    </main>
  );
}
