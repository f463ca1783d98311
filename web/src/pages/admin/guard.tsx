import type { ComponentChildren } from 'preact';
import { isAdmin, useSession } from '../../lib/session.ts';
import { SignInNeeded } from '../sign-in.tsx';

/** Staff pages render for anyone (API.md) and say what a visitor may not do; the data routes answer 401/403 anyway. */
export function StaffOnly({ what, children }: { what: string; children: ComponentChildren }) {
  const signedIn = useSession();
  if (!signedIn) return <SignInNeeded what={what} />;
  if (!isAdmin(signedIn))
    return (
      <div class="page narrow">
        <h1>Not allowed</h1>
        <p class="notice notice-error" role="alert">
          You are not allowed to see this page. It is for the shop’s staff only.
        </p>
      </div>
    );
  return <>{children}</>;
}
