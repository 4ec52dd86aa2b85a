/**
 * The HTTP route table: every route's method, path, inputs, answer and error codes, written
 * once. The server registers from it (server/http/route-table.ts), both clients are built
 * from it (route-client.ts: the desktop over node:http, the phone over fetch), and the server
 * tests check every answer against it. Shared by all runtimes: zod only, no Node, no DOM.
 *
 * Inputs are parsed by the handlers themselves (with the same schemas), because the order of
 * checks is part of the behaviour: a signed-out caller with a bad body is told 401, not 400.
 */
import type { z } from 'zod';
import { type ZodType } from 'zod';
import type { ErrorCode } from './api';
import {
  ActivityListResponse,
  ChangePasswordRequest,
  ChangePasswordResponse,
  CookieLoginResponse,
  IdParams,
  MeResponse,
  OkResponse,
  PasskeyDeleteQuery,
  PasskeyDeleteResponse,
  PasskeyListResponse,
  PasskeyLoginApproveRequest,
  PasskeyLoginApproveResponse,
  PasskeyLoginOptionsRequest,
  PasskeyLoginOptionsResponse,
  PasskeyLoginRedeemRequest,
  PasskeyLoginVerifyRequest,
  PasskeyPairingApproveRequest,
  PasskeyPairingApproveResponse,
  PasskeyPairingOptionsRequest,
  PasskeyPairingOptionsResponse,
  PasskeyRegisterOptionsRequest,
  PasskeyRegisterOptionsResponse,
  PasskeyRegisterRedeemRequest,
  PasskeyRegisterRedeemResponse,
  PasskeyRegisterVerifyRequest,
  PasskeyRegisterVerifyResponse,
  PasskeyRenameRequest,
  PasskeyRenameResponse,
  PasswordLoginRequest,
  RefreshRequest,
  RevokeResponse,
  ServerConfigResponse,
  SessionListResponse,
  SignInResponse,
  SignUpRequest,
  StepUpPasskeyApproveRequest,
  StepUpPasskeyApproveResponse,
  StepUpPasskeyOptionsRequest,
  StepUpPasskeyOptionsResponse,
  StepUpPasskeyRedeemRequest,
  StepUpPasskeyRequest,
  StepUpRequest,
  StepUpResponse,
  TokenResponse,
  TotpConfirmRequest,
  TotpConfirmResponse,
  TotpSetupResponse,
} from './api';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export type RouteSpec = {
  method: HttpMethod;
  /** Fastify path syntax: `:name` segments are filled from `params`. */
  path: string;
  /** Path parameters (`:id`), if the path has any. */
  params?: ZodType;
  /** Query string, if the route reads one. */
  query?: ZodType;
  /** The JSON body; absent = the route takes none (an empty `{}` is still accepted). */
  body?: ZodType;
  /** Success status; 200 unless said. */
  status?: 200 | 201;
  /** The success answer. */
  response: ZodType;
  /** Codes this route itself answers, besides the ones every route may (COMMON_ERRORS). */
  errors: readonly ErrorCode[];
};

/**
 * Codes any route may answer: bad JSON, a body that fails its schema, a body too large or not
 * JSON, a storage that is busy or unreachable (503), and a bug (500).
 */
export const COMMON_ERRORS = [
  'bad_request',
  'validation_failed',
  'payload_too_large',
  'unsupported_media_type',
  'server_busy',
  'internal',
] as const satisfies readonly ErrorCode[];

/** Signed-in routes: no, a malformed or an ended session. */
const SIGNED_IN = ['unauthorized'] as const satisfies readonly ErrorCode[];
/** Routes that add/remove passkeys or change 2FA need a fresh step-up (server/step-up). */
const STEPPED_UP = [...SIGNED_IN, 'step_up_required'] as const satisfies readonly ErrorCode[];
/** The attempt linked to a pairing (server/passkeys/paired-attempts.ts attemptForPairing). */
const PAIRED_ATTEMPT = [
  'pairing_not_found',
  'attempt_not_found',
  'already_approved',
  'challenge_expired',
  'attempt_dead',
] as const satisfies readonly ErrorCode[];
/** Redeeming an approved attempt (paired-attempts.ts redeemAttempt). */
const REDEEM = [
  'attempt_not_found',
  'not_approved',
  'reverse_code_required',
  'reverse_code_invalid',
  'attempt_dead',
  'challenge_expired',
  'rate_limited',
] as const satisfies readonly ErrorCode[];
/** Checking an attestation and inserting the passkey (register-routes.ts). */
const REGISTRATION = [
  'passkey_verification_failed',
  'credential_already_registered',
  'passkey_limit_reached',
  'wrong_account',
] as const satisfies readonly ErrorCode[];
/** Checking an assertion (login-routes.ts verifyAssertion). */
const ASSERTION = [
  'passkey_unknown',
  'passkey_verification_failed',
] as const satisfies readonly ErrorCode[];

