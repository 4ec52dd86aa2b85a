/**
 * The phone app's only door to the server: JSON over fetch with the session cookie, and every
 * failure turned into an ApiError whose message a person can act on. Shared with the /m/pair
 * page (server/phone/pair/), so keep it free of React.
 */
import type {
  ApiErrorBody,
  AuthenticationResponseJSON,
  CookieLoginResponse,
  ErrorCode,
  RegistrationResponseJSON,
  SignInResponse,
} from '../../protocol/api';
import {
  createRouteClient,
  type RouteCall,
  type Transport,
  type TransportRequest,
} from '../../protocol/route-client';

/** Codes the server sends, plus two the client makes up when there is no server answer. */
export type ClientErrorCode = ErrorCode | 'network' | 'server_error';

export const NETWORK_MESSAGE = "Can't reach the server. Check your connection and try again.";

/**
 * Plain words per code. The server's own message is used when a code is not listed here
 * (it is written for people too); these add the way forward.
 */
const PLAIN_WORDS: Partial<Record<ClientErrorCode, string>> = {
  network: NETWORK_MESSAGE,
  server_error: 'Something went wrong on our side. Please try again in a moment.',
  unauthorized: 'You are signed out. Please sign in again.',
  email_taken: 'An account with this email already exists. Sign in instead?',
  invalid_credentials: "That email and password don't match. Check them and try again.",
  totp_required: 'Enter the 6-digit code from your authenticator app.',
  invalid_totp: "That code didn't work. Codes change every 30 seconds; enter the newest one.",
  step_up_required: 'Please confirm it is you first.',
  attempt_not_found: 'This sign-in request has run out of time. Please try again.',
  challenge_expired: 'This request has run out of time. Please try again.',
  passkey_verification_failed: "Your passkey couldn't be checked. Please try again.",
  passkey_unknown:
    "This passkey isn't registered with your exchange account any more. Sign in with your password, or use another passkey.",
  credential_already_registered: 'This passkey is already registered.',
  passkey_limit_reached:
    'You have the maximum number of passkeys. Delete one you no longer use first.',
  rate_limited: 'Too many tries.',
};

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
  if (seconds === undefined || seconds <= 0) return 'Please wait a little and try again.';
  if (seconds < 60) return `Try again in ${seconds} second${seconds === 1 ? '' : 's'}.`;
  const minutes = Math.ceil(seconds / 60);
  return `Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`;
}

function plainMessage(code: ClientErrorCode, serverMessage: string | undefined, retry?: number) {
  if (code === 'rate_limited') return `${PLAIN_WORDS.rate_limited} ${retryWords(retry)}`;
  return PLAIN_WORDS[code] ?? serverMessage ?? PLAIN_WORDS.server_error!;
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
    throw new ApiError(0, 'network', NETWORK_MESSAGE);
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
    activity: () => call('activity'),
  };
}

/** The typed endpoints the phone pages use. */
export const api = phoneEndpoints(createRouteClient(fetchTransport));
