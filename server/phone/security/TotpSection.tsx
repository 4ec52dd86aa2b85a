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
import { t } from '../i18n';

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
  return [t('totp.file.title', { email }), t('totp.file.body'), '', ...codes, ''].join('\n');
}

export function TotpSection(props: { me: MeResponse; onChanged: () => void }) {
  const { withStepUp } = useStepUp();
  const [stage, setStage] = useState<Stage>({ kind: 'idle' });
  const [code, setCode] = useState('');
  const { busy, error, run } = useAction();
  const reason = t('totp.stepUpReason');

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
      <h2 id="totp-title">{t('totp.title')}</h2>
      {stage.kind === 'codes' ? (
        <div data-testid="recovery-codes">
          <p>
            <strong>{t('totp.codesTitle')}</strong> {t('totp.codesBody')}
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
              label={t('totp.copyCodes')}
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
              {t('totp.download')}
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
            {t('totp.saved')}
          </button>
        </div>
      ) : props.me.totpEnabled ? (
        <>
          <p data-testid="totp-on">
            <span className="badge badge-ok">{t('totp.on')}</span> {t('totp.onBody')}
          </p>
          {error && <ErrorNotice message={error} />}
          <button
            type="button"
            className="button danger-outline"
            onClick={() => setConfirmOff(true)}
            disabled={busy}
          >
            {t('totp.turnOff')}
          </button>
          {confirmOff && (
            <Dialog
              title={t('totp.offTitle')}
              onClose={() => setConfirmOff(false)}
              testId="totp-off-dialog"
            >
              <p>{t('totp.offBody')}</p>
              <div className="actions">
                <button type="button" className="button danger" onClick={turnOff}>
                  {t('totp.turnOff')}
                </button>
                <button
                  type="button"
                  className="button secondary"
                  onClick={() => setConfirmOff(false)}
                >
                  {t('totp.keepOn')}
                </button>
              </div>
            </Dialog>
          )}
        </>
      ) : stage.kind === 'scan' ? (
        <form onSubmit={confirm}>
          <p>{t('totp.scanBody')}</p>
          {isOtpauth(stage.setup.otpauthUri) && (
            <a
              className="button primary block"
              href={stage.setup.otpauthUri}
              data-testid="open-authenticator"
            >
              {t('totp.open')}
            </a>
          )}
          <div className="qr-wrap">
            <QrCode text={stage.setup.otpauthUri} label={t('totp.qrLabel')} />
          </div>
          <p className="muted">{t('totp.keyIntro')}</p>
          <p className="secret" data-testid="totp-secret">
            {groupSecret(stage.setup.secret)}
          </p>
          <div className="actions">
            <CopyButton
              text={stage.setup.secret}
              label={t('totp.copyKey')}
              testId="copy-totp-secret"
            />
          </div>
          <Field
            label={t('totp.codeLabel')}
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
              {t('totp.verify')}
            </button>
            <button
              type="button"
              className="button secondary"
              onClick={() => setStage({ kind: 'idle' })}
              disabled={busy}
            >
              {t('common.cancel')}
            </button>
          </div>
        </form>
      ) : (
        <>
          <p className="muted">{t('totp.offLead')}</p>
          {error && <ErrorNotice message={error} onRetry={start} />}
          <button type="button" className="button secondary block" onClick={start} disabled={busy}>
            {t('totp.setUp')}
          </button>
        </>
      )}
    </section>
  );
}
