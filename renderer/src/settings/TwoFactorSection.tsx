/**
 * The authenticator app (TOTP, called "Authenticator app" everywhere, docs/glossary.md): enrol by scanning a QR and confirming a code,
 * show the recovery codes once, disable after a security verification.
 */
import { useState } from 'react';
import { Trans, useTranslation } from 'react-i18next';
import type { TotpSetupView } from '../../../electron/ipc/contract';
import { api, asUiError, call, type UiError } from '../bridge';
import { Dialog } from '../ui/Dialog';
import { ErrorBanner } from '../ui/ErrorBanner';
import { SixDigitCodeField } from '../ui/fields';
import { useSubmit } from '../ui/useSubmit';
import { useStepUp } from './StepUp';

type Props = { enabled: boolean; onChanged: () => void };

export function TwoFactorSection({ enabled, onChanged }: Props) {
  const { t } = useTranslation();
  const { withVerification } = useStepUp();
  const [setup, setSetup] = useState<TotpSetupView | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const [error, setError] = useState<UiError | null>(null);
  const [confirmDisable, setConfirmDisable] = useState(false);

  async function begin() {
    setError(null);
    try {
      const view = await withVerification(t('authenticator.setUpReason'), () =>
        call(api().setupTotp()),
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
      const done = await withVerification(t('authenticator.turnOffReason'), () =>
        call(api().disableTotp()),
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
          <h2 id="totp-title">{t('authenticator.title')}</h2>
          <p className="muted small">{t('authenticator.intro')}</p>
        </div>
        <span className={`badge ${enabled ? 'ok' : 'warn'}`}>
          {enabled ? t('authenticator.on') : t('authenticator.off')}
        </span>
      </div>
      {error ? <ErrorBanner error={error} /> : null}
      <div className="button-row">
        {enabled ? (
          <button type="button" className="danger" onClick={() => setConfirmDisable(true)}>
            {t('authenticator.turnOffButton')}
          </button>
        ) : (
          <button type="button" className="primary" onClick={() => void begin()}>
            {t('authenticator.setUpButton')}
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
        <Dialog title={t('authenticator.codesTitle')} onClose={() => setCodes(null)}>
          <p>
            <Trans i18nKey="authenticator.codesBody" components={{ strong: <strong /> }} />
          </p>
          <ul className="recovery-codes mono" aria-label={t('authenticator.codesLabel')}>
            {codes.map((c) => (
              <li key={c}>{c}</li>
            ))}
          </ul>
          <div className="button-row">
            <button type="button" className="primary" onClick={() => setCodes(null)}>
              {t('authenticator.codesSaved')}
            </button>
          </div>
        </Dialog>
      ) : null}

      {confirmDisable ? (
        <Dialog title={t('authenticator.turnOffTitle')} onClose={() => setConfirmDisable(false)}>
          <p>{t('authenticator.turnOffBody')}</p>
          <div className="button-row">
            <button type="button" className="danger solid" onClick={() => void disable()}>
              {t('authenticator.turnOff')}
            </button>
            <button type="button" onClick={() => setConfirmDisable(false)}>
              {t('authenticator.keepOn')}
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
  const { t } = useTranslation();
  const [code, setCode] = useState('');
  const { busy, error, submit } = useSubmit(async () => {
    const res = await call(api().confirmTotp({ code }));
    onConfirmed(res.recoveryCodes);
  });

  return (
    <Dialog title={t('authenticator.enrolTitle')} onClose={onClose}>
      <form onSubmit={submit}>
        <p>{t('authenticator.enrolBody')}</p>
        <div className="totp-qr">
          <img src={setup.qrImage} width={200} height={200} alt={t('authenticator.qrAlt')} />
        </div>
        <p className="small muted">
          {t('authenticator.manualKey')}{' '}
          <span className="mono" data-testid="totp-manual-key">
            {setup.manualKey}
          </span>
        </p>
        {error ? <ErrorBanner error={error} /> : null}
        <SixDigitCodeField
          id="totp-code"
          label={t('authenticator.codeField')}
          value={code}
          onValue={setCode}
        />
        <div className="button-row">
          <button type="submit" className="primary" disabled={busy || code.length !== 6}>
            {t('authenticator.turnOn')}
          </button>
          <button type="button" onClick={onClose}>
            {t('authenticator.cancel')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
