/**
 * `useLoad`: the one way a view fetches data — runs `load` when its inputs change, keeps the last good data
 * while reloading (live views refetch without flicker), and reports a failure as a message for ErrorBanner.
 * Answers of an outdated load (the inputs changed meanwhile) are dropped.
 */
import { type DependencyList, useCallback, useEffect, useRef, useState } from 'react';
import { errorMessage } from './api.ts';

export interface Loaded<T> {
  /** The last data loaded; undefined until the first load succeeds. */
  data: T | undefined;
  /** Why the last load failed; undefined after a success. */
  error: string | undefined;
  /** A load is running. */
  loading: boolean;
  /** Runs the load again (after an event, a `reset`, or a retry button). */
  reload(): void;
  /** Replaces the data in place (a live event changed one item). */
  setData(update: (data: T | undefined) => T | undefined): void;
}

/** Loads `load()` now and whenever `deps` change. */
export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: DependencyList): Loaded<T> {
  const [data, setDataState] = useState<T>();
  const [error, setError] = useState<string>();
  const [loading, setLoading] = useState(true);
  const [generation, setGeneration] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  // biome-ignore lint/correctness/useExhaustiveDependencies: `deps` are the caller's inputs of `load`
  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    loadRef.current(controller.signal).then(
      (value) => {
        if (controller.signal.aborted) return;
        setDataState(() => value);
        setError(undefined);
        setLoading(false);
      },
      (err: unknown) => {
        if (controller.signal.aborted) return;
        setError(errorMessage(err));
        setLoading(false);
      },
    );
    return () => controller.abort();
  }, [...deps, generation]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  const setData = useCallback((update: (data: T | undefined) => T | undefined) => setDataState(update), []);
  return { data, error, loading, reload, setData };
}
