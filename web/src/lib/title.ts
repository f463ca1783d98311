import { useEffect } from 'preact/hooks';

/** Each page names itself in the tab and for screen readers. */
export function useTitle(title: string | undefined): void {
  useEffect(() => {
    document.title = title ? `${title} · Mercato` : 'Mercato';
  }, [title]);
}
