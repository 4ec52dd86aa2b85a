/**
 * The app's frame: follows the session the main process reports (restoring -> signed out ->
 * signed in) and switches between Login, Account and Settings. Without a keychain nothing
 * could keep a sign-in, so the login screen gives way to one fix step (KeychainNeeded) before
 * any QR is shown. Signing out asks first, then says it is done.
 */
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { KeychainStatus, SessionState } from '../../electron/ipc/contract';
import type { MeResponse } from '../../server/protocol/api';
import { AccountView } from './account/AccountView';
import type { UiError } from './bridge';
import { api, asUiError, call } from './bridge';
import { LoginScreen } from './login/LoginScreen';
import { SettingsPane, type SettingsSection } from './settings/SettingsPane';
import { Dialog } from './ui/Dialog';
import { ErrorBanner } from './ui/ErrorBanner';
import { KeychainNeeded } from './ui/KeychainNeeded';
import { useBackoff } from './ui/useBackoff';
import { useServerName } from './ui/useServerName';

type View = { page: 'account' } | { page: 'settings'; section: SettingsSection };

export function App() {
  const { t } = useTranslation();
  const [session, setSession] = useState<SessionState>({ status: 'restoring' });
  const [keychain, setKeychain] = useState<KeychainStatus | null>(null);
  // Without the bridge nothing works; say so instead of showing a dead login screen.
  const [fatal] = useState<UiError | null>(() => {
    try {
      api();
      return null;
    } catch (e) {
      return asUiError(e);
    }
  });
  const [version, setVersion] = useState<string | null>(null);
  const [confirmSignOut, setConfirmSignOut] = useState(false);
  const [checkingKeychain, setCheckingKeychain] = useState(false);

  useEffect(() => {
    if (fatal) return;
    const bridge = api();
    // A push is newer than any answer still on its way: an answer that arrives after one (e.g.
    // "restoring" after "signed-out") must not undo it and unmount a QR already shown.
    let sessionPushed = false;
    let keychainPushed = false;
    const offSession = bridge.onSessionChanged((next) => {
      sessionPushed = true;
      // A retry of the saved sign-in ("restoring" again) keeps the login screen in place.
      setSession((prev) =>
        next.status === 'restoring' && prev.status === 'signed-out' ? prev : next,
      );
    });
    const offKeychain = bridge.onKeychainStatus((next) => {
      keychainPushed = true;
      setKeychain(next);
    });
    void bridge.getSession().then((r) => r.ok && !sessionPushed && setSession(r.value));
    void bridge.getKeychainStatus().then((r) => r.ok && !keychainPushed && setKeychain(r.value));
    void bridge.getAppInfo().then((r) => r.ok && setVersion(r.value.version));
    return () => {
      offSession();
      offKeychain();
    };
  }, [fatal]);

  // The login screen stays mounted while this runs: whatever the person typed keeps its place.
  const retryRestore = useCallback(async () => {
    const r = await api().restoreSession();
    if (r.ok) setSession(r.value);
    else
      setSession({ status: 'signed-out', reason: 'server-unreachable', message: r.error.message });
  }, []);

  async function checkKeychain() {
    setCheckingKeychain(true);
    try {
      await api().restoreSession();
    } finally {
      setCheckingKeychain(false);
    }
  }

  async function signOut() {
    setConfirmSignOut(false);
    const r = await api().signOut();
    if (r.ok) setSession(r.value);
  }

  return (
    <div className="app">
      <header className="topbar">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">
            K
          </span>
          Keybridge
        </div>
        {session.status === 'signed-in' ? (
          <>
            <span className="spacer" />
            <span className="muted small" data-testid="signed-in-as">
              {session.user.email}
            </span>
            <button type="button" onClick={() => setConfirmSignOut(true)}>
              {t('app.signOut')}
            </button>
          </>
        ) : null}
      </header>
      <main className="content">
        {fatal ? <ErrorBanner error={fatal} /> : null}
        {keychain && !keychain.available && session.status === 'signed-in' ? (
          <div className="banner warn" role="alert" data-testid="keychain-banner">
            <strong>{t('app.keychainStopped.title')}</strong>
            {t('app.keychainStopped.body')}
          </div>
        ) : null}
        {session.status === 'restoring' ? (
          <p className="muted" role="status">
            {t('app.restoring')}
          </p>
        ) : session.status === 'signed-out' ? (
          keychain && !keychain.available ? (
            <KeychainNeeded checking={checkingKeychain} onCheck={() => void checkKeychain()} />
          ) : (
            <>
              <SignedOutNotice session={session} onRetry={() => void retryRestore()} />
              <LoginScreen onSignedIn={setSession} />
            </>
          )
        ) : (
          <SignedIn session={session} />
        )}
        {confirmSignOut ? (
          <Dialog title={t('app.signOutDialog.title')} onClose={() => setConfirmSignOut(false)}>
            <p>{t('app.signOutDialog.body')}</p>
            <div className="button-row">
              <button type="button" className="primary" onClick={() => void signOut()}>
                {t('app.signOutDialog.confirm')}
              </button>
              <button type="button" onClick={() => setConfirmSignOut(false)}>
                {t('app.signOutDialog.cancel')}
              </button>
            </div>
          </Dialog>
        ) : null}
      </main>
      {version ? (
        <footer className="app-footer muted small" data-testid="app-version">
          {t('app.version', { version })}
        </footer>
      ) : null}
    </div>
  );
}

