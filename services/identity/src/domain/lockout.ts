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

/**
 * The lock to apply, given the state right after one failure was counted atomically, or null.
 * Only the failure whose count lands on a multiple of the limit locks, so concurrent failures
 * lock exactly once: one minute first, doubling on each repeat.
 */
export function lockAfterFailure(counted: FailureState, limit: number, now: Date): { lockouts: number; lockedUntil: Date } | null {
  if (counted.failures === 0 || counted.failures % limit !== 0) return null;
  const seconds = Math.min(FIRST_LOCK_SECONDS * 2 ** counted.lockouts, MAX_LOCK_SECONDS);
  return { lockouts: counted.lockouts + 1, lockedUntil: new Date(now.getTime() + seconds * 1000) };
}
