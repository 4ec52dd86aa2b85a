/**
 * One step-up dialog for the whole Security page. `withStepUp(action)` runs the action; if the
 * server answers step_up_required it asks the person to verify and runs the action once more.
 * `ensureStepUp()` asks up front when we already know the session is not verified.
 */
import { createContext, useCallback, useContext, useRef, useState, type ReactNode } from 'react';
import { ApiError } from '../lib/api';
import { StepUpDialog } from './StepUpDialog';

type StepUp = {
  ensureStepUp: (reason: string) => Promise<boolean>;
  withStepUp: <T>(reason: string, action: () => Promise<T>) => Promise<T | null>;
};

const StepUpContext = createContext<StepUp | null>(null);

export function useStepUp(): StepUp {
  const ctx = useContext(StepUpContext);
  if (!ctx) throw new Error('useStepUp outside StepUpProvider');
  return ctx;
}

export function StepUpProvider(props: {
  totpEnabled: boolean;
  /** The account has a passkey: the dialog offers it first. */
  hasPasskeys: boolean;
  elevatedUntil: string | null;
  onVerified: () => void;
  children: ReactNode;
}) {
  const [ask, setAsk] = useState<{ reason: string } | null>(null);
  const resolver = useRef<((ok: boolean) => void) | null>(null);
  const verifiedUntil = useRef<number>(0);
  const { elevatedUntil, onVerified } = props;

  const prompt = useCallback((reason: string) => {
    return new Promise<boolean>((resolve) => {
      resolver.current = resolve;
      setAsk({ reason });
    });
  }, []);

  const ensureStepUp = useCallback(
    async (reason: string) => {
      // Leave a margin: a verification about to run out would fail half-way.
      const until = Math.max(elevatedUntil ? Date.parse(elevatedUntil) : 0, verifiedUntil.current);
      if (until - Date.now() > 15_000) return true;
      return prompt(reason);
    },
    [elevatedUntil, prompt],
  );

  const withStepUp = useCallback(
    async <T,>(reason: string, action: () => Promise<T>): Promise<T | null> => {
      try {
        return await action();
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 'step_up_required')) throw err;
        verifiedUntil.current = 0;
        if (!(await prompt(reason))) return null;
        return action();
      }
    },
    [prompt],
  );

  const done = (ok: boolean) => {
    setAsk(null);
    if (ok) {
      verifiedUntil.current = Date.now() + 5 * 60_000;
      onVerified();
    }
    resolver.current?.(ok);
    resolver.current = null;
  };

  return (
    <StepUpContext.Provider value={{ ensureStepUp, withStepUp }}>
      {props.children}
      {ask && (
        <StepUpDialog
          totpEnabled={props.totpEnabled}
          hasPasskeys={props.hasPasskeys}
          reason={ask.reason}
          onDone={done}
        />
      )}
    </StepUpContext.Provider>
  );
}
