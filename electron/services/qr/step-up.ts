/**
 * Confirm it's you (step-up) with the phone's passkey, for the signed-in desktop. The server
 * links a step-up attempt for this session to the pairing (allowCredentials: this account's
 * passkeys only); the phone is asked like a sign-in (`get`, checked against the challenge
 * hash), posts its assertion to the server itself, and the desktop's session redeems the
 * approval (with the reverse code across networks), which elevates this session only.
 * No "Is this your phone?": a phone without this account's passkey can confirm nothing.
 */
import { signedInHint, type Ceremony, type SignedInCeremonyDeps } from './ceremony';

export function stepUpCeremony(deps: SignedInCeremonyDeps): Ceremony {
  const { api, withAccess, session } = deps;
  return {
    purpose: 'step-up',
    confirmsPhone: false,
    async begin(pairingId) {
      const r = await withAccess((t) => api.stepUpPasskeyOptions(t, pairingId));
      return {
        attemptId: r.attemptId,
        options: r.options as Record<string, unknown> & { challenge: string },
      };
    },
    request: (options, display) => ({ type: 'request', kind: 'get', options, display }),
    async redeem(attemptId, reverseCode) {
      const r = await withAccess((t) => api.stepUpPasskeyRedeem(t, { attemptId, reverseCode }));
      return {
        state: { status: 'stepped-up', elevatedUntil: r.elevatedUntil },
        accountHint: signedInHint(session),
      };
    },
  };
}
