/**
 * "Confirm it's you": the security verification (step-up) that adding or removing a passkey and
 * changing 2FA need. The passkey first when the account has one (nobody should type a password
 * to manage the passkeys that replaced it); password, plus the authenticator code when the
 * account has one, as the fallback. The server then treats this session as verified for 5
 * minutes (server/step-up/).
 */
import { useState, type FormEvent } from 'react';
import { startAuthentication } from '@simplewebauthn/browser';
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/browser';
import type { AuthenticationResponseJSON } from '../../protocol/api';
import { api, ApiError } from '../lib/api';
import { useAction } from '../lib/use-action';
import { describeWebAuthnError } from '../lib/webauthn-errors';
import { Dialog } from '../components/Dialog';
import { AuthenticatorCodeField, PasswordField } from '../components/Field';
import { ErrorNotice } from '../components/Notice';
import { t } from '../i18n';

const describeStepUpError = (err: unknown) =>
  err instanceof ApiError && err.code === 'invalid_credentials'
    ? t('stepUp.wrongPassword')
    : err instanceof Error
      ? err.message
      : String(err);

const describePasskeyError = (err: unknown) => {
  const plain = describeWebAuthnError(err, 'get');
  return plain.code === 'NotAllowedError' ? t('stepUp.passkeyFailed') : plain.message;
};

/** Passkey step-up on this phone: the server's options for this session, then its check. */
async function confirmWithPasskey(): Promise<void> {
  const { attemptId, options } = await api.stepUpPasskeyOptions();
  const response = await startAuthentication({
    optionsJSON: options as unknown as PublicKeyCredentialRequestOptionsJSON,
  });
  await api.stepUpPasskey(attemptId, response as AuthenticationResponseJSON);
}

export function StepUpDialog(props: {
  totpEnabled: boolean;
  /** The account has a passkey: offer it first. */
  hasPasskeys: boolean;
  reason: string;
  onDone: (ok: boolean) => void;
}) {
  const [mode, setMode] = useState<'passkey' | 'password'>(
    props.hasPasskeys ? 'passkey' : 'password',
  );
  const [password, setPassword] = useState('');
  const [totp, setTotp] = useState('');
  const passwordAction = useAction(describeStepUpError);
  const passkeyAction = useAction(describePasskeyError);
  const busy = passwordAction.busy || passkeyAction.busy;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void passwordAction.run(async () => {
      await api.stepUp(password, props.totpEnabled ? totp.trim() : undefined);
      props.onDone(true);
    });
  };

  const usePasskey = () =>
    void passkeyAction.run(async () => {
      await confirmWithPasskey();
      props.onDone(true);
    });

  const switchTo = (next: 'passkey' | 'password') => {
    passwordAction.setError(null);
    passkeyAction.setError(null);
    setMode(next);
  };

  const cancel = (
    <button
      type="button"
      className="button secondary"
      onClick={() => props.onDone(false)}
      disabled={busy}
    >
      {t('common.cancel')}
    </button>
  );

  return (
    <Dialog
      title={t('stepUp.title')}
      onClose={() => props.onDone(false)}
      busy={busy}
      testId="stepup-dialog"
    >
      <p>{props.reason}</p>
      {mode === 'passkey' ? (
        <div data-testid="stepup-passkey">
          <p className="muted">{t('stepUp.passkeyHint')}</p>
          {passkeyAction.error && <ErrorNotice message={passkeyAction.error} />}
          <div className="actions">
            <button type="button" className="button primary" onClick={usePasskey} disabled={busy}>
              {passkeyAction.busy ? t('stepUp.passkeyBusy') : t('stepUp.usePasskey')}
            </button>
            {cancel}
          </div>
          <p>
            <button
              type="button"
              className="button secondary small"
              onClick={() => switchTo('password')}
              disabled={busy}
            >
              {t('stepUp.usePassword')}
            </button>
          </p>
        </div>
      ) : (
        <form onSubmit={submit}>
          <PasswordField value={password} onValue={setPassword} />
          {props.totpEnabled && (
            <AuthenticatorCodeField hint={t('stepUp.codeHint')} value={totp} onValue={setTotp} />
          )}
          {passwordAction.error && <ErrorNotice message={passwordAction.error} />}
          <div className="actions">
            <button type="submit" className="button primary" disabled={busy}>
              {passwordAction.busy ? t('stepUp.checking') : t('stepUp.verify')}
            </button>
            {cancel}
          </div>
          {props.hasPasskeys && (
            <p>
              <button
                type="button"
                className="button secondary small"
                onClick={() => switchTo('passkey')}
                disabled={busy}
              >
                {t('stepUp.usePasskeyInstead')}
              </button>
            </p>
          )}
        </form>
      )}
    </Dialog>
  );
}
