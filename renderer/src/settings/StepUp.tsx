/**
 * Security verification before sensitive changes (add/remove a passkey, change 2FA, the
 * password): "Confirm with your phone" first when the account has a passkey (a QR flow with
 * purpose step-up: the phone's passkey confirms this session, electron/services/qr/step-up.ts),
 * password plus the authenticator code as the fallback. The server accepts changes for 5
 * minutes after a verification; `withVerification` asks only when that window has passed (or,
 * with `passkeyOnly`, when it was not opened by a passkey), and asks again if the server says
 * so anyway.
 */
import { createContext, useCallback, useContext, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { StepUpMethod } from '../../../server/protocol/api';
import { api, asUiError, call } from '../bridge';
import { QrFlowPanel } from '../login/QrFlowPanel';
import { Dialog } from '../ui/Dialog';
import { ErrorBanner } from '../ui/ErrorBanner';
import { AuthenticatorCodeField, PasswordField } from '../ui/fields';
import { useSubmit } from '../ui/useSubmit';

type AskOptions = {
  /** Only a passkey confirmation will do (a password change without the current password). */
  passkeyOnly?: boolean;
};

type Pending = { reason: string; passkeyOnly: boolean; resolve: (ok: boolean) => void };

type StepUpApi = {
  /** Asks for verification if needed; resolves false when the person cancelled. */
  ensureVerified: (reason: string, options?: AskOptions) => Promise<boolean>;
  /** Runs `action` after verification; when the server still says step_up_required, asks again once. */
  withVerification: <T>(
    reason: string,
    action: () => Promise<T>,
    options?: AskOptions,
  ) => Promise<T | null>;
  totpEnabled: boolean;
  /** The account has a passkey: it can confirm, and replace a forgotten password. */
  hasPasskeys: boolean;
};

const StepUpContext = createContext<StepUpApi | null>(null);

export function useStepUp(): StepUpApi {
  const ctx = useContext(StepUpContext);
  if (!ctx) throw new Error('useStepUp outside StepUpProvider');
  return ctx;
}

type ProviderProps = {
  totpEnabled: boolean;
  hasPasskeys: boolean;
  elevatedUntil: string | null;
  /** How the live verification was made (MeResponse.elevatedBy). */
  elevatedBy?: StepUpMethod | null;
  children: ReactNode;
};

export function StepUpProvider(props: ProviderProps) {
  const { totpEnabled, hasPasskeys, elevatedUntil, children } = props;
  const [pending, setPending] = useState<Pending | null>(null);
  const until = useRef<number>(elevatedUntil ? Date.parse(elevatedUntil) : 0);
  const by = useRef<StepUpMethod | null>(props.elevatedBy ?? null);

  const ask = useCallback(
    (reason: string, options: AskOptions = {}) =>
      new Promise<boolean>((resolve) =>
        setPending({ reason, passkeyOnly: options.passkeyOnly ?? false, resolve }),
      ),
    [],
  );

  const ensureVerified = useCallback(
    async (reason: string, options: AskOptions = {}) => {
      // A margin so the change is not refused because the window closed on the way.
      const live = until.current - 15_000 > Date.now();
      if (live && (!options.passkeyOnly || by.current === 'passkey')) return true;
      return ask(reason, options);
    },
    [ask],
  );

  const withVerification = useCallback(
    async <T,>(reason: string, action: () => Promise<T>, options: AskOptions = {}) => {
      if (!(await ensureVerified(reason, options))) return null;
      try {
        return await action();
      } catch (e) {
        const code = asUiError(e).code;
        if (code !== 'step_up_required' && code !== 'current_password_required') throw e;
        until.current = 0;
        if (!(await ask(reason, options))) return null;
        return action();
      }
    },
    [ask, ensureVerified],
  );

  function finish(ok: boolean, elevated?: string, method?: StepUpMethod) {
    if (elevated) until.current = Date.parse(elevated);
    if (method) by.current = method;
    pending?.resolve(ok);
    setPending(null);
  }

  return (
    <StepUpContext.Provider value={{ ensureVerified, withVerification, totpEnabled, hasPasskeys }}>
      {children}
      {pending ? (
        <StepUpDialog
          reason={pending.reason}
          totpEnabled={totpEnabled}
          hasPasskeys={hasPasskeys}
          passkeyOnly={pending.passkeyOnly}
          onDone={(elevated, method) => finish(true, elevated, method)}
          onCancel={() => finish(false)}
        />
      ) : null}
    </StepUpContext.Provider>
  );
}

type DialogProps = {
  reason: string;
  totpEnabled: boolean;
  hasPasskeys: boolean;
  passkeyOnly: boolean;
  onDone: (elevatedUntil: string, method: StepUpMethod) => void;
  onCancel: () => void;
};

function StepUpDialog(props: DialogProps) {
  const { reason, hasPasskeys, passkeyOnly, onDone, onCancel } = props;
  const { t } = useTranslation();
  const [mode, setMode] = useState<'phone' | 'password'>(
    hasPasskeys || passkeyOnly ? 'phone' : 'password',
  );
  return (
    <Dialog title={t('stepUp.title')} onClose={onCancel}>
      <p>{reason}</p>
      {mode === 'phone' ? (
        <div data-testid="stepup-phone">
          <p className="small muted">
            {passkeyOnly ? t('stepUp.passkeyOnlyIntro') : t('stepUp.phoneIntro')}
            {passkeyOnly ? null : (
              <>
                {' '}
                <button type="button" className="linklike" onClick={() => setMode('password')}>
                  {t('stepUp.usePassword')}
                </button>
              </>
            )}
          </p>
          <QrFlowPanel
            purpose="step-up"
            start={() => api().startStepUpWithPhone()}
            onClose={onCancel}
            onDone={(view) => {
              if (view.elevatedUntil) onDone(view.elevatedUntil, 'passkey');
            }}
          />
        </div>
      ) : (
        <PasswordStepUp {...props} onPhone={hasPasskeys ? () => setMode('phone') : undefined} />
      )}
    </Dialog>
  );
}

function PasswordStepUp({
  totpEnabled,
  onDone,
  onCancel,
  onPhone,
}: DialogProps & { onPhone?: () => void }) {
  const { t } = useTranslation();
  const [password, setPassword] = useState('');
  const [totp, setTotp] = useState('');
  const { busy, error, submit } = useSubmit(
    async () => {
      const res = await call(api().stepUp({ password, ...(totpEnabled && totp ? { totp } : {}) }));
      onDone(res.elevatedUntil, 'password');
    },
    (err) => {
      setPassword('');
      return err;
    },
  );

  return (
    <form onSubmit={submit}>
      <p className="small muted">{totpEnabled ? t('stepUp.askWithTotp') : t('stepUp.ask')}</p>
      {error?.code === 'invalid_credentials' || error?.code === 'invalid_totp' ? (
        <div className="banner error" role="alert">
          {error.code === 'invalid_totp' ? t('stepUp.wrongTotp') : t('stepUp.wrongPassword')}
        </div>
      ) : error ? (
        <ErrorBanner error={error} />
      ) : null}
      <PasswordField
        id="stepup-password"
        value={password}
        onValue={setPassword}
        autoFocus
        required
      />
      {totpEnabled ? (
        <AuthenticatorCodeField id="stepup-totp" value={totp} onValue={setTotp} required />
      ) : null}
      <div className="button-row">
        <button type="submit" className="primary" disabled={busy || !password}>
          {busy ? t('stepUp.submitting') : t('stepUp.submit')}
        </button>
        <button type="button" onClick={onCancel}>
          {t('stepUp.cancel')}
        </button>
        {onPhone ? (
          <button type="button" className="linklike" onClick={onPhone}>
            {t('stepUp.usePhone')}
          </button>
        ) : null}
      </div>
    </form>
  );
}
