import { useEffect, useState } from 'preact/hooks';
import { api } from '../lib/api.ts';
import { ApiError, describeError } from '../lib/problem.ts';
import { Link, navigate } from '../lib/router.tsx';
import { clearSession, saveSession, session, useSession } from '../lib/session.ts';
import { useTitle } from '../lib/title.ts';
import { toast } from '../lib/toast.ts';
import type { Address, Profile } from '../lib/types.ts';
import { AddressFields, cleanAddress, EMPTY_ADDRESS, errorsUnder } from '../ui/address-form.tsx';
import { Field } from '../ui/field.tsx';
import { Loading } from '../ui/status.tsx';
import { SignInNeeded } from './sign-in.tsx';

export async function signOut(): Promise<void> {
  const current = session.get();
  clearSession();
  if (current) await api('/api/auth/logout', { method: 'POST', body: { refreshToken: current.refreshToken } }).catch(() => undefined);
  navigate('/');
}

export function AccountPage() {
  useTitle('Your account');
  const signedIn = useSession();
  const [profile, setProfile] = useState<Profile>();
  const [name, setName] = useState('');
  const [address, setAddress] = useState<Address>(EMPTY_ADDRESS);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!signedIn) return;
    api<Profile>('/api/me', { auth: true })
      .then((p) => {
        setProfile(p);
        setName(p.name);
        if (p.address) setAddress({ ...EMPTY_ADDRESS, ...p.address });
      })
      .catch((e: unknown) => toast(describeError(e), 'error'));
  }, [signedIn]);

  if (!signedIn) return <SignInNeeded what="see your account" />;
  if (!profile) return <Loading label="Loading your account…" />;
  const hasAddress = Boolean(address.line1 || address.city || address.postalCode);
  return (
    <div class="page narrow">
      <h1>Your account</h1>
      <p>
        Signed in as <strong>{profile.email}</strong>. <Link href="/orders">Your orders</Link>
      </p>
      <form
        class="form-card"
        noValidate
        onSubmit={async (event) => {
          event.preventDefault();
          setBusy(true);
          setErrors({});
          try {
            const body = hasAddress ? { name: name.trim(), address: cleanAddress(address) } : { name: name.trim() };
            const updated = await api<Profile>('/api/me', { method: 'PATCH', auth: true, body });
            setProfile(updated);
            const current = session.get();
            if (current)
              saveSession({ ...current, expiresIn: (current.expiresAt - Date.now()) / 1000 }, { ...current.user, name: updated.name });
            toast('Your profile is saved', 'success');
          } catch (e) {
            if (e instanceof ApiError && e.errors.length > 0) setErrors(e.fieldErrors());
            else toast(describeError(e), 'error');
          } finally {
            setBusy(false);
          }
        }}
      >
        <h2>Profile</h2>
        <Field
          label="Name"
          autoComplete="name"
          maxLength={100}
          value={name}
          error={errors.name}
          onInput={(e) => setName(e.currentTarget.value)}
        />
        <h2>Shipping address</h2>
        <AddressFields value={address} onChange={setAddress} errors={errorsUnder(errors, 'address')} />
        <button type="submit" class="button" disabled={busy}>
          {busy ? 'Saving…' : 'Save'}
        </button>
      </form>
      <p>
        <button type="button" class="button button-secondary" onClick={() => void signOut()}>
          Sign out
        </button>
      </p>
    </div>
  );
}
