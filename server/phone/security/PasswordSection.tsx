/**
 * Change password (POST /api/account/password): current + new + confirm, after "Confirm it's
 * you" when the server asks for it. The server holds the new password to the sign-up rule and
 * signs out every other session; the notice says how many, in the desktop's words
 * (renderer/src/settings/PasswordSection.tsx).
 */
import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../lib/api';
import { useAction } from '../lib/use-action';
import { t } from '../i18n';
import { PasswordField } from '../components/Field';
import { ErrorNotice, SuccessNotice } from '../components/Notice';
import { useStepUp } from './step-up';

/** The sign-up rule (server/protocol/api.ts Password), said up front; the server decides. */
const MIN_LENGTH = 10;

/** The refusals this form can explain better than the shared words (lib/api.ts). */
const describePasswordError = (err: unknown) =>
  err instanceof ApiError && err.code === 'invalid_credentials'
    ? t('password.currentWrong')
    : err instanceof ApiError && err.code === 'weak_password'
      ? t('password.weak', { min: MIN_LENGTH })
      : err instanceof Error
        ? err.message
        : String(err);

export function PasswordSection(props: { onChanged: () => void }) {
  const { withStepUp } = useStepUp();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [notice, setNotice] = useState<string | null>(null);
  const { busy, error, setError, run } = useAction(describePasswordError);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setNotice(null);
    if (next !== confirm) {
      setError(t('password.mismatch'));
      return;
    }
    void run(async () => {
      try {
        const res = await withStepUp(t('password.stepUpReason'), () =>
          api.changePassword(current, next),
        );
        if (!res) return;
        setCurrent('');
        setNext('');
        setConfirm('');
        setNotice(t('password.changed', { count: res.signedOutSessions }));
        props.onChanged();
      } catch (err) {
        // A wrong current password is typed again from scratch.
        setCurrent('');
        throw err;
      }
    });
  };

  return (
    <section className="section" aria-labelledby="password-title" data-testid="password-section">
      <h2 id="password-title">{t('password.title')}</h2>
      <p className="muted">{t('password.lead')}</p>
      {notice && <SuccessNotice testId="password-changed">{notice}</SuccessNotice>}
      <form onSubmit={submit}>
        <PasswordField
          label={t('password.current')}
          name="current-password"
          value={current}
          onValue={setCurrent}
        />
        <PasswordField
          label={t('password.new')}
          name="new-password"
          autoComplete="new-password"
          minLength={MIN_LENGTH}
          hint={t('password.newHint', { min: MIN_LENGTH })}
          value={next}
          onValue={setNext}
        />
        <PasswordField
          label={t('password.confirm')}
          name="confirm-password"
          autoComplete="new-password"
          value={confirm}
          onValue={setConfirm}
        />
        {error && <ErrorNotice message={error} />}
        <button
          type="submit"
          className="button secondary block"
          disabled={busy || !current || !next || !confirm}
        >
          {busy ? t('password.changing') : t('password.submit')}
        </button>
      </form>
    </section>
  );
}
