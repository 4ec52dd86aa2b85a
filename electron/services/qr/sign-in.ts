/**
 * Sign in with the phone's passkey. The phone posts its assertion to the server itself and
 * only says `approved`; the desktop redeems the attempt and hands the tokens to `adopt`
 * (refresh token -> OS keychain) before the phone hears "signed in".
 */
import type { DeviceInfo, TokenResponse } from '../../../server/protocol/api';
import type { ApiClient } from '../api-client';
import { hint, type Ceremony } from './ceremony';

export function signInCeremony(deps: {
  api: ApiClient;
  device: DeviceInfo;
  /** Must store the refresh token before resolving: the phone is told "signed in" afterwards. */
  adopt: (tokens: TokenResponse) => Promise<unknown>;
}): Ceremony {
  const { api, device, adopt } = deps;
  return {
    purpose: 'sign-in',
    confirmsPhone: false,
    async begin(pairingId) {
      const r = await api.passkeyLoginOptions(pairingId);
      return {
        attemptId: r.attemptId,
        options: r.options as Record<string, unknown> & { challenge: string },
      };
    },
    request: (options, display) => ({ type: 'request', kind: 'get', options, display }),
    async redeem(attemptId, reverseCode, ctx) {
      const tokens = await api.passkeyLoginRedeem({ attemptId, reverseCode, device });
      if (!ctx.claim()) {
        // Cancelled while the server was verifying: do not keep a session nobody wants.
        await api.logout(tokens.accessToken).catch(() => undefined);
        return null;
      }
      try {
        await adopt(tokens);
      } catch (e) {
        await ctx.tellPhone({
          type: 'done',
          ok: false,
          error: 'The computer could not save the sign-in (no keychain).',
        });
        throw e;
      }
      return {
        state: { status: 'signed-in', user: tokens.user },
        accountHint: hint(tokens.user.email),
      };
    },
  };
}
