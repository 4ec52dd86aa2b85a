/**
 * The authenticator app (TOTP, called "Authenticator app" everywhere, docs/glossary.md): enrol by scanning a QR and confirming a code,
 * show the recovery codes once, disable after a security verification.
 */
import { useState } from 'react';
import type { TotpSetupView } from '../../../electron/ipc/contract';
import { api, asUiError, call, type UiError } from '../bridge';
import { Dialog } from '../ui/Dialog';
import { ErrorBanner } from '../ui/ErrorBanner';
import { SixDigitCodeField } from '../ui/fields';
import { useSubmit } from '../ui/useSubmit';
import { useStepUp } from './StepUp';

type Props = { enabled: boolean; onChanged: () => void };

export function TwoFactorSection({ enabled, onChanged }: Props) {
  const { withVerification } = useStepUp();
  const [setup, setSetup] = useState<TotpSetupView | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const [error, setError] = useState<UiError | null>(null);
  const [confirmDisable, setConfirmDisable] = useState(false);

  async function begin() {
    setError(null);
    try {
      const view = await withVerification(
        'Turning on an authenticator app changes how you sign in with your password.',
        () => call(api().setupTotp()),
      );
      if (view) setSetup(view);
    } catch (e) {
      setError(asUiError(e));
    }
  }

  async function disable() {
    setConfirmDisable(false);
    setError(null);
    try {
      const done = await withVerification(
        'Turning off the authenticator app makes your password alone enough to sign in.',
        () => call(api().disableTotp()),
      );
      if (done) onChanged();
    } catch (e) {
      setError(asUiError(e));
    }
  }

  return (
    <section className="card" aria-labelledby="totp-title">
      <div className="card-header">
        <div>
          <h2 id="totp-title">Authenticator app</h2>
          <p className="muted small">
            A 6-digit code from an authenticator app, asked with your password and before security
            changes.
          </p>
        </div>
        <span className={`badge ${enabled ? 'ok' : 'warn'}`}>{enabled ? 'On' : 'Off'}</span>
      </div>
      {error ? <ErrorBanner error={error} /> : null}
      <div className="button-row">
        {enabled ? (
          <button type="button" className="danger" onClick={() => setConfirmDisable(true)}>
            Turn off the authenticator app
          </button>
        ) : (
          <button type="button" className="primary" onClick={() => void begin()}>
            Set up an authenticator app
          </button>
        )}
      </div>

      {setup ? (
        <EnrolDialog
          setup={setup}
          onClose={() => setSetup(null)}
          onConfirmed={(recovery) => {
            setSetup(null);
            setCodes(recovery);
            onChanged();
          }}
        />
      ) : null}

      {codes ? (
        <Dialog title="Save your recovery codes" onClose={() => setCodes(null)}>
          <p>
            The authenticator app is on. If you lose your phone, each of these codes lets you sign
            in once. Store them somewhere safe. <strong>They are shown only now.</strong>
          </p>
          <ul className="recovery-codes mono" aria-label="Recovery codes">
            {codes.map((c) => (
              <li key={c}>{c}</li>
            ))}
          </ul>
          <div className="button-row">
            <button type="button" className="primary" onClick={() => setCodes(null)}>
              I have saved them
            </button>
          </div>
        </Dialog>
      ) : null}

      {confirmDisable ? (
        <Dialog title="Turn off the authenticator app?" onClose={() => setConfirmDisable(false)}>
          <p>
            Your password alone will be enough to sign in. You will be asked to confirm it is you.
          </p>
          <div className="button-row">
            <button type="button" className="danger solid" onClick={() => void disable()}>
              Turn off
            </button>
            <button type="button" onClick={() => setConfirmDisable(false)}>
              Keep it on
            </button>
          </div>
        </Dialog>
      ) : null}
    </section>
  );
}

function EnrolDialog({
  setup,
  onClose,
  onConfirmed,
}: {
  setup: TotpSetupView;
  onClose: () => void;
  onConfirmed: (codes: string[]) => void;
}) {
  const [code, setCode] = useState('');
  const { busy, error, submit } = useSubmit(async () => {
    const res = await call(api().confirmTotp({ code }));
    onConfirmed(res.recoveryCodes);
  });

  return (
    <Dialog title="Set up an authenticator app" onClose={onClose}>
      <form onSubmit={submit}>
        <p>Scan this code with your authenticator app, then type the 6-digit code it shows.</p>
        <div className="totp-qr">
          <img
            src={setup.qrImage}
            width={200}
            height={200}
            alt="QR code for your authenticator app"
          />
        </div>
        <p className="small muted">
          Can’t scan? Enter this key by hand:{' '}
          <span className="mono" data-testid="totp-manual-key">
            {setup.manualKey}
          </span>
        </p>
        {error ? <ErrorBanner error={error} /> : null}
        <SixDigitCodeField
          id="totp-code"
          label="Code from the app"
          value={code}
          onValue={setCode}
        />
        <div className="button-row">
          <button type="submit" className="primary" disabled={busy || code.length !== 6}>
            Turn on
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}
