import type { PagedList } from '../lib/use-paged-list.ts';
import { Failed } from './status.tsx';

/** Under a list: what went wrong with the next page, and the button that asks for it. */
export function LoadMore<T>({ list }: { list: PagedList<T> }) {
  return (
    <>
      {list.state === 'failed' && list.items.length > 0 && <Failed error={list.error} retry={list.loadMore} />}
      {list.hasMore && (
        <div class="load-more">
          <button type="button" class="button button-secondary" disabled={list.state === 'more'} onClick={list.loadMore}>
            {list.state === 'more' ? 'Loading…' : 'Load more'}
          </button>
        </div>
      )}
    </>
  );
}
