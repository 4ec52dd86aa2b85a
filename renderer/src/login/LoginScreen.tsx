/**
 * The first thing a person sees: scan with the phone (the main way), or the password fallback.
 * The side column says what to do for the state the left side is in (login/SideGuide.tsx);
 * the password link is offered only while no phone is part-way through a sign-in.
 */
import { useCallback, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { QrView, SessionState } from '../../../electron/ipc/contract';
import { api } from '../bridge';
import { PasswordForm } from './PasswordForm';
import { QrFlowPanel } from './QrFlowPanel';
import { SideGuide } from './SideGuide';

type Props = { onSignedIn: (s: SessionState) => void };

const startSignIn = () => api().startQrSignIn();

/** A phone is part-way through: switching to the password would abandon its sign-in. */
const phoneInProgress = (v: QrView) =>
  v.status === 'scanned' || v.status === 'needs-code' || v.status === 'verifying';

export function LoginScreen({ onSignedIn }: Props) {
  const { t } = useTranslation();
  const [mode, setMode] = useState<'qr' | 'password'>('qr');
  const [view, setView] = useState<QrView>({ status: 'starting', purpose: 'sign-in' });
  const [passwordFailures, setPasswordFailures] = useState(0);
  const onView = useCallback((v: QrView) => setView(v), []);

  return (
    <section className="card" aria-labelledby="login-title">
      <div className="login">
        <div>
          {mode === 'qr' ? (
            <QrFlowPanel purpose="sign-in" start={startSignIn} onView={onView} />
          ) : (
            <PasswordForm
              onSignedIn={onSignedIn}
              onBack={() => setMode('qr')}
              onFailed={() => setPasswordFailures((n) => n + 1)}
            />
          )}
        </div>
        <div className="side-guide" data-testid="login-guide">
          <h1 id="login-title">{t('login.title')}</h1>
          <SideGuide mode={mode} view={view} passwordFailures={passwordFailures} />
          {mode === 'qr' && !phoneInProgress(view) ? (
            <>
              <hr className="divider" />
              <button type="button" className="linklike" onClick={() => setMode('password')}>
                {t('login.usePassword')}
              </button>
            </>
          ) : null}
        </div>
      </div>
    </section>
  );
}
