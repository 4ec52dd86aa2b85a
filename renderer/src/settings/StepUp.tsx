/**
 * Security verification before sensitive changes (add/remove a passkey, change 2FA): password,
 * plus the authenticator code when 2FA is on. The server accepts changes for 5 minutes after a
 * verification; `withVerification` asks only when that window has passed, and asks again if
 * the server says so anyway.
 */
import { createContext, useCallback, useContext, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { api, asUiError, call } from '../bridge';
import { Dialog } from '../ui/Dialog';
import { ErrorBanner } from '../ui/ErrorBanner';
import { AuthenticatorCodeField, PasswordField } from '../ui/fields';
import { useSubmit } from '../ui/useSubmit';

type Pending = { reason: string; resolve: (ok: boolean) => void };

type StepUpApi = {
  /** Asks for verification if needed; resolves false when the person cancelled. */
  ensureVerified: (reason: string) => Promise<boolean>;
  /** Runs `action` after verification; when the server still says step_up_required, asks again once. */
  withVerification: <T>(reason: string, action: () => Promise<T>) => Promise<T | null>;
  totpEnabled: boolean;
};

const StepUpContext = createContext<StepUpApi | null>(null);

export function useStepUp(): StepUpApi {
  const ctx = useContext(StepUpContext);
  if (!ctx) throw new Error('useStepUp outside StepUpProvider');
  return ctx;
}

type ProviderProps = { totpEnabled: boolean; elevatedUntil: string | null; children: ReactNode };

export function StepUpProvider({ totpEnabled, elevatedUntil, children }: ProviderProps) {
  const [pending, setPending] = useState<Pending | null>(null);
  const until = useRef<number>(elevatedUntil ? Date.parse(elevatedUntil) : 0);

  const ask = useCallback(
    (reason: string) => new Promise<boolean>((resolve) => setPending({ reason, resolve })),
    [],
  );

  const ensureVerified = useCallback(
    async (reason: string) => {
      // A margin so the change is not refused because the window closed on the way.
      if (until.current - 15_000 > Date.now()) return true;
      return ask(reason);
    },
    [ask],
  );

  const withVerification = useCallback(
    async <T,>(reason: string, action: () => Promise<T>): Promise<T | null> => {
      if (!(await ensureVerified(reason))) return null;
      try {
        return await action();
      } catch (e) {
        if (asUiError(e).code !== 'step_up_required') throw e;
        until.current = 0;
        if (!(await ask(reason))) return null;
        return action();
      }
    },
    [ask, ensureVerified],
  );

  function finish(ok: boolean, elevated?: string) {
    if (elevated) until.current = Date.parse(elevated);
    pending?.resolve(ok);
    setPending(null);
  }

  return (
    <StepUpContext.Provider value={{ ensureVerified, withVerification, totpEnabled }}>
      {children}
      {pending ? (
        <StepUpDialog
          reason={pending.reason}
          totpEnabled={totpEnabled}
          onDone={(elevated) => finish(true, elevated)}
          onCancel={() => finish(false)}
        />
      ) : null}
    </StepUpContext.Provider>
  );
}

type DialogProps = {
  reason: string;
  totpEnabled: boolean;
  onDone: (elevatedUntil: string) => void;
  onCancel: () => void;
};

function StepUpDialog({ reason, totpEnabled, onDone, onCancel }: DialogProps) {
  const { t } = useTranslation();
  const [password, setPassword] = useState('');
  const [totp, setTotp] = useState('');
  const { busy, error, submit } = useSubmit(
    async () => {
      const res = await call(api().stepUp({ password, ...(totpEnabled && totp ? { totp } : {}) }));
      onDone(res.elevatedUntil);
    },
    (err) => {
      setPassword('');
      return err;
    },
  );

  return (
    <Dialog title={t('stepUp.title')} onClose={onCancel}>
      <form onSubmit={submit}>
        <p>{reason}</p>
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
        </div>
      </form>
    </Dialog>
  );
}
