import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from './api.ts';
import type { Page } from './types.ts';

export interface PagedList<T> {
  items: T[];
  /** `more`: a next page is on its way; `failed` with items: the next page failed, the first ones stand. */
  state: 'loading' | 'ready' | 'more' | 'failed';
  error: unknown;
  hasMore: boolean;
  loadMore(): void;
  /** Replaces the items shown (an edit in place, such as a saved stock figure). */
  setItems(items: T[]): void;
}

/**
 * A list route of API.md (`{ items, nextCursor }`) page by page: `path` with its query (without
 * `limit` and `cursor`), restarted when it changes; `loadMore` appends the next page. A stale answer
 * (the path changed meanwhile) is dropped.
 */
export function usePagedList<T>(path: string, options: { limit: number; auth?: boolean }): PagedList<T> {
  const [items, setItems] = useState<T[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [state, setState] = useState<PagedList<T>['state']>('loading');
  const [error, setError] = useState<unknown>();
  const generation = useRef(0);

  const load = async (after: string | null, mine: number) => {
    const query = new URLSearchParams({ limit: String(options.limit) });
    if (after) query.set('cursor', after);
    const separator = path.includes('?') ? '&' : '?';
    try {
      const page = await api<Page<T>>(`${path}${separator}${query}`, { auth: options.auth });
      if (mine !== generation.current) return;
      setItems((before) => (after ? [...before, ...page.items] : page.items));
      setCursor(page.nextCursor);
      setState('ready');
    } catch (e) {
      if (mine !== generation.current) return;
      setError(e);
      setState('failed');
    }
  };

  useEffect(() => {
    const mine = ++generation.current;
    setState('loading');
    setCursor(null);
    void load(null, mine);
  }, [path]);

  return {
    items,
    state,
    error,
    hasMore: cursor !== null,
    loadMore() {
      if (!cursor || state === 'more') return;
      setState('more');
      void load(cursor, generation.current);
    },
    setItems,
  };
}
