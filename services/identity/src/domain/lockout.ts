/** Consecutive failures for one account before it is locked (API.md: at most 10). */
export const ACCOUNT_FAILURE_LIMIT = 10;
/** For one client address: higher, because many shoppers can share one address (NAT). */
export const ADDRESS_FAILURE_LIMIT = 50;
const FIRST_LOCK_SECONDS = 60;
const MAX_LOCK_SECONDS = 24 * 3600;

export interface FailureState {
  failures: number;
  lockouts: number;
  lockedUntil: Date | null;
}

/** Seconds a caller must still wait, or 0 when not locked. */
export function secondsLocked(state: FailureState | undefined, now: Date): number {
  if (!state?.lockedUntil) return 0;
  return Math.max(0, Math.ceil((state.lockedUntil.getTime() - now.getTime()) / 1000));
}

/** The state after one more failure: at the limit the key is locked, one minute first, doubling on each repeat. */
export function afterFailure(state: FailureState | undefined, limit: number, now: Date): FailureState {
  const failures = (state?.failures ?? 0) + 1;
  const lockouts = state?.lockouts ?? 0;
  if (failures < limit) return { failures, lockouts, lockedUntil: state?.lockedUntil ?? null };
  const seconds = Math.min(FIRST_LOCK_SECONDS * 2 ** lockouts, MAX_LOCK_SECONDS);
  return { failures: 0, lockouts: lockouts + 1, lockedUntil: new Date(now.getTime() + seconds * 1000) };
}
