/**
 * Busy + error around one async action (a form's submit, a button's request): the pattern the
 * phone's forms and dialogs each wrote out by hand.
 */
import { useCallback, useState } from 'react';

const plainMessage = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** `describe` turns a failure into the words to show (null: show none); default its message. */
export function useAction(describe: (err: unknown) => string | null = plainMessage) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const run = useCallback(
    async (action: () => Promise<void>) => {
      setBusy(true);
      setError(null);
      try {
        await action();
      } catch (err) {
        setError(describe(err));
      } finally {
        setBusy(false);
      }
    },
    [describe],
  );

  return { busy, error, setError, run };
}
