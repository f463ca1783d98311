import { api } from './api.ts';
import type { Category, Page } from './types.ts';

let once: Promise<Page<Category>> | undefined;

/** The shop's categories, asked for once per visit (they change rarely; a failure is asked again next time). */
export function categoriesOnce(): Promise<Page<Category>> {
  once ??= api<Page<Category>>('/api/categories').catch((error: unknown) => {
    once = undefined;
    throw error;
  });
  return once;
}

/** `toys-and-games` → its name when known, else the slug made readable. */
export function categoryName(slug: string, categories: Category[] | undefined): string {
  return categories?.find((c) => c.slug === slug)?.name ?? slug.replaceAll('-', ' ').replace(/^./, (c) => c.toUpperCase());
}
