import type { AnchorHTMLAttributes, ComponentChildren } from 'preact';
import { createStore, useStore } from './store.ts';

/** The current location: path and query. Navigation is the History API; the gateway answers index.html for every page path. */
export interface Location {
  path: string;
  query: URLSearchParams;
}

function current(): Location {
  return { path: window.location.pathname, query: new URLSearchParams(window.location.search) };
}

const location = createStore<Location>(current());
window.addEventListener('popstate', () => location.set(current()));

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === window.location.pathname + window.location.search) return;
  if (options.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  location.set(current());
  if (!options.replace) window.scrollTo(0, 0);
}

export function useLocation(): Location {
  return useStore(location);
}

/** `/products/:slug` against `/products/red-kettle` → `{ slug: 'red-kettle' }`; undefined when it does not match. */
export function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/');
  const have = path.replace(/\/+$/, '').split('/');
  if (path === '/') have.splice(1, 1, '');
  if (want.length !== have.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, part] of want.entries()) {
    const value = have[i] ?? '';
    if (part.startsWith(':')) {
      if (!value) return undefined;
      try {
        params[part.slice(1)] = decodeURIComponent(value);
      } catch {
        return undefined;
      }
    } else if (part !== value) return undefined;
  }
  return params;
}

type AnchorProps = AnchorHTMLAttributes & { href: string; children?: ComponentChildren };

/** An ordinary link that navigates in the app (a modified click still opens a new tab). */
export function Link({ href, onClick, ...rest }: AnchorProps) {
  return (
    <a
      href={href}
      onClick={(event) => {
        onClick?.(event);
        if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
        event.preventDefault();
        navigate(href);
      }}
      {...rest}
    />
  );
}
