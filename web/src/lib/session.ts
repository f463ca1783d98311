import { createStore, useStore } from './store.ts';

export interface User {
  id: string;
  email: string;
  name: string;
  roles: string[];
}

export interface Session {
  accessToken: string;
  refreshToken: string;
  /** When the access token expires, in ms since the epoch. */
  expiresAt: number;
  user: User;
}

export interface TokenAnswer {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  user?: User;
}

const KEY = 'mercato.session';

function load(): Session | undefined {
  try {
    const raw = window.localStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Session) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The signed-in shopper, kept in localStorage so a reload or a new tab stays signed in. The strict
 * Content-Security-Policy (no inline or foreign scripts) is what keeps other code from reading it.
 */
export const session = createStore<Session | undefined>(load());

export function saveSession(answer: TokenAnswer, user?: User): void {
  const known = user ?? answer.user ?? session.get()?.user;
  if (!known) throw new Error('a session needs its user');
  const next: Session = {
    accessToken: answer.accessToken,
    refreshToken: answer.refreshToken,
    expiresAt: Date.now() + answer.expiresIn * 1000,
    user: known,
  };
  window.localStorage.setItem(KEY, JSON.stringify(next));
  session.set(next);
}

export function clearSession(): void {
  window.localStorage.removeItem(KEY);
  session.set(undefined);
}

// Another tab signed in or out.
window.addEventListener('storage', (event) => {
  if (event.key === KEY) session.set(load());
});

export function useSession(): Session | undefined {
  return useStore(session);
}

export function isAdmin(s: Session | undefined): boolean {
  return Boolean(s?.user.roles.includes('admin'));
}
