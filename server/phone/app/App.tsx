/**
 * Decides which page to show: the session (GET /api/me) and the path under /m/. Signed-out
 * visitors land on Sign in; signed-in ones on Security.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { MeResponse } from '../../protocol/api';
import { api, ApiError, SESSION_ENDED_EVENT } from '../lib/api';
import { ErrorNotice } from '../components/Notice';
import { SignInPage } from '../pages/SignInPage';
import { SignUpPage } from '../pages/SignUpPage';
import { SecurityPage } from '../pages/SecurityPage';
import { navigate, useRoute } from './router';
import { t } from '../i18n';

type Session =
  | { state: 'loading' }
  | { state: 'out' }
  | { state: 'in'; me: MeResponse }
  | { state: 'down'; message: string };

export function App() {
  const route = useRoute();
  const [session, setSession] = useState<Session>({ state: 'loading' });
  const [rpId, setRpId] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const signedInRef = useRef(false);
  useEffect(() => {
    signedInRef.current = session.state === 'in';
  }, [session.state]);

  const loadMe = useCallback(async () => {
    try {
      setSession({ state: 'in', me: await api.me() });
    } catch (err) {
      if (err instanceof ApiError && err.code === 'unauthorized') setSession({ state: 'out' });
      else setSession({ state: 'down', message: err instanceof Error ? err.message : String(err) });
    }
  }, []);

  useEffect(() => {
    api.me().then(
      (me) => setSession({ state: 'in', me }),
      () => void loadMe(), // loadMe sorts signed-out from server-down
    );
    api.config().then(
      (c) => setRpId(c.rpId),
      () => setRpId(location.hostname),
    );
  }, [loadMe]);

  // A call answered 401 (session revoked from another device, or expired): back to Sign in.
  useEffect(() => {
    const ended = () => {
      if (signedInRef.current) setNotice(t('app.sessionEnded'));
      setSession((s) => (s.state === 'in' ? { state: 'out' } : s));
    };
    window.addEventListener(SESSION_ENDED_EVENT, ended);
    return () => window.removeEventListener(SESSION_ENDED_EVENT, ended);
  }, []);

  // Keep the address bar honest about what is on screen.
  useEffect(() => {
    if (session.state === 'in' && route !== 'security') navigate('security', { replace: true });
    if (session.state === 'out' && (route === 'security' || route === 'home'))
      navigate('signin', { replace: true });
  }, [session.state, route]);

  const signedIn = useCallback(() => {
    setNotice(null);
    void loadMe();
  }, [loadMe]);

  if (session.state === 'loading') {
    return (
      <main className="page" aria-busy="true">
        <p className="muted">{t('common.loading')}</p>
      </main>
    );
  }
  if (session.state === 'down') {
    return (
      <main className="page" data-testid="down-page">
        <h1>Keybridge</h1>
        <ErrorNotice message={session.message} onRetry={() => void loadMe()} />
      </main>
    );
  }
  if (session.state === 'in') {
    return (
      <SecurityPage
        me={session.me}
        rpId={rpId}
        reloadMe={loadMe}
        onSignedOut={() => {
          setNotice(t('app.signedOut'));
          setSession({ state: 'out' });
        }}
      />
    );
  }
  if (route === 'signup') return <SignUpPage onSignedIn={signedIn} />;
  return <SignInPage onSignedIn={signedIn} notice={notice} />;
}
