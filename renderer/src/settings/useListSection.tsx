/**
 * What every Settings list section does around its list: load it (useAsync), show a notice or
 * an error after an action, reload and tell the pane after a change, and the banners for all
 * of that. One hook and one component so the sections only describe their rows and actions.
 */
import { useCallback, useState } from 'react';
import { asUiError, type UiError } from '../bridge';
import { ErrorBanner } from '../ui/ErrorBanner';
import { useAsync, type AsyncState } from '../ui/useAsync';

export type ListSection<T> = AsyncState<T> & {
  notice: string | null;
  actionError: UiError | null;
  /** Clears the last notice and action error (before a new action starts). */
  clear: () => void;
  /** After a change: show `message`, reload the list, and tell the pane. */
  changed: (message: string) => void;
  failed: (error: UiError) => void;
  /** Runs an action that answers the notice to show; a failure becomes the action error. */
  run: (action: () => Promise<string>) => Promise<void>;
};

/** `load` must be stable (a module-level function), as for useAsync. */
export function useListSection<T>(load: () => Promise<T>, onChanged?: () => void): ListSection<T> {
  const list = useAsync(load);
  const { reload } = list;
  const [notice, setNotice] = useState<string | null>(null);
  const [actionError, setActionError] = useState<UiError | null>(null);

  const clear = useCallback(() => {
    setNotice(null);
    setActionError(null);
  }, []);

  const changed = useCallback(
    (message: string) => {
      setNotice(message);
      reload();
      onChanged?.();
    },
    [onChanged, reload],
  );

  const run = useCallback(
    async (action: () => Promise<string>) => {
      clear();
      try {
        changed(await action());
      } catch (e) {
        setActionError(asUiError(e));
      }
    },
    [clear, changed],
  );

  return { ...list, notice, actionError, clear, changed, failed: setActionError, run };
}

/** The section's notice, action error, load error (with retry) and first-load line. */
export function ListSectionBanners<T>({
  section,
  loadingText,
}: {
  section: ListSection<T>;
  loadingText: string;
}) {
  const { notice, actionError, error, loading, data, reload } = section;
  return (
    <>
      {notice ? (
        <div className="banner ok" role="status">
          {notice}
        </div>
      ) : null}
      {actionError ? <ErrorBanner error={actionError} /> : null}
      {error ? <ErrorBanner error={error} onRetry={reload} /> : null}
      {loading && !data ? <p className="muted">{loadingText}</p> : null}
    </>
  );
}
