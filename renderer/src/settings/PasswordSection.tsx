/**
 * Change password: current + new + confirm, after "Confirm it's you" (StepUp.tsx). The server
 * holds the new password to the sign-up rule and signs out every other session; the notice
 * says how many. A forgotten password: with a passkey on the account the current one may be
 * left empty, and the confirmation must then be the phone's passkey (server/accounts/
 * password-change-route.ts refuses it after a password-only step-up).
 */
import { useState } from 'react';
import { api, call, type UiError } from '../bridge';
import { ErrorBanner } from '../ui/ErrorBanner';
import { PasswordField } from '../ui/fields';
import { useSubmit } from '../ui/useSubmit';
import { useStepUp } from './StepUp';

type Props = { onChanged: () => void };

/** The sign-up rule (server/protocol/api.ts Password), said up front; the server decides. */
const MIN_LENGTH = 10;

/** The words of the forgotten-password path (to move into the desktop's catalogue). */
export const forgotPasswordWords = {
  currentHint: 'Forgot it? Leave it empty: you’ll confirm with the passkey on your phone instead.',
  currentAsked:
    'Type your current password, or leave it empty and confirm with your phone’s passkey.',
};

export function signedOutNotice(n: number): string {
  return `Password changed. ${n} other ${n === 1 ? 'session was' : 'sessions were'} signed out.`;
}

/** What the form says for the refusals it can explain better than the shared words. */
function refusal(error: UiError): string | null {
  if (error.code === 'invalid_credentials') return 'Your current password is not right.';
  if (error.code === 'current_password_required') return forgotPasswordWords.currentAsked;
  if (error.code === 'weak_password')
    return `Choose a new password of at least ${MIN_LENGTH} characters.`;
  return null;
}

export function PasswordSection({ onChanged }: Props) {
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
        'Changing your password signs out your other sessions.',
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
      setNotice(signedOutNotice(res.signedOutSessions));
      onChanged();
    },
    (err) => {
      setCurrent('');
      return err;
    },
  );
  const said = error ? refusal(error) : null;

  return (
    <section className="card" aria-labelledby="password-title">
      <div className="card-header">
        <div>
          <h2 id="password-title">Password</h2>
          <p className="muted small">
            Changing it signs out every other session of your exchange account.
          </p>
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
          The new password and its confirmation are not the same.
        </div>
      ) : null}
      <form onSubmit={submit}>
        <PasswordField
          id="password-current"
          label="Current password"
          value={current}
          onValue={setCurrent}
          hint={hasPasskeys ? forgotPasswordWords.currentHint : undefined}
          required={!hasPasskeys}
        />
        <PasswordField
          id="password-new"
          label="New password"
          autoComplete="new-password"
          hint={`At least ${MIN_LENGTH} characters.`}
          value={next}
          onValue={setNext}
          required
        />
        <PasswordField
          id="password-confirm"
          label="Confirm new password"
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
            {busy ? 'Changing…' : 'Change password'}
          </button>
        </div>
      </form>
    </section>
  );
}
