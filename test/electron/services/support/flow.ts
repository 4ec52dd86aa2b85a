/**
 * Small helpers for driving a QrLogin in tests: wait for a state by condition (no sleeps).
 */
import type { QrLogin, QrLoginState, QrLoginStatus } from '../../../../electron/services/qr-login';

const FINAL = new Set<QrLoginStatus>([
  'signed-in',
  'passkey-added',
  'stepped-up',
  'expired',
  'cancelled',
  'failed',
]);

/**
 * Resolves with the first state of `status` (now or later). Rejects, with what happened,
 * when the flow ends in another state first.
 */
export function waitForState<S extends QrLoginStatus>(
  flow: QrLogin,
  status: S,
  where: (s: Extract<QrLoginState, { status: S }>) => boolean = () => true,
): Promise<Extract<QrLoginState, { status: S }>> {
  return new Promise((resolve, reject) => {
    let settled = false;
    // The listener may run before subscribe() returns, so unsubscribe a microtask later.
    const done = () => {
      settled = true;
      queueMicrotask(() => unsubscribe());
    };
    const unsubscribe = flow.subscribe((s) => {
      if (settled) return;
      if (s.status === status && where(s as Extract<QrLoginState, { status: S }>)) {
        done();
        resolve(s as Extract<QrLoginState, { status: S }>);
      } else if (FINAL.has(s.status)) {
        done();
        reject(new Error(`flow ended as ${describe(s)} while waiting for ${status}`));
      }
    });
  });
}

/** Every state the flow goes through, for asserting on the path it took. */
export function recordStates(flow: QrLogin): QrLoginStatus[] {
  const seen: QrLoginStatus[] = [];
  flow.subscribe((s) => {
    if (seen[seen.length - 1] !== s.status) seen.push(s.status);
  });
  return seen;
}

export function describe(s: QrLoginState): string {
  return s.status === 'failed' ? `failed (${s.reason}: ${s.message})` : s.status;
}

/** A 6-digit code that is certainly not `code`. */
export function wrongCode(code: string): string {
  return String((Number(code) + 1) % 1_000_000).padStart(6, '0');
}
