/** The fallback: email + password, and the authenticator code when the account has one. */
import { useState, type FormEvent } from 'react';
import type { SessionState } from '../../../electron/ipc/contract';
import { api, asUiError, call, type UiError } from '../bridge';
import { ErrorBanner } from '../ui/ErrorBanner';

type Props = { onSignedIn: (s: SessionState) => void; onBack: () => void };

export function PasswordForm({ onSignedIn, onBack }: Props) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [totp, setTotp] = useState('');
  const [needTotp, setNeedTotp] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<UiError | null>(null);

  async function submit(ev?: FormEvent) {
    ev?.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const session = await call(
        api().signInWithPassword({ email, password, ...(needTotp && totp ? { totp } : {}) }),
      );
      onSignedIn(session);
    } catch (e) {
      const err = asUiError(e);
      if (err.code === 'totp_required') setNeedTotp(true);
      setError(err.code === 'totp_required' && !needTotp ? null : err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} aria-label="Sign in with password">
      <h2>Sign in with your password</h2>
      {error ? <ErrorBanner error={error} onRetry={() => void submit()} /> : null}
      <div className="field">
        <label htmlFor="pw-email">Email</label>
        <input
          id="pw-email"
          type="email"
          autoComplete="username"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          required
        />
      </div>
      <div className="field">
        <label htmlFor="pw-password">Password</label>
        <input
          id="pw-password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          required
        />
      </div>
      {needTotp ? (
        <div className="field">
          <label htmlFor="pw-totp">Authenticator code</label>
          <input
            id="pw-totp"
            type="text"
            inputMode="numeric"
            autoComplete="one-time-code"
            value={totp}
            onChange={(e) => setTotp(e.target.value.trim())}
            autoFocus
          />
          <div className="hint">
            The 6-digit code from your authenticator app, or a recovery code.
          </div>
        </div>
      ) : null}
      <div className="button-row">
        <button type="submit" className="primary" disabled={busy || !email || !password}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <button type="button" onClick={onBack}>
          Use my phone instead
        </button>
      </div>
    </form>
  );
}
