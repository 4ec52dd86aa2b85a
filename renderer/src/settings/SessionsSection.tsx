/** Where the account is signed in; this session marked; sign out one or all the others. */
import type { SessionView } from '../../../server/protocol/api';
import { api, call } from '../bridge';
import { describeUserAgent, formatAgo, formatDate } from '../format';
import { ListSectionBanners, useListSection } from './useListSection';

const loadSessions = () => call(api().listSessions());

const methodWords: Record<SessionView['method'], string> = {
  password: 'Password',
  passkey: 'Passkey',
  qr: 'Phone (QR)',
};

export function SessionsSection({ onChanged }: { onChanged: () => void }) {
  const section = useListSection(loadSessions, onChanged);
  const { data, run } = section;
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
      <ListSectionBanners section={section} loadingText="Loading sessions…" />
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
