/** Where this account is signed in, and a way to end any session but this one. */
import { useCallback, useEffect, useState } from 'react';
import type { SessionView } from '../../protocol/api';
import { api } from '../lib/api';
import { whenWords, exactTime } from '../lib/format';
import { ErrorNotice } from '../components/Notice';

const METHOD_WORDS: Record<SessionView['method'], string> = {
  password: 'password',
  passkey: 'passkey',
  qr: 'QR code and phone passkey',
};

export function SessionsSection(props: { refreshKey: number }) {
  const [sessions, setSessions] = useState<SessionView[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      setSessions((await api.sessions()).sessions);
      setError(null);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  }, []);

  useEffect(() => {
    api.sessions().then(
      (r) => setSessions(r.sessions),
      () => void load(),
    );
  }, [load, props.refreshKey]);

  const revoke = async (id: string) => {
    try {
      await api.revokeSession(id);
      await load();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };

  const revokeOthers = async () => {
    try {
      await api.revokeOtherSessions();
      await load();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  const others = sessions?.filter((s) => !s.current).length ?? 0;

  return (
    <section className="section" aria-labelledby="sessions-title" data-testid="sessions-section">
      <h2 id="sessions-title">Where you're signed in</h2>
      {error && <ErrorNotice message={error} onRetry={() => void load()} />}
      <ul className="list">
        {sessions?.map((s) => (
          <li key={s.id} className="card" data-testid="session-row" data-session-id={s.id}>
            <p className="row-title">
              {s.device}
              {s.current && <span className="badge badge-accent">This phone</span>}
            </p>
            <p className="muted">
              {s.client === 'desktop' ? 'Desktop app' : 'Browser'} · signed in with{' '}
              {METHOD_WORDS[s.method]} · {s.ip}
            </p>
            <p className="muted">
              <span title={exactTime(s.createdAt)}>Signed in {whenWords(s.createdAt)}</span> ·{' '}
              <span title={exactTime(s.lastActiveAt)}>active {whenWords(s.lastActiveAt)}</span>
            </p>
            {!s.current && (
              <button
                type="button"
                className="button danger-outline"
                aria-label={`Sign out ${s.device}`}
                onClick={() => void revoke(s.id)}
              >
                Sign out
              </button>
            )}
          </li>
        ))}
      </ul>
      {others > 1 && (
        <button
          type="button"
          className="button danger-outline block"
          onClick={() => void revokeOthers()}
        >
          Sign out everywhere else
        </button>
      )}
    </section>
  );
}
