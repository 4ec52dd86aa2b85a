/**
 * The app's frame: follows the session the main process reports (restoring -> signed out ->
 * signed in), shows the keychain banner when there is no keychain, and switches between
 * Login, Account and Settings.
 */
import { useCallback, useEffect, useState } from 'react';
import type { KeychainStatus, SessionState } from '../../electron/ipc/contract';
import type { MeResponse } from '../../server/protocol/api';
import { AccountView } from './account/AccountView';
import { api, asUiError, call, UiError } from './bridge';
import { LoginScreen } from './login/LoginScreen';
import { SettingsPane, type SettingsSection } from './settings/SettingsPane';
import { ErrorBanner } from './ui/ErrorBanner';

type View = { page: 'account' } | { page: 'settings'; section: SettingsSection };

export function App() {
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
  const [loginKey, setLoginKey] = useState(0);
  const [version, setVersion] = useState<string | null>(null);

  useEffect(() => {
    if (fatal) return;
    const bridge = api();
    // A push is newer than any answer still on its way: an answer that arrives after one (e.g.
    // "restoring" after "signed-out") must not undo it and unmount a QR already shown.
    let sessionPushed = false;
    let keychainPushed = false;
    const offSession = bridge.onSessionChanged((next) => {
      sessionPushed = true;
      setSession(next);
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

  const retryRestore = useCallback(async () => {
    setSession({ status: 'restoring' });
    const r = await api().restoreSession();
    if (r.ok) setSession(r.value);
    else
      setSession({ status: 'signed-out', reason: 'server-unreachable', message: r.error.message });
    setLoginKey((k) => k + 1);
  }, []);

  async function signOut() {
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
            <button type="button" onClick={() => void signOut()}>
              Sign out
            </button>
          </>
        ) : null}
      </header>
      <main className="content">
        {fatal ? <ErrorBanner error={fatal} /> : null}
        {keychain && !keychain.available ? (
          <div className="banner warn" role="alert" data-testid="keychain-banner">
            <strong>Keychain unavailable</strong>
            {keychain.message ??
              'Your system keychain is not available, so Keybridge cannot keep you signed in after you close it. Nothing is saved to disk.'}
          </div>
        ) : null}
        {session.status === 'restoring' ? (
          <p className="muted" role="status">
            Checking for a saved session…
          </p>
        ) : session.status === 'signed-out' ? (
          <>
            <SignedOutNotice session={session} onRetry={() => void retryRestore()} />
            <LoginScreen key={loginKey} onSignedIn={setSession} />
          </>
        ) : (
          <SignedIn session={session} />
        )}
      </main>
      {version ? (
        <footer className="app-footer muted small" data-testid="app-version">
          Keybridge {version}
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
  if (session.reason === 'server-unreachable') {
    return (
      <ErrorBanner
        title="Can’t reach the exchange"
        error={new UiError('server_unreachable', session.message ?? '')}
        onRetry={onRetry}
      />
    );
  }
  if (session.reason === 'ended-elsewhere') {
    return (
      <div className="banner info" role="status" data-testid="signed-out-elsewhere">
        This computer was signed out from another device. Sign in again to continue.
      </div>
    );
  }
  if (session.reason === 'expired' || session.reason === 'revoked') {
    return (
      <div className="banner info" role="status">
        {session.reason === 'revoked'
          ? 'This computer was signed out from another session. Sign in again to continue.'
          : 'Your session ended. Sign in again to continue.'}
      </div>
    );
  }
  return null;
}

function SignedIn({ session }: { session: Extract<SessionState, { status: 'signed-in' }> }) {
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
      <nav className="tabs" aria-label="Main">
        <button
          type="button"
          className="nav-tab"
          aria-current={view.page === 'account' ? 'page' : undefined}
          onClick={() => setView({ page: 'account' })}
        >
          Account
        </button>
        <button
          type="button"
          className="nav-tab"
          aria-current={view.page === 'settings' ? 'page' : undefined}
          onClick={() => setView({ page: 'settings', section: 'passkeys' })}
        >
          Settings
        </button>
      </nav>
      {error ? <ErrorBanner error={error} onRetry={refresh} /> : null}
      {!me ? (
        error ? null : (
          <p className="muted" role="status">
            Loading your account…
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
