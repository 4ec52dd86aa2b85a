/**
 * The desktop half of the QR sign-in, plain Node, no Electron. This file builds one flow from
 * its parts in electron/services/qr/:
 *
 * - relay-client.ts  the typed socket.io client of the relay (the only socket.io user)
 * - pairing.ts       one pairing: keys, QR secret, channel, link, expiry/rotation
 * - sign-in.ts, add-passkey.ts, step-up.ts   one ceremony per purpose (what the server and
 *   phone are asked)
 * - failures.ts      every way it can fail: codes -> reasons and words
 * - machine.ts       the state machine over a RelayPort (unit-tested with a fake relay)
 * - types.ts         the states (one vocabulary up to the renderer)
 *
 * One QrLogin drives one flow: open a pairing on the relay, ask the server for an attempt
 * linked to it, show the link, replace it while nobody scans, then run the end-to-end channel
 * with the phone. The phone posts its WebAuthn response to the server itself and only says
 * `approved`; the desktop then redeems the attempt (with the reverse code when the server asks
 * for one) and hands the tokens to the session (refresh token -> OS keychain). The add-passkey
 * variant first asks "Is this your phone?" (`confirm-phone`, confirmPhone).
 *
 * Secrets (QR secret, private key, tokens, challenge) never leave the flow except the link in
 * `waiting-for-scan`, which is the QR itself; nothing here logs.
 */
import type { DeviceInfo, TokenResponse } from '../../server/protocol/api';
import { createApiClient, defaultDevice, type ApiClient } from './api-client';
import { addPasskeyCeremony } from './qr/add-passkey';
import { runQrMachine } from './qr/machine';
import { createSocketRelay } from './qr/relay-client';
import { signInCeremony } from './qr/sign-in';
import { stepUpCeremony } from './qr/step-up';
import { createSessionManager, type SessionManager } from './session';
import type { TokenVault } from './token-vault';
import type { QrLogin, QrLoginState, QrPurpose } from './qr/types';

export type {
  FinalState,
  PhoneInfo,
  QrFailReason,
  QrLogin,
  QrLoginState,
  QrLoginStatus,
  QrPurpose,
} from './qr/types';
export { hint } from './qr/ceremony';

export type QrLoginOptions = {
  /** Where the desktop reaches the server (e.g. http://127.0.0.1:8080). */
  serverUrl: string;
  /** Where the refresh token goes. Needed unless `session` is given. */
  vault?: TokenVault;
  /** Share the app's session manager (the shell does); otherwise one is made from api + vault. */
  session?: SessionManager;
  /** Share the app's API client; otherwise one is made from serverUrl + localAddress. */
  api?: ApiClient;
  /** Shown on the phone and in the sessions list. */
  device?: DeviceInfo;
  /** What the phone shows as the app asking. */
  appName?: string;
  /** Bind HTTP and the relay socket to this local address (tests: '127.0.0.2'). */
  localAddress?: string;
  purpose?: QrPurpose;
  /** Stop replacing unscanned QRs after this long (then `expired`). Default 5 minutes. */
  maxWaitMs?: number;
  /**
   * Instead of `session.adopt`: takes the sign-in tokens. It must store the refresh token
   * before resolving: the phone is told "signed in" afterwards.
   */
  adopt?: (tokens: TokenResponse) => Promise<unknown>;
  /** Instead of `session.withAccess`, for the add-passkey and step-up variants. */
  withAccess?: <T>(fn: (accessToken: string) => Promise<T>) => Promise<T>;
  /** Tell the caller's UI about every state. Same as subscribe() right after creation. */
  onState?: (state: QrLoginState) => void;
};

/** Starts a QR flow at once; watch it with subscribe() / finished. */
export function createQrLogin(options: QrLoginOptions): QrLogin {
  const api =
    options.api ??
    createApiClient({ serverUrl: options.serverUrl, localAddress: options.localAddress });
  const ownsApi = !options.api;
  let session = options.session;
  if (!session && options.vault) session = createSessionManager({ api, vault: options.vault });
  const adopt = options.adopt ?? session?.adopt;
  const withAccess = options.withAccess ?? session?.withAccess;
  if (!adopt || !withAccess) {
    throw new TypeError('createQrLogin needs a vault, a session, or adopt + withAccess');
  }
  const device = options.device ?? defaultDevice();
  const purpose = options.purpose ?? 'sign-in';
  const ceremony =
    purpose === 'sign-in'
      ? signInCeremony({ api, device, adopt })
      : purpose === 'step-up'
        ? stepUpCeremony({ api, withAccess, session })
        : addPasskeyCeremony({ api, withAccess, session });
  return runQrMachine({
    relay: createSocketRelay({
      serverUrl: api.serverUrl,
      localAddress: options.localAddress,
      agent: api.socketAgent,
    }),
    ceremony,
    phoneOrigin: () => api.config().then((c) => c.phoneOrigin),
    display: {
      app: options.appName ?? 'Keybridge for Desktop',
      device: `${device.name} (${device.platform})`.slice(0, 120),
    },
    maxWaitMs: options.maxWaitMs ?? 5 * 60_000,
    onState: options.onState,
    onEnd: ownsApi ? () => api.close() : undefined,
  });
}