function SignedOutNotice({
  session,
  onRetry,
}: {
  session: Extract<SessionState, { status: 'signed-out' }>;
  onRetry: () => void;
}) {
  const { t } = useTranslation();
  if (session.reason === 'server-unreachable') return <RestoreRetry onRetry={onRetry} />;
  if (session.reason === 'signed-out') {
    return (
      <div className="banner ok" role="status" data-testid="signed-out-notice">
        <strong>{t('signedOut.title')}</strong>
        {t('signedOut.body')}
      </div>
    );
  }
  if (session.reason === 'ended-elsewhere') {
    return (
      <div className="banner info" role="status" data-testid="signed-out-elsewhere">
        {t('signedOut.elsewhere')}
      </div>
    );
  }
  if (session.reason === 'expired' || session.reason === 'revoked') {
    return (
      <div className="banner info" role="status">
        {session.reason === 'revoked' ? t('signedOut.revoked') : t('signedOut.expired')}
      </div>
    );
  }
  return null;
}

/**
 * A saved sign-in could not be checked because the exchange is out of reach: it is kept, and
 * checked again by itself with growing waits; each attempt is counted on screen.
 */
function RestoreRetry({ onRetry }: { onRetry: () => Promise<void> | void }) {
  const { t } = useTranslation();
  const [phase, setPhase] = useState<'failed' | 'trying'>('failed');
  const [attempt, setAttempt] = useState(0);
  const serverName = useServerName();
  const retry = useCallback(() => {
    setAttempt((n) => n + 1);
    setPhase('trying');
    void Promise.resolve(onRetry()).finally(() => setPhase('failed'));
  }, [onRetry]);
  const backoff = useBackoff(phase, retry, attempt);
  return (
    <div className="banner warn" role="alert" data-testid="restore-retry">
      <strong>
        {serverName ? t('restore.titleAt', { server: serverName }) : t('restore.title')}
      </strong>
      <span>
        {t('restore.kept')}{' '}
        {phase === 'trying'
          ? t('restore.trying')
          : `${t('restore.tried', { count: backoff.failures || 1 })}${
              backoff.nextInSeconds !== null
                ? ` ${t('restore.nextIn', { seconds: backoff.nextInSeconds })}`
                : ''
            }`}
      </span>
      <div className="button-row">
        <button type="button" onClick={backoff.tryNow} disabled={phase === 'trying'}>
          {t('restore.tryNow')}
        </button>
      </div>
    </div>
  );
}

function SignedIn({ session }: { session: Extract<SessionState, { status: 'signed-in' }> }) {
  const { t } = useTranslation();
  const [view, setView] = useState<View>({ page: 'account' });
  const [me, setMe] = useState<MeResponse | null>(null);
  const [error, setError] = useState<UiError | null>(null);
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    let live = true;
    call(api().getAccount())
      .then((m) => {
        if (!live) return;
        setMe(m);
        setError(null);
      })
      .catch((e: unknown) => live && setError(asUiError(e)));
    return () => {
      live = false;
    };
  }, [session.sessionId, generation]);

  const refresh = useCallback(() => setGeneration((g) => g + 1), []);

  return (
    <>
      <nav className="tabs" aria-label={t('app.nav.label')}>
        <button
          type="button"
          className="nav-tab"
          aria-current={view.page === 'account' ? 'page' : undefined}
          onClick={() => {
            setView({ page: 'account' });
            // Fresh on each visit: the checklist changes with what was reviewed in Settings.
            refresh();
          }}
        >
          {t('app.nav.account')}
        </button>
        <button
          type="button"
          className="nav-tab"
          aria-current={view.page === 'settings' ? 'page' : undefined}
          onClick={() => setView({ page: 'settings', section: 'passkeys' })}
        >
          {t('app.nav.settings')}
        </button>
      </nav>
      {error ? <ErrorBanner error={error} onRetry={refresh} /> : null}
      {!me ? (
        error ? null : (
          <p className="muted" role="status">
            {t('app.loadingAccount')}
          </p>
        )
      ) : view.page === 'account' ? (
        <AccountView me={me} onOpenSettings={(section) => setView({ page: 'settings', section })} />
      ) : (
        <SettingsPane
          me={me}
          section={view.section}
          onSection={(section) => setView({ page: 'settings', section })}
          onChanged={refresh}
        />
      )}
    </>
  );
}
