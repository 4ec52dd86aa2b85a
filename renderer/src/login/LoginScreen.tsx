/**
 * The first thing a person sees: scan with the phone (the main way), or the password fallback.
 */
import { useState } from 'react';
import type { SessionState } from '../../../electron/ipc/contract';
import { api } from '../bridge';
import { PasswordForm } from './PasswordForm';
import { QrFlowPanel } from './QrFlowPanel';

type Props = { onSignedIn: (s: SessionState) => void };

const startSignIn = () => api().startQrSignIn();

export function LoginScreen({ onSignedIn }: Props) {
  const [mode, setMode] = useState<'qr' | 'password'>('qr');

  return (
    <section className="card" aria-labelledby="login-title">
      <div className="login">
        <div>
          {mode === 'qr' ? (
            <QrFlowPanel purpose="sign-in" start={startSignIn} />
          ) : (
            <PasswordForm onSignedIn={onSignedIn} onBack={() => setMode('qr')} />
          )}
        </div>
        <div>
          <h1 id="login-title">Sign in to your exchange account</h1>
          <p className="muted">Use the passkey on your phone. No password to type.</p>
          <ol className="steps">
            <li>Open the camera on your phone and point it at the code.</li>
            <li>Open the link on the exchange’s own site that appears.</li>
            <li>
              Check the computer details your phone shows, then approve with your fingerprint or
              face.
            </li>
          </ol>
          <p className="small muted">
            The code works once and only for a minute. Keybridge never asks you to scan a code that
            someone sent you.
          </p>
          <hr className="divider" />
          {mode === 'qr' ? (
            <button type="button" className="linklike" onClick={() => setMode('password')}>
              Sign in with password instead
            </button>
          ) : null}
        </div>
      </div>
    </section>
  );
}
