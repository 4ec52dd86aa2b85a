/**
 * A form's submit through the bridge: busy while it runs, the error it ended with. Every form
 * in the app had the same busy/error/try/finally around its one call.
 */
import { useState, type FormEvent } from 'react';
import { asUiError, type UiError } from '../bridge';

/**
 * `action` runs on submit. `onError` may react to a failure (clear a field, reveal another)
 * and answers the error to show, or null to show none; by default the error is shown.
 */
export function useSubmit(
  action: () => Promise<void>,
  onError?: (error: UiError) => UiError | null,
) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<UiError | null>(null);

  async function submit(ev?: FormEvent) {
    ev?.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (e) {
      const err = asUiError(e);
      setError(onError ? onError(err) : err);
    } finally {
      setBusy(false);
    }
  }

  return { busy, error, submit };
}
