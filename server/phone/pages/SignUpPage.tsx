/** Sign up with email and password; the Security page then suggests a passkey and 2FA. */
import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../lib/api';
import { useAction } from '../lib/use-action';
import { EmailField, PasswordField } from '../components/Field';
import { ErrorNotice } from '../components/Notice';
import { navigate } from '../app/router';
import { t } from '../i18n';

const describeSignUpError = (err: unknown) =>
  err instanceof ApiError && err.code === 'validation_failed'
    ? t('signup.invalid')
    : err instanceof Error
      ? err.message
      : String(err);

export function SignUpPage(props: { onSignedIn: () => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { busy, error, run } = useAction(describeSignUpError);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      await api.signUp(email, password);
      // Sign-up may or may not open a session; make sure one exists before moving on.
      await api.me().catch(async (err) => {
        if (err instanceof ApiError && err.code === 'unauthorized') {
          await api.signInWithPassword(email, password);
          return;
        }
        throw err;
      });
      props.onSignedIn();
    });
  };

  return (
    <main className="page" data-testid="signup-page">
      <h1>{t('signup.title')}</h1>
      <p className="lead">{t('signup.lead')}</p>
      <form onSubmit={submit}>
        <EmailField value={email} onValue={setEmail} />
        <PasswordField
          name="new-password"
          autoComplete="new-password"
          minLength={10}
          hint={t('signup.passwordHint')}
          value={password}
          onValue={setPassword}
        />
        {error && <ErrorNotice message={error} />}
        <button type="submit" className="button primary block" disabled={busy}>
          {busy ? t('signup.creating') : t('signup.submit')}
        </button>
      </form>
      <p className="footer-link">
        {t('signup.haveAccount')}{' '}
        <a
          href="/m/signin"
          onClick={(e) => {
            e.preventDefault();
            navigate('signin');
          }}
        >
          {t('signup.signIn')}
        </a>
      </p>
    </main>
  );
}
