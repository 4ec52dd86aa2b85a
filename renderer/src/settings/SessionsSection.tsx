/** Where the account is signed in; this session marked; sign out one or all the others. */
import { useState } from 'react';
import type { SessionView } from '../../../server/protocol/api';
import { api, asUiError, call, type UiError } from '../bridge';
import { describeUserAgent, formatAgo, formatDate } from '../format';
import { ErrorBanner } from '../ui/ErrorBanner';
import { useAsync } from '../ui/useAsync';

const loadSessions = () => call(api().listSessions());

const methodWords: Record<SessionView['method'], string> = {
  password: 'Password',
  passkey: 'Passkey',
  qr: 'Phone (QR)',
};

export function SessionsSection({ onChanged }: { onChanged: () => void }) {
  const { data, error, loading, reload } = useAsync(loadSessions);
  const [actionError, setActionError] = useState<UiError | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  async function run(action: () => Promise<string>) {
    setActionError(null);
    setNotice(null);
    try {
      setNotice(await action());
      reload();
      onChanged();
    } catch (e) {
      setActionError(asUiError(e));
    }
  }

  const sessions = data?.sessions ?? [];
  const others = sessions.filter((s) => !s.current).length;

  return (
    <section className="card" aria-labelledby="sessions-title">
      <div className="card-header">
        <div>
          <h2 id="sessions-title">Sessions</h2>
          <p className="muted small">
            Everywhere your account is signed in. Sign out anything you don’t recognise.
          </p>
        </div>
        <button
          type="button"
          className="danger"
          disabled={others === 0}
          onClick={() =>
            void run(async () => {
              const { revoked } = await call(api().revokeOtherSessions());
              return `Signed out ${revoked} other session${revoked === 1 ? '' : 's'}.`;
            })
          }
        >
          Sign out all other sessions
        </button>
      </div>
      {notice ? (
        <div className="banner ok" role="status">
          {notice}
        </div>
      ) : null}
      {actionError ? <ErrorBanner error={actionError} /> : null}
      {error ? <ErrorBanner error={error} onRetry={reload} /> : null}
      {loading && !data ? <p className="muted">Loading sessions…</p> : null}
      <ul className="rows" aria-label="Your sessions">
        {sessions.map((s) => (
          <li key={s.id} className="row" data-testid="session-row">
            <div className="row-main">
              <div className="row-title">
                <span>
                  {s.client === 'desktop'
                    ? s.device || 'Desktop app'
                    : describeUserAgent(s.userAgent)}
                </span>
                {s.current ? <span className="badge accent">This session</span> : null}
                <span className="badge">{methodWords[s.method]}</span>
              </div>
              <div className="meta">
                {s.ip} · Signed in {formatDate(s.createdAt)} · Active {formatAgo(s.lastActiveAt)}
              </div>
            </div>
            <div className="row-actions">
              {s.current ? null : (
                <button
                  type="button"
                  className="danger"
                  aria-label={`Sign out session from ${s.ip} started ${formatDate(s.createdAt)}`}
                  onClick={() =>
                    void run(async () => {
                      await call(api().revokeSession({ id: s.id }));
                      return 'Session signed out.';
                    })
                  }
                >
                  Sign out
                </button>
              )}
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
