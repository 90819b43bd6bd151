import { useCallback, useEffect, useRef, useState } from 'react';
import { get } from './api.ts';

export interface Fetched<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  reload: () => void;
}

/**
 * GETs a path and keeps the answer; `pollMs` reloads it while the page is open (the runs list
 * and the inbox stay current that way). A reload keeps showing the previous answer.
 */
export function useFetch<T>(path: string | undefined, pollMs?: number): Fetched<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<Error>();
  const [loading, setLoading] = useState(false);
  const [version, setVersion] = useState(0);
  const latest = useRef(0);
  const reload = useCallback(() => setVersion((value) => value + 1), []);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `version` is how a reload asks again.
  useEffect(() => {
    if (path === undefined) return;
    const ticket = ++latest.current;
    setLoading(true);
    get<T>(path)
      .then((value) => {
        if (ticket !== latest.current) return;
        setData(value);
        setError(undefined);
      })
      .catch((reason: unknown) => {
        if (ticket === latest.current) setError(reason instanceof Error ? reason : new Error(String(reason)));
      })
      .finally(() => {
        if (ticket === latest.current) setLoading(false);
      });
  }, [path, version]);
  useEffect(() => {
    if (!pollMs) return;
    const timer = setInterval(reload, pollMs);
    return () => clearInterval(timer);
  }, [pollMs, reload]);
  return { data, error, loading, reload };
}
