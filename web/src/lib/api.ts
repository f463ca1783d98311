import { ApiError } from './problem.ts';
import { navigate } from './router.tsx';
import { clearSession, type Session, saveSession, session, type TokenAnswer } from './session.ts';

/** Refresh this long before the access token expires, so a request never leaves with a token about to lapse. */
const REFRESH_MARGIN_MS = 60_000;

let refreshing: Promise<Session | undefined> | undefined;

async function parse(response: Response): Promise<unknown> {
  if (response.status === 204 || response.status === 304) return undefined;
  const text = await response.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

async function failure(response: Response): Promise<ApiError> {
  const retry = Number(response.headers.get('retry-after'));
  return new ApiError(response.status, (await parse(response)) as never, Number.isFinite(retry) && retry > 0 ? retry : undefined);
}

/** One refresh at a time: concurrent requests share it, since a refresh token works once. */
export function refreshSession(): Promise<Session | undefined> {
  const current = session.get();
  if (!current) return Promise.resolve(undefined);
  refreshing ??= (async () => {
    try {
      const response = await fetch('/api/auth/refresh', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refreshToken: current.refreshToken }),
      });
      if (!response.ok) {
        if (response.status === 401) clearSession();
        return undefined;
      }
      saveSession((await response.json()) as TokenAnswer, current.user);
      return session.get();
    } catch {
      return undefined;
    } finally {
      refreshing = undefined;
    }
  })();
  return refreshing;
}

async function accessToken(): Promise<string | undefined> {
  const current = session.get();
  if (!current) return undefined;
  if (current.expiresAt - Date.now() > REFRESH_MARGIN_MS) return current.accessToken;
  return (await refreshSession())?.accessToken;
}

/** A spent session: back to sign in, then back here. */
export function sendToSignIn(): void {
  const here = window.location.pathname + window.location.search;
  clearSession();
  if (!window.location.pathname.startsWith('/sign-')) navigate(`/sign-in?next=${encodeURIComponent(here)}`, { replace: true });
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  /**
   * `true`: send the shopper's token (a spent session goes to the sign-in page and back); `ifSignedIn`:
   * send it when there is one, and carry on anonymously when it is spent.
   */
  auth?: boolean | 'ifSignedIn';
  signal?: AbortSignal;
}

/** Calls the public API (API.md) and answers its JSON; a problem+json answer throws an ApiError. */
export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const send = async (token: string | undefined) => {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    return fetch(path, {
      method: options.method ?? 'GET',
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  };
  // `ifSignedIn`: a public page. A spent session there goes on anonymously, never to the sign-in page.
  const optional = options.auth === 'ifSignedIn';
  const withToken = options.auth === true || (optional && session.get() !== undefined);
  const token = withToken ? await accessToken() : undefined;
  if (withToken && !token && !optional) {
    sendToSignIn();
    throw new ApiError(401, { title: 'Sign in to continue', detail: 'Please sign in to continue.' });
  }
  let response = await send(token);
  if (response.status === 401 && token) {
    // The token may have been refused for its age alone: one refresh, one retry.
    const renewed = await refreshSession();
    if (renewed || optional) response = await send(renewed?.accessToken);
    if (response.status === 401 && !optional) {
      sendToSignIn();
      throw await failure(response);
    }
  }
  if (!response.ok) throw await failure(response);
  return (await parse(response)) as T;
}

/** Keeps a signed-in session fresh while the page is open, so a shopper who reads for a while is not signed out. */
export function keepSessionFresh(): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const plan = () => {
    if (timer) clearTimeout(timer);
    const current = session.get();
    if (!current) return;
    const wait = Math.max(5_000, current.expiresAt - Date.now() - REFRESH_MARGIN_MS);
    timer = setTimeout(() => void refreshSession(), wait);
  };
  session.subscribe(plan);
  plan();
}
