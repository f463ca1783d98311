import type { ComponentChildren } from 'preact';
import { describeError } from '../lib/problem.ts';

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p class="loading" role="status">
      <span class="spinner" aria-hidden="true" />
      {label}
    </p>
  );
}

export function Failed({ error, retry }: { error: unknown; retry?: () => void }) {
  return (
    <div class="notice notice-error" role="alert">
      <p>{describeError(error)}</p>
      {retry && (
        <button type="button" class="button button-secondary" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="empty">
      <h2>{title}</h2>
      {children}
    </div>
  );
}

/** A grid of grey cards while products load, the same size as the real ones, so nothing jumps. */
export function CardSkeletons({ count = 8 }: { count?: number }) {
  return (
    <ul class="product-grid" aria-hidden="true">
      {Array.from({ length: count }, (_, i) => (
        <li key={i} class="card skeleton">
          <div class="card-image" />
          <div class="card-body">
            <div class="skeleton-line" />
            <div class="skeleton-line short" />
          </div>
        </li>
      ))}
    </ul>
  );
}
