/**
 * Add a passkey on the phone to the signed-in, step-up-verified account. Whoever scanned first
 * must not get a request unless the person says this is their phone (confirmsPhone): the
 * server also checks the phone's account, but a yes/no costs nothing and names the device.
 */
import type { DesktopToPhone } from '../../../server/protocol/tunnel';
import { signedInHint, type Ceremony, type SignedInCeremonyDeps } from './ceremony';

type CreateOptions = Extract<DesktopToPhone, { type: 'request'; kind: 'create' }>['options'];

export function addPasskeyCeremony(deps: SignedInCeremonyDeps): Ceremony {
  const { api, withAccess, session } = deps;
  return {
    purpose: 'add-passkey',
    confirmsPhone: true,
    async begin(pairingId) {
      const r = await withAccess((t) => api.passkeyRegisterOptions(t, pairingId));
      return {
        attemptId: r.attemptId,
        options: r.options as unknown as Record<string, unknown> & { challenge: string },
      };
    },
    request: (options, display) => ({
      type: 'request',
      kind: 'create',
      options: options as CreateOptions,
      display,
    }),
    async redeem(attemptId, reverseCode) {
      const result = await withAccess((t) =>
        api.passkeyRegisterRedeem(t, { attemptId, reverseCode }),
      );
      return {
        state: { status: 'passkey-added', passkey: result.passkey },
        accountHint: signedInHint(session),
      };
    },
  };
}
