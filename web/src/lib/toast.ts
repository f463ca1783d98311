import { createStore } from './store.ts';

export interface Toast {
  id: number;
  text: string;
  tone: 'info' | 'error' | 'success';
}

export const toasts = createStore<Toast[]>([]);
let next = 1;

/** A short message in the corner (the status region reads it out); it goes by itself. */
export function toast(text: string, tone: Toast['tone'] = 'info'): void {
  const id = next++;
  toasts.set([...toasts.get(), { id, text, tone }]);
  setTimeout(() => dismiss(id), tone === 'error' ? 8_000 : 4_000);
}

/** A new page: what was said about the last one goes, except errors the shopper may still need to read. */
export function dismissOnNavigation(): void {
  toasts.set(toasts.get().filter((t) => t.tone === 'error'));
}

export function dismiss(id: number): void {
  toasts.set(toasts.get().filter((t) => t.id !== id));
}
