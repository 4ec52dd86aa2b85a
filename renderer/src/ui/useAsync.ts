/** Loads data through the bridge with loading / error / reload, the pattern every pane uses. */
import { useCallback, useEffect, useState } from 'react';
import { asUiError, type UiError } from '../bridge';

export type AsyncState<T> = {
  data: T | null;
  error: UiError | null;
  loading: boolean;
  reload: () => void;
};

export function useAsync<T>(load: () => Promise<T>): AsyncState<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<UiError | null>(null);
  const [loading, setLoading] = useState(true);
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    let live = true;
    load()
      .then((value) => {
        if (!live) return;
        setData(value);
        setError(null);
      })
      .catch((e: unknown) => {
        if (live) setError(asUiError(e));
      })
      .finally(() => {
        if (live) setLoading(false);
      });
    return () => {
      live = false;
    };
    // `load` is expected to be stable (module function or useCallback); generation reloads.
  }, [load, generation]);

  const reload = useCallback(() => {
    setLoading(true);
    setGeneration((g) => g + 1);
  }, []);

  return { data, error, loading, reload };
}
