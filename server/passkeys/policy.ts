/**
 * The passkey rules that are decisions rather than cryptography, as pure functions so each is
 * unit-tested on its own.
 */

export const MAX_PASSKEYS = 20;

/** WebAuthn: BE=0 with BS=1 is invalid, and BE is fixed at creation (a change is refused). */
export type BackupFlagsProblem = 'backup_state_without_eligibility' | 'backup_eligibility_changed';

export function backupFlagsProblem(
  stored: { backupEligible: boolean } | null,
  seen: { backupEligible: boolean; backedUp: boolean },
): BackupFlagsProblem | null {
  if (!seen.backupEligible && seen.backedUp) return 'backup_state_without_eligibility';
  if (stored && stored.backupEligible !== seen.backupEligible) return 'backup_eligibility_changed';
  return null;
}

export type CounterDecision = 'ok' | 'refuse' | 'warn';

/**
 * WebAuthn §7.2 step 7 leaves a counter that did not go up to the RP. A device-bound key
 * (BE=0) with a counter going backwards may be cloned: refuse. Synced keys (BE=1) are
 * legitimately on several devices and many keep 0 or interleave: record a warning instead of
 * locking the user out (securo#534, keepassxc#13323).
 */
export function decideCounter(
  stored: number,
  seen: number,
  backupEligible: boolean,
): CounterDecision {
  const regressed = (seen > 0 || stored > 0) && seen <= stored;
  if (!regressed) return 'ok';
  return backupEligible ? 'warn' : 'refuse';
}

/**
 * Deleting the last passkey needs an explicit acknowledgement. Decision: an account always
 * keeps its password (there is no passwordless-only account), so the guard does not protect
 * the only way in; it protects the last passwordless way in — QR sign-in from the desktop and
 * passkey sign-in on the phone stop working — which users remove by accident (teleport#37622
 * shows a guard that blocks outright draws complaints, so it is a confirmation, not a wall).
 */
export function lastPasskeyGuardRefuses(passkeyCount: number, acknowledged: boolean): boolean {
  return passkeyCount <= 1 && !acknowledged;
}

export function passkeyLimitReached(passkeyCount: number): boolean {
  return passkeyCount >= MAX_PASSKEYS;
}
