/**
 * Authenticator app (TOTP): scan the QR of the otpauth URI (or, on this same phone, open it in
 * the authenticator app, or copy the key), verify a first code, then see the recovery codes
 * once, to copy or download. The secret is only kept in this component's memory.
 */
import { useState, type FormEvent } from 'react';
import type { MeResponse, TotpSetupResponse } from '../../protocol/api';
import { api } from '../lib/api';
import { useAction } from '../lib/use-action';
import { Dialog } from '../components/Dialog';
import { Field } from '../components/Field';
import { CopyButton } from '../components/CopyButton';
import { ErrorNotice } from '../components/Notice';
import { QrCode } from '../components/QrCode';
import { downloadText } from '../lib/download';
import { useStepUp } from './step-up';

type Stage =
  | { kind: 'idle' }
  | { kind: 'scan'; setup: TotpSetupResponse }
  | { kind: 'codes'; recoveryCodes: string[] };

function groupSecret(secret: string) {
  return secret.replace(/(.{4})/g, '$1 ').trim();
}

/** Only an otpauth: link goes into an href, whatever the server sent. */
const isOtpauth = (uri: string) => /^otpauth:\/\/totp\//i.test(uri);

function recoveryFile(email: string, codes: string[]) {
  return [
    `Recovery codes for your exchange account ${email}`,
    'Each code works once, instead of a code from your authenticator app.',
    '',
    ...codes,
    '',
  ].join('\n');
}

export function TotpSection(props: { me: MeResponse; onChanged: () => void }) {
  const { withStepUp } = useStepUp();
  const [stage, setStage] = useState<Stage>({ kind: 'idle' });
  const [code, setCode] = useState('');
  const { busy, error, run } = useAction();
  const reason = 'Changing the authenticator app needs a fresh check that it is you.';

  const start = () =>
    run(async () => {
      const setup = await withStepUp(reason, () => api.totpSetup());
      if (setup) setStage({ kind: 'scan', setup });
    });

  const confirm = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      const res = await withStepUp(reason, () => api.totpConfirm(code.trim()));
      if (res) {
        setCode('');
        setStage({ kind: 'codes', recoveryCodes: res.recoveryCodes });
      }
    });
  };

  const [confirmOff, setConfirmOff] = useState(false);
  const turnOff = () =>
    run(async () => {
      setConfirmOff(false);
      const res = await withStepUp(reason, () => api.totpDisable());
      if (res !== null) props.onChanged();
    });

  return (
    <section className="section" aria-labelledby="totp-title" data-testid="totp-section">
      <h2 id="totp-title">Authenticator app</h2>
      {stage.kind === 'codes' ? (
        <div data-testid="recovery-codes">
          <p>
            <strong>The authenticator app is on.</strong> Save these recovery codes somewhere safe.
            Each one works once, if you lose your phone. They are shown only now.
          </p>
          <ul className="codes">
            {stage.recoveryCodes.map((c) => (
              <li key={c} data-testid="recovery-code">
                {c}
              </li>
            ))}
          </ul>
          <div className="actions">
            <CopyButton
              text={stage.recoveryCodes.join('\n')}
              label="Copy codes"
              testId="copy-recovery-codes"
            />
            <button
              type="button"
              className="button secondary"
              onClick={() =>
                downloadText(
                  'recovery-codes.txt',
                  recoveryFile(props.me.user.email, stage.recoveryCodes),
                )
              }
            >
              Download
            </button>
          </div>
          <button
            type="button"
            className="button primary block"
            onClick={() => {
              setStage({ kind: 'idle' });
              props.onChanged();
            }}
          >
            I saved these codes
          </button>
        </div>
      ) : props.me.totpEnabled ? (
        <>
          <p data-testid="totp-on">
            <span className="badge badge-ok">On</span> Signing in with a password also asks for a
            code from your authenticator app.
          </p>
          {error && <ErrorNotice message={error} />}
          <button
            type="button"
            className="button danger-outline"
            onClick={() => setConfirmOff(true)}
            disabled={busy}
          >
            Turn off
          </button>
          {confirmOff && (
            <Dialog
              title="Turn off the authenticator app?"
              onClose={() => setConfirmOff(false)}
              testId="totp-off-dialog"
            >
              <p>
                Signing in with your password will no longer ask for a code, and your recovery codes
                stop working. Your passkeys are not affected.
              </p>
              <div className="actions">
                <button type="button" className="button danger" onClick={turnOff}>
                  Turn off
                </button>
                <button
                  type="button"
                  className="button secondary"
                  onClick={() => setConfirmOff(false)}
                >
                  Keep it on
                </button>
              </div>
            </Dialog>
          )}
        </>
      ) : stage.kind === 'scan' ? (
        <form onSubmit={confirm}>
          <p>
            On this phone, open the setup in your authenticator app (for example Google
            Authenticator). On another device, scan the QR code.
          </p>
          {isOtpauth(stage.setup.otpauthUri) && (
            <a
              className="button primary block"
              href={stage.setup.otpauthUri}
              data-testid="open-authenticator"
            >
              Open in authenticator app
            </a>
          )}
          <div className="qr-wrap">
            <QrCode text={stage.setup.otpauthUri} label="QR code for your authenticator app" />
          </div>
          <p className="muted">Or enter this key in the app:</p>
          <p className="secret" data-testid="totp-secret">
            {groupSecret(stage.setup.secret)}
          </p>
          <div className="actions">
            <CopyButton text={stage.setup.secret} label="Copy key" testId="copy-totp-secret" />
          </div>
          <Field
            label="Code from your authenticator app"
            inputMode="numeric"
            autoComplete="one-time-code"
            pattern="\d{6}"
            maxLength={6}
            value={code}
            onChange={(e) => setCode(e.target.value)}
            required
          />
          {error && <ErrorNotice message={error} />}
          <div className="actions">
            <button type="submit" className="button primary" disabled={busy}>
              Verify
            </button>
            <button
              type="button"
              className="button secondary"
              onClick={() => setStage({ kind: 'idle' })}
              disabled={busy}
            >
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <>
          <p className="muted">
            Add a second step to password sign-in: a 6-digit code from an authenticator app.
          </p>
          {error && <ErrorNotice message={error} onRetry={start} />}
          <button type="button" className="button secondary block" onClick={start} disabled={busy}>
            Set up authenticator app
          </button>
        </>
      )}
    </section>
  );
}
