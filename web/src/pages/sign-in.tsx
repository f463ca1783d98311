import { useState } from 'preact/hooks';
import { api } from '../lib/api.ts';
import { ApiError, describeError } from '../lib/problem.ts';
import { Link, navigate, useLocation } from '../lib/router.tsx';
import { saveSession, type TokenAnswer, type User } from '../lib/session.ts';
import { useTitle } from '../lib/title.ts';
import { Field } from '../ui/field.tsx';

/** Where to go after signing in: a path of this app only, never another site. */
function nextPath(query: URLSearchParams): string {
  const next = query.get('next') ?? '/';
  return next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';
}

export function SignInNeeded({ what }: { what: string }) {
  const here = window.location.pathname + window.location.search;
  return (
    <div class="page narrow">
      <h1>Sign in to {what}</h1>
      <p>
        <Link href={`/sign-in?next=${encodeURIComponent(here)}`} class="button">
          Sign in
        </Link>{' '}
        or <Link href={`/sign-up?next=${encodeURIComponent(here)}`}>create an account</Link>.
      </p>
    </div>
  );
}

export function SignInPage() {
  useTitle('Sign in');
  const { query } = useLocation();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  return (
    <div class="page narrow">
      <h1>Sign in</h1>
      {query.get('next') && (
        <p class="notice" role="status">
          Please sign in to continue where you were.
        </p>
      )}
      <form
        class="form-card"
        noValidate
        onSubmit={async (event) => {
          event.preventDefault();
          setBusy(true);
          setError(undefined);
          try {
            const answer = await api<TokenAnswer & { user: User }>('/api/auth/login', { method: 'POST', body: { email, password } });
            saveSession(answer);
            navigate(nextPath(query), { replace: true });
          } catch (e) {
            setError(e instanceof ApiError && e.status === 401 ? 'That email and password do not match an account.' : describeError(e));
          } finally {
            setBusy(false);
          }
        }}
      >
        {error && (
          <p class="form-error" role="alert">
            {error}
          </p>
        )}
        <Field label="Email" type="email" autoComplete="email" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
        <Field
          label="Password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
        />
        <button type="submit" class="button button-large" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p>
          New here? <Link href={`/sign-up${window.location.search}`}>Create an account</Link>
        </p>
      </form>
    </div>
  );
}

export function SignUpPage() {
  useTitle('Create an account');
  const { query } = useLocation();
  const [form, setForm] = useState({ name: '', email: '', password: '' });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const set = (name: keyof typeof form) => (e: { currentTarget: HTMLInputElement }) => setForm({ ...form, [name]: e.currentTarget.value });
  return (
    <div class="page narrow">
      <h1>Create an account</h1>
      <form
        class="form-card"
        noValidate
        onSubmit={async (event) => {
          event.preventDefault();
          setError(undefined);
          if (form.password.length < 10) {
            setErrors({ password: 'Use at least 10 characters.' });
            return;
          }
          setBusy(true);
          try {
            const answer = await api<TokenAnswer & { user: User }>('/api/auth/register', { method: 'POST', body: form });
            saveSession(answer);
            navigate(nextPath(query), { replace: true });
          } catch (e) {
            if (e instanceof ApiError && e.status === 409)
              setErrors({ email: 'An account with this email already exists. Sign in instead?' });
            else if (e instanceof ApiError && e.errors.length > 0) setErrors(e.fieldErrors());
            else setError(describeError(e));
          } finally {
            setBusy(false);
          }
        }}
      >
        {error && (
          <p class="form-error" role="alert">
            {error}
          </p>
        )}
        <Field label="Name" autoComplete="name" required maxLength={100} value={form.name} error={errors.name} onInput={set('name')} />
        <Field label="Email" type="email" autoComplete="email" required value={form.email} error={errors.email} onInput={set('email')} />
        <Field
          label="Password"
          type="password"
          autoComplete="new-password"
          required
          hint="At least 10 characters."
          value={form.password}
          error={errors.password}
          onInput={set('password')}
        />
        <button type="submit" class="button button-large" disabled={busy}>
          {busy ? 'Creating your account…' : 'Create account'}
        </button>
        <p>
          Already have an account? <Link href={`/sign-in${window.location.search}`}>Sign in</Link>
        </p>
      </form>
    </div>
  );
}