export const routes = {
  health: { method: 'GET', path: '/healthz', response: OkResponse, errors: [] },
  config: { method: 'GET', path: '/api/config', response: ServerConfigResponse, errors: [] },

  signUp: {
    method: 'POST',
    path: '/api/accounts',
    body: SignUpRequest,
    status: 201,
    // Always a web sign-up: the new session answers with a cookie.
    response: CookieLoginResponse,
    errors: ['email_taken', 'rate_limited'],
  },
  me: { method: 'GET', path: '/api/me', response: MeResponse, errors: SIGNED_IN },

  passwordLogin: {
    method: 'POST',
    path: '/api/auth/password',
    body: PasswordLoginRequest,
    response: SignInResponse,
    errors: ['invalid_credentials', 'totp_required', 'invalid_totp', 'rate_limited'],
  },
  passkeyLoginOptions: {
    method: 'POST',
    path: '/api/auth/passkey/options',
    body: PasskeyLoginOptionsRequest,
    response: PasskeyLoginOptionsResponse,
    errors: ['rate_limited', 'pairing_not_found'],
  },
  passkeyLoginVerify: {
    method: 'POST',
    path: '/api/auth/passkey/verify',
    body: PasskeyLoginVerifyRequest,
    response: SignInResponse,
    errors: ['attempt_not_found', 'attempt_paired', 'challenge_expired', ...ASSERTION],
  },
  passkeyLoginApprove: {
    method: 'POST',
    path: '/api/auth/passkey/approve',
    body: PasskeyLoginApproveRequest,
    response: PasskeyLoginApproveResponse,
    errors: [...PAIRED_ATTEMPT, ...ASSERTION],
  },
  passkeyLoginRedeem: {
    method: 'POST',
    path: '/api/auth/passkey/redeem',
    body: PasskeyLoginRedeemRequest,
    response: SignInResponse,
    errors: [...REDEEM, 'passkey_unknown'],
  },
  refresh: {
    method: 'POST',
    path: '/api/auth/refresh',
    body: RefreshRequest,
    response: TokenResponse,
    errors: ['token_invalid', 'token_reused'],
  },
  logout: { method: 'POST', path: '/api/auth/logout', response: OkResponse, errors: SIGNED_IN },

  stepUp: {
    method: 'POST',
    path: '/api/step-up',
    body: StepUpRequest,
    response: StepUpResponse,
    errors: [...SIGNED_IN, 'invalid_credentials', 'totp_required', 'invalid_totp', 'rate_limited'],
  },
  // Step-up with a passkey of this account (server/step-up/passkey-routes.ts).
  stepUpPasskeyOptions: {
    method: 'POST',
    path: '/api/step-up/passkey/options',
    body: StepUpPasskeyOptionsRequest,
    response: StepUpPasskeyOptionsResponse,
    errors: [...SIGNED_IN, 'no_passkeys', 'rate_limited', 'pairing_not_found'],
  },
  stepUpPasskey: {
    method: 'POST',
    path: '/api/step-up/passkey',
    body: StepUpPasskeyRequest,
    response: StepUpResponse,
    errors: [
      ...SIGNED_IN,
      'attempt_not_found',
      'attempt_paired',
      'challenge_expired',
      'wrong_account',
      'rate_limited',
      ...ASSERTION,
    ],
  },
  stepUpPasskeyApprove: {
    method: 'POST',
    path: '/api/step-up/passkey/approve',
    body: StepUpPasskeyApproveRequest,
    response: StepUpPasskeyApproveResponse,
    errors: [...PAIRED_ATTEMPT, 'wrong_account', 'rate_limited', ...ASSERTION],
  },
  stepUpPasskeyRedeem: {
    method: 'POST',
    path: '/api/step-up/passkey/redeem',
    body: StepUpPasskeyRedeemRequest,
    response: StepUpResponse,
    errors: [...SIGNED_IN, ...REDEEM],
  },

  changePassword: {
    method: 'POST',
    path: '/api/account/password',
    body: ChangePasswordRequest,
    response: ChangePasswordResponse,
    errors: [
      ...STEPPED_UP,
      'invalid_credentials',
      'current_password_required',
      'weak_password',
      'rate_limited',
    ],
  },

  totpSetup: {
    method: 'POST',
    path: '/api/2fa/totp/setup',
    response: TotpSetupResponse,
    errors: [...STEPPED_UP, 'totp_already_enabled'],
  },
  totpConfirm: {
    method: 'POST',
    path: '/api/2fa/totp/confirm',
    body: TotpConfirmRequest,
    response: TotpConfirmResponse,
    errors: [...STEPPED_UP, 'totp_already_enabled', 'invalid_totp', 'rate_limited'],
  },
  totpDisable: {
    method: 'DELETE',
    path: '/api/2fa/totp',
    response: OkResponse,
    errors: [...STEPPED_UP, 'totp_not_enabled'],
  },

  passkeys: {
    method: 'GET',
    path: '/api/passkeys',
    response: PasskeyListResponse,
    errors: SIGNED_IN,
  },
  passkeyRegisterOptions: {
    method: 'POST',
    path: '/api/passkeys/options',
    body: PasskeyRegisterOptionsRequest,
    response: PasskeyRegisterOptionsResponse,
    errors: [...STEPPED_UP, 'passkey_limit_reached', 'pairing_not_found'],
  },
  passkeyRegisterVerify: {
    method: 'POST',
    path: '/api/passkeys/verify',
    body: PasskeyRegisterVerifyRequest,
    status: 201,
    response: PasskeyRegisterVerifyResponse,
    errors: [
      ...STEPPED_UP,
      'attempt_not_found',
      'attempt_paired',
      'challenge_expired',
      ...REGISTRATION,
    ],
  },
  passkeyPairingOptions: {
    method: 'POST',
    path: '/api/passkeys/pairing/options',
    body: PasskeyPairingOptionsRequest,
    response: PasskeyPairingOptionsResponse,
    errors: [...SIGNED_IN, ...PAIRED_ATTEMPT, 'wrong_account', 'passkey_limit_reached'],
  },
  passkeyPairingApprove: {
    method: 'POST',
    path: '/api/passkeys/pairing/approve',
    body: PasskeyPairingApproveRequest,
    response: PasskeyPairingApproveResponse,
    errors: [...SIGNED_IN, ...PAIRED_ATTEMPT, ...REGISTRATION],
  },
  passkeyRegisterRedeem: {
    method: 'POST',
    path: '/api/passkeys/redeem',
    body: PasskeyRegisterRedeemRequest,
    status: 201,
    response: PasskeyRegisterRedeemResponse,
    errors: [...STEPPED_UP, ...REDEEM, ...REGISTRATION],
  },
  renamePasskey: {
    method: 'PATCH',
    path: '/api/passkeys/:id',
    params: IdParams,
    body: PasskeyRenameRequest,
    response: PasskeyRenameResponse,
    errors: [...SIGNED_IN, 'not_found'],
  },
  deletePasskey: {
    method: 'DELETE',
    path: '/api/passkeys/:id',
    params: IdParams,
    query: PasskeyDeleteQuery,
    response: PasskeyDeleteResponse,
    errors: [...STEPPED_UP, 'not_found', 'last_passkey'],
  },

  sessions: {
    method: 'GET',
    path: '/api/sessions',
    response: SessionListResponse,
    errors: SIGNED_IN,
  },
  revokeSession: {
    method: 'DELETE',
    path: '/api/sessions/:id',
    params: IdParams,
    response: RevokeResponse,
    errors: [...SIGNED_IN, 'not_found'],
  },
  revokeOtherSessions: {
    method: 'DELETE',
    path: '/api/sessions',
    response: RevokeResponse,
    errors: SIGNED_IN,
  },
  activity: {
    method: 'GET',
    path: '/api/activity',
    response: ActivityListResponse,
    errors: SIGNED_IN,
  },
} as const satisfies Record<string, RouteSpec>;

