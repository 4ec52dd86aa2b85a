/**
 * Change password: current + new + confirm, after "Confirm it's you" (StepUp.tsx). The server
 * holds the new password to the sign-up rule and signs out every other session; the notice
 * says how many. A forgotten password: with a passkey on the account the current one may be
 * left empty, and the confirmation must then be the phone's passkey (server/accounts/
 * password-change-route.ts refuses it after a password-only step-up).
 */
import type { TFunction } from 'i18next';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, call, type UiError } from '../bridge';
import { ErrorBanner } from '../ui/ErrorBanner';
import { PasswordField } from '../ui/fields';
import { useSubmit } from '../ui/useSubmit';
import { useStepUp } from './StepUp';

type Props = { onChanged: () => void };

/** The sign-up rule (server/protocol/api.ts Password), said up front; the server decides. */
const MIN_LENGTH = 10;

export function signedOutNotice(n: number, t: TFunction): string {
  return t('password.changed', { count: n });
}

/** What the form says for the refusals it can explain better than the shared words. */
function refusal(error: UiError, t: TFunction): string | null {
  if (error.code === 'invalid_credentials') return t('password.wrongCurrent');
  if (error.code === 'current_password_required') return t('password.currentAsked');
  if (error.code === 'weak_password') return t('password.weak', { min: MIN_LENGTH });
  return null;
}

export function PasswordSection({ onChanged }: Props) {
  const { t } = useTranslation();
  const { withVerification, hasPasskeys } = useStepUp();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const { busy, error, submit } = useSubmit(
    async () => {
      setNotice(null);
      if (next !== confirm) {
        setMismatch(true);
        return;
      }
      setMismatch(false);
      const forgotten = !current && hasPasskeys;
      const res = await withVerification(
        t('password.reason'),
        () =>
          call(
            api().changePassword(
              forgotten ? { newPassword: next } : { currentPassword: current, newPassword: next },
            ),
          ),
        { passkeyOnly: forgotten },
      );
      if (!res) return;
      setCurrent('');
      setNext('');
      setConfirm('');
      setNotice(signedOutNotice(res.signedOutSessions, t));
      onChanged();
    },
    (err) => {
      setCurrent('');
      return err;
    },
  );
  const said = error ? refusal(error, t) : null;

  return (
    <section className="card" aria-labelledby="password-title">
      <div className="card-header">
        <div>
          <h2 id="password-title">{t('password.title')}</h2>
          <p className="muted small">{t('password.intro')}</p>
        </div>
      </div>
      {notice ? (
        <div className="banner ok" role="status" data-testid="password-changed">
          {notice}
        </div>
      ) : null}
      {said ? (
        <div className="banner error" role="alert">
          {said}
        </div>
      ) : error ? (
        <ErrorBanner error={error} />
      ) : null}
      {mismatch ? (
        <div className="banner error" role="alert">
          {t('password.mismatch')}
        </div>
      ) : null}
      <form onSubmit={submit}>
        <PasswordField
          id="password-current"
          label={t('password.current')}
          value={current}
          onValue={setCurrent}
          hint={hasPasskeys ? t('password.currentHint') : undefined}
          required={!hasPasskeys}
        />
        <PasswordField
          id="password-new"
          label={t('password.new')}
          autoComplete="new-password"
          hint={t('password.newHint', { min: MIN_LENGTH })}
          value={next}
          onValue={setNext}
          required
        />
        <PasswordField
          id="password-confirm"
          label={t('password.confirm')}
          autoComplete="new-password"
          value={confirm}
          onValue={setConfirm}
          required
        />
        <div className="button-row">
          <button
            type="submit"
            className="primary"
            disabled={busy || (!current && !hasPasskeys) || !next || !confirm}
          >
            {busy ? t('password.submitting') : t('password.submit')}
          </button>
        </div>
      </form>
    </section>
  );
}
