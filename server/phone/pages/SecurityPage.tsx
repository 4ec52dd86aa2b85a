/**
 * The signed-in home: security checklist, passkeys, authenticator app, password, sessions,
 * activity.
 */
import { useState } from 'react';
import type { MeResponse } from '../../protocol/api';
import { api } from '../lib/api';
import { ErrorNotice } from '../components/Notice';
import { StepUpProvider } from '../security/step-up';
import { TotpSection } from '../security/TotpSection';
import { PasskeySection } from '../security/PasskeySection';
import { SessionsSection } from '../security/SessionsSection';
import { ActivitySection } from '../security/ActivitySection';
import { PasswordSection } from '../security/PasswordSection';
import { checklistWords } from '../security/checklist-words';
import { t } from '../i18n';

export function SecurityPage(props: {
  me: MeResponse;
  rpId: string | null;
  reloadMe: () => Promise<void>;
  onSignedOut: () => void;
}) {
  const { me, reloadMe } = props;
  const [refreshKey, setRefreshKey] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const changed = () => {
    // A later success anywhere on the page retires an older sign-out failure.
    setError(null);
    setRefreshKey((n) => n + 1);
    void reloadMe();
  };

  const signOut = async () => {
    try {
      await api.signOut();
      props.onSignedOut();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };

  return (
    <StepUpProvider
      totpEnabled={me.totpEnabled}
      hasPasskeys={me.passkeyCount > 0}
      elevatedUntil={me.elevatedUntil}
      onVerified={changed}
    >
      <main className="page" data-testid="security-page">
        <header className="topbar">
          <div>
            <p className="brand">Keybridge</p>
            <p className="muted" data-testid="account-email">
              {me.user.email}
            </p>
          </div>
          <button type="button" className="button secondary small" onClick={() => void signOut()}>
            {t('security.signOut')}
          </button>
        </header>
        {error && <ErrorNotice message={error} onRetry={() => void signOut()} />}
        <h1>{t('security.title')}</h1>
        <ul className="checklist" data-testid="checklist">
          {me.checklist.map((item) => {
            const words = checklistWords(item, me);
            return (
              <li key={item.id} className={item.done ? 'done' : 'todo'} data-done={item.done}>
                <span aria-hidden="true">{item.done ? '✓' : '•'}</span>
                <div>
                  <p className="row-title">{words.label}</p>
                  <p className="muted">{words.detail}</p>
                </div>
              </li>
            );
          })}
        </ul>
        <PasskeySection me={me} rpId={props.rpId} onChanged={changed} />
        <TotpSection me={me} onChanged={changed} />
        <PasswordSection onChanged={changed} />
        <SessionsSection refreshKey={refreshKey} />
        <ActivitySection refreshKey={refreshKey} />
      </main>
    </StepUpProvider>
  );
}