export type Routes = typeof routes;
export type RouteName = keyof Routes;

type Infer<S> = S extends ZodType ? z.infer<S> : never;
type InputOf<S> = S extends ZodType ? z.input<S> : never;

/** What a route answers on success. */
export type ResponseOf<N extends RouteName> = Infer<Routes[N]['response']>;
/** What a client sends: the body before the schema's transforms (trim, lower-case). */
export type BodyOf<N extends RouteName> = Routes[N] extends { body: infer B } ? InputOf<B> : never;
export type ParamsOf<N extends RouteName> = Routes[N] extends { params: infer P }
  ? InputOf<P>
  : never;
export type QueryOf<N extends RouteName> = Routes[N] extends { query: infer Q }
  ? InputOf<Q>
  : never;

/** Every code a route may answer: its own and the common ones. */
export function errorCodesOf(name: RouteName): readonly ErrorCode[] {
  return [...COMMON_ERRORS, ...routes[name].errors];
}

/** `/api/passkeys/:id` + {id} -> `/api/passkeys/<id>` (each segment URL-encoded). */
export function fillPath(path: string, params: Record<string, string> | undefined): string {
  return path.replace(/:([A-Za-z]+)/g, (_m, key: string) => {
    const value = params?.[key];
    if (value === undefined) throw new TypeError(`missing path parameter ${key}`);
    return encodeURIComponent(value);
  });
}

/** The route a request went to, by method and concrete path (no query); undefined if none. */
export function routeFor(method: string, path: string): RouteName | undefined {
  const names = Object.keys(routes) as RouteName[];
  return names.find((name) => {
    const spec: RouteSpec = routes[name];
    if (spec.method !== method.toUpperCase()) return false;
    const pattern = new RegExp(`^${spec.path.replace(/:[A-Za-z]+/g, '[^/]+')}$`);
    return pattern.test(path);
  });
}
