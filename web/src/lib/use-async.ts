import { useEffect, useState } from 'preact/hooks';

export type Async<T> = { state: 'loading' } | { state: 'ready'; value: T } | { state: 'failed'; error: unknown };

/**
 * Runs `load` when `deps` change and follows its outcome; a stale answer never overwrites a newer
 * one. Answers the outcome and `reload`, which runs it again.
 */
export function useAsync<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]): [Async<T>, () => void] {
  const [result, setResult] = useState<Async<T>>({ state: 'loading' });
  const [version, setVersion] = useState(0);
  useEffect(() => {
    const controller = new AbortController();
    if (version === 0) setResult({ state: 'loading' });
    load(controller.signal).then(
      (value) => !controller.signal.aborted && setResult({ state: 'ready', value }),
      (error: unknown) => !controller.signal.aborted && setResult({ state: 'failed', error }),
    );
    return () => controller.abort();
  }, [...deps, version]);
  return [result, () => setVersion((v) => v + 1)];
}
