/**
 * The phone app's only door to the server: JSON over fetch with the session cookie, and every
 * failure turned into an ApiError whose message a person can act on. Shared with the /m/pair
 * page (server/phone/pair/), so keep it free of React.
 */
import {
  ErrorCode,
  type ApiErrorBody,
  type AuthenticationResponseJSON,
  type CookieLoginResponse,
  type RegistrationResponseJSON,
  type SignInResponse,
} from '../../protocol/api';
import {
  createRouteClient,
  type RouteCall,
  type Transport,
  type TransportRequest,
} from '../../protocol/route-client';
import { t } from '../i18n';

/** Codes the server sends, plus two the client makes up when there is no server answer. */
export type ClientErrorCode = ErrorCode | 'network' | 'server_error';

/** Words for a failure with no server answer at all. */
export const networkMessage = () => t('errors.network');

/**
 * Words for every code the server sends, in the page's language (i18n/). The server's own
 * message (English) is shown only for a code this table does not know, e.g. one added to the
 * server after this page was built.
 */
const KNOWN_CODES = new Set<ClientErrorCode>([...ErrorCode.options, 'network', 'server_error']);

export class ApiError extends Error {
  readonly status: number;
  readonly code: ClientErrorCode;
  readonly retryAfterSeconds?: number;
  readonly issues?: string[];

  constructor(
    status: number,
    code: ClientErrorCode,
    message: string,
    extra: { retryAfterSeconds?: number; issues?: string[] } = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.retryAfterSeconds = extra.retryAfterSeconds;
    this.issues = extra.issues;
  }
}

/** "Try again in 2 minutes." — rate-limit words with the time the server gave. */
export function retryWords(seconds: number | undefined): string {
  if (seconds === undefined || seconds <= 0) return t('errors.retry.later');
  if (seconds < 60) return t('errors.retry.seconds', { count: seconds });
  return t('errors.retry.minutes', { count: Math.ceil(seconds / 60) });
}

function plainMessage(code: ClientErrorCode, serverMessage: string | undefined, retry?: number) {
  if (code === 'rate_limited') return t('errors.rateLimited', { retry: retryWords(retry) });
  if (KNOWN_CODES.has(code)) return t(`errors.code.${code}`);
  return serverMessage ?? t('errors.code.server_error');
}

function isErrorBody(x: unknown): x is ApiErrorBody {
  const e = (x as ApiErrorBody | null)?.error;
  return typeof e === 'object' && e !== null && typeof e.code === 'string';
}

/**
 * Fired when a signed-in call answers 401: the session ended elsewhere (revoked from another
 * device, expired). The app listens and goes back to Sign in instead of showing stale pages.
 */
export const SESSION_ENDED_EVENT = 'keybridge:session-ended';

/** The phone's transport: same-origin fetch, so the session cookie rides along. */
export const fetchTransport: Transport = async ({ method, path, body }: TransportRequest) => {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'network', networkMessage());
  }
  const text = await res.text().catch(() => '');
  let data: unknown = undefined;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = undefined;
    }
  }
  if (res.ok) return data;
  if (isErrorBody(data)) {
    const { code, message, retryAfterSeconds, issues } = data.error;
    if (code === 'unauthorized' && typeof window !== 'undefined') {
      window.dispatchEvent(new Event(SESSION_ENDED_EVENT));
    }
    const retry = retryAfterSeconds ?? (Number(res.headers.get('retry-after')) || undefined);
    return Promise.reject(
      new ApiError(res.status, code, plainMessage(code, message, retry), {
        retryAfterSeconds: retry,
        issues,
      }),
    );
  }
  // A proxy error page or a crashed server: no JSON to read.
  const code: ClientErrorCode = res.status >= 500 ? 'server_error' : 'bad_request';
  throw new ApiError(res.status, code, plainMessage(code, undefined));
};

/**
 * The phone's calls, each one route of the table (server/protocol/routes.ts). The phone
 * signs in with its cookie (no "client": "desktop"), so sign-ins answer the cookie shape.
 */
export function phoneEndpoints(call: RouteCall) {
  const signedIn = (answer: SignInResponse): CookieLoginResponse => answer;
  return {
    config: () => call('config'),
    me: () => call('me'),
    signUp: (email: string, password: string) => call('signUp', { body: { email, password } }),
    signInWithPassword: (email: string, password: string, totp?: string) =>
      call('passwordLogin', { body: { email, password, ...(totp ? { totp } : {}) } }).then(
        signedIn,
      ),
    passkeyLoginOptions: (pairingId?: string) =>
      call('passkeyLoginOptions', { body: pairingId ? { pairingId } : {} }),
    passkeyLoginVerify: (attemptId: string, response: AuthenticationResponseJSON) =>
      call('passkeyLoginVerify', { body: { attemptId, response } }).then(signedIn),
    /** QR sign-in (/m/pair): the server verifies and parks the approval; the desktop redeems. */
    passkeyLoginApprove: (pairingId: string, response: AuthenticationResponseJSON) =>
      call('passkeyLoginApprove', { body: { pairingId, response } }),
    /** QR add-passkey (/m/pair): the server's options for this phone's own account. */
    passkeyPairingOptions: (pairingId: string) =>
      call('passkeyPairingOptions', { body: { pairingId } }),
    passkeyPairingApprove: (pairingId: string, response: RegistrationResponseJSON) =>
      call('passkeyPairingApprove', {
        body: { pairingId, response, userAgent: navigator.userAgent.slice(0, 512) },
      }),
    signOut: () => call('logout', { body: {} }),
    stepUp: (password: string, totp?: string) =>
      call('stepUp', { body: { password, ...(totp ? { totp } : {}) } }),
    /** Passkey step-up: options for this session (own prompt) or for a desktop's pairing. */
    stepUpPasskeyOptions: () => call('stepUpPasskeyOptions', { body: {} }),
    stepUpPasskey: (attemptId: string, response: AuthenticationResponseJSON) =>
      call('stepUpPasskey', { body: { attemptId, response } }),
    /** QR step-up (/m/pair): the server checks the passkey is the desktop account's and parks it. */
    stepUpPasskeyApprove: (pairingId: string, response: AuthenticationResponseJSON) =>
      call('stepUpPasskeyApprove', { body: { pairingId, response } }),
    totpSetup: () => call('totpSetup', { body: {} }),
    totpConfirm: (code: string) => call('totpConfirm', { body: { code } }),
    totpDisable: () => call('totpDisable'),
    passkeys: () => call('passkeys'),
    passkeyRegisterOptions: () => call('passkeyRegisterOptions', { body: {} }),
    passkeyRegisterVerify: (attemptId: string, response: RegistrationResponseJSON) =>
      call('passkeyRegisterVerify', {
        body: { attemptId, response, userAgent: navigator.userAgent.slice(0, 512) },
      }),
    renamePasskey: (id: string, name: string) =>
      call('renamePasskey', { params: { id }, body: { name } }),
    deletePasskey: (id: string, acknowledgeLastPasskey: boolean) =>
      call('deletePasskey', {
        params: { id },
        query: acknowledgeLastPasskey ? { acknowledgeLastPasskey: 'true' } : undefined,
      }),
    sessions: () => call('sessions'),
    revokeSession: (id: string) => call('revokeSession', { params: { id } }),
    revokeOtherSessions: () => call('revokeOtherSessions'),
    changePassword: (currentPassword: string, newPassword: string) =>
      call('changePassword', { body: { currentPassword, newPassword } }),
    activity: () => call('activity'),
  };
}

/** The typed endpoints the phone pages use. */
export const api = phoneEndpoints(createRouteClient(fetchTransport));
