/**
 * Where this account is signed in, and a way to end any session but this one. Each sign-out
 * asks first and then says "Signed out …", in the desktop's words
 * (renderer/src/settings/SessionsSection.tsx), so ending a session is never a silent tap.
 */
import { useCallback, useEffect, useState } from 'react';
import type { SessionView } from '../../protocol/api';
import { api } from '../lib/api';
import { whenWords, exactTime } from '../lib/format';
import { t } from '../i18n';
import { Dialog } from '../components/Dialog';
import { ErrorNotice, SuccessNotice } from '../components/Notice';

const methodWords = (m: SessionView['method']) =>
  m === 'password'
    ? t('sessions.method.password')
    : m === 'passkey'
      ? t('sessions.method.passkey')
      : t('sessions.method.qr');

type Pending = { kind: 'one'; session: SessionView } | { kind: 'others'; count: number };

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

export function SessionsSection(props: { refreshKey: number }) {
  const [sessions, setSessions] = useState<SessionView[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [pending, setPending] = useState<Pending | null>(null);
  const [busy, setBusy] = useState(false);
  // One slot for the last sign-out's outcome: a later success replaces an older error.
  const [outcome, setOutcome] = useState<{ tone: 'error' | 'success'; text: string } | null>(null);

  const load = useCallback(async () => {
    try {
      setSessions((await api.sessions()).sessions);
      setLoadError(null);
    } catch (err) {
      setLoadError(message(err));
    }
  }, []);

  useEffect(() => {
    api.sessions().then(
      (r) => setSessions(r.sessions),
      () => void load(),
    );
  }, [load, props.refreshKey]);

  const confirm = async () => {
    const p = pending;
    if (!p) return;
    setBusy(true);
    try {
      if (p.kind === 'one') {
        await api.revokeSession(p.session.id);
        setOutcome({
          tone: 'success',
          text: t('sessions.signedOutOne', { name: p.session.device }),
        });
      } else {
        const { revoked } = await api.revokeOtherSessions();
        setOutcome({ tone: 'success', text: t('sessions.signedOutOthers', { count: revoked }) });
      }
      await load();
    } catch (err) {
      setOutcome({ tone: 'error', text: message(err) });
    } finally {
      setBusy(false);
      setPending(null);
    }
  };

  const others = sessions?.filter((s) => !s.current).length ?? 0;

  return (
    <section className="section" aria-labelledby="sessions-title" data-testid="sessions-section">
      <h2 id="sessions-title">{t('sessions.title')}</h2>
      {loadError && <ErrorNotice message={loadError} onRetry={() => void load()} />}
      {outcome?.tone === 'success' && (
        <SuccessNotice testId="session-signed-out">{outcome.text}</SuccessNotice>
      )}
      {outcome?.tone === 'error' && <ErrorNotice message={outcome.text} />}
      <ul className="list">
        {sessions?.map((s) => (
          <li key={s.id} className="card" data-testid="session-row" data-session-id={s.id}>
            <p className="row-title">
              {s.device}
              {s.current && <span className="badge badge-accent">{t('sessions.thisPhone')}</span>}
            </p>
            <p className="muted">
              {t('sessions.meta', {
                client: s.client === 'desktop' ? t('sessions.desktopApp') : t('sessions.browser'),
                method: methodWords(s.method),
                ip: s.ip,
              })}
            </p>
            <p className="muted">
              <span title={exactTime(s.createdAt)}>
                {t('sessions.signedIn', { when: whenWords(s.createdAt) })}
              </span>
              {' · '}
              <span title={exactTime(s.lastActiveAt)}>
                {t('sessions.active', { when: whenWords(s.lastActiveAt) })}
              </span>
            </p>
            {!s.current && (
              <button
                type="button"
                className="button danger-outline"
                aria-label={t('sessions.signOutLabel', { name: s.device })}
                onClick={() => {
                  setOutcome(null);
                  setPending({ kind: 'one', session: s });
                }}
              >
                {t('sessions.signOut')}
              </button>
            )}
          </li>
        ))}
      </ul>
      {others > 1 && (
        <button
          type="button"
          className="button danger-outline block"
          onClick={() => {
            setOutcome(null);
            setPending({ kind: 'others', count: others });
          }}
        >
          {t('sessions.signOutOthers')}
        </button>
      )}
      {pending && (
        <Dialog
          title={
            pending.kind === 'one'
              ? t('sessions.confirmOneTitle', { name: pending.session.device })
              : t('sessions.confirmOthersTitle', { count: pending.count })
          }
          onClose={() => setPending(null)}
          busy={busy}
          testId="signout-dialog"
        >
          <p>
            {pending.kind === 'one'
              ? t('sessions.confirmOneBody')
              : t('sessions.confirmOthersBody')}
          </p>
          <div className="actions">
            <button
              type="button"
              className="button danger"
              onClick={() => void confirm()}
              disabled={busy}
            >
              {busy ? t('sessions.signingOut') : t('sessions.signOut')}
            </button>
            <button
              type="button"
              className="button secondary"
              onClick={() => setPending(null)}
              disabled={busy}
            >
              {t('common.cancel')}
            </button>
          </div>
        </Dialog>
      )}
    </section>
  );
}
