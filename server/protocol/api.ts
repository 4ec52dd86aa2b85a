/**
 * The HTTP API bodies: request schemas (parsed at the edge by the server) and response schemas
 * (the types of the phone web app, the desktop API client and the renderer). Which route takes
 * and answers which lives in the route table beside this file (routes.ts).
 *
 * Request schemas are strict: unknown fields are refused. Sizes are bounded so a hostile
 * body cannot make the server do unbounded work.
 */
import { z } from 'zod';

// ---------------------------------------------------------------- primitives

export const Email = z.string().trim().toLowerCase().max(254).email();
/** NIST SP 800-63B: at least 8 characters; we ask 10 for an exchange account. */
export const Password = z.string().min(10).max(256);
/** A 6-digit TOTP code, or a recovery code (xxxx-xxxx-xxxx) where a second factor is asked. */
export const SecondFactorCode = z
  .string()
  .trim()
  .regex(
    /^(\d{6}|[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4})$/,
    'expected a 6-digit code or a recovery code',
  );
export const TotpCode = z
  .string()
  .trim()
  .regex(/^\d{6}$/, 'expected a 6-digit code');
export const Base64Url = z.string().regex(/^[A-Za-z0-9_-]*$/, 'expected base64url');
/** 128-bit random id, base64url (22 chars). */
export const PairingId = z.string().regex(/^[A-Za-z0-9_-]{22}$/, 'expected a pairing id');
/** Opaque ids we hand out (attempts, sessions, passkey row ids): base64url, bounded. */
export const OpaqueId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'expected an id');
export const ReverseCode = z
  .string()
  .regex(/^\d{6}$/, 'expected the 6-digit code shown on the phone');
export const Token = z.string().regex(/^[A-Za-z0-9_-]{20,100}$/, 'expected a token');

/** Sign-in routes answer with a cookie unless the body says the caller is the desktop app. */
export const ClientKind = z.enum(['web', 'desktop']);
export type ClientKind = z.infer<typeof ClientKind>;

/** What the desktop says about itself; shown in the sessions list. */
export const DeviceInfo = z.strictObject({
  name: z.string().trim().min(1).max(80),
  platform: z.string().trim().min(1).max(40),
});
export type DeviceInfo = z.infer<typeof DeviceInfo>;

// ------------------------------------------------- WebAuthn JSON (bounded)

const b64u = (max: number) => Base64Url.max(max);

export const AuthenticationResponseJSON = z.strictObject({
  id: b64u(1400),
  rawId: b64u(1400),
  type: z.literal('public-key'),
  response: z.strictObject({
    clientDataJSON: b64u(4096),
    authenticatorData: b64u(4096),
    signature: b64u(2048),
    userHandle: b64u(128).optional(),
  }),
  clientExtensionResults: z.record(z.string(), z.unknown()),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
});
export type AuthenticationResponseJSON = z.infer<typeof AuthenticationResponseJSON>;

export const RegistrationResponseJSON = z.strictObject({
  id: b64u(1400),
  rawId: b64u(1400),
  type: z.literal('public-key'),
  response: z.strictObject({
    clientDataJSON: b64u(4096),
    attestationObject: b64u(16384),
    authenticatorData: b64u(4096).optional(),
    transports: z.array(z.string().max(32)).max(8).optional(),
    publicKeyAlgorithm: z.number().int().optional(),
    publicKey: b64u(4096).optional(),
  }),
  clientExtensionResults: z.record(z.string(), z.unknown()),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
});
export type RegistrationResponseJSON = z.infer<typeof RegistrationResponseJSON>;

/**
 * Options are produced by @simplewebauthn/server; the wire type is its JSON form. Loose
 * objects: the library may add members (hints, extensions) that clients pass through untouched.
 */
const CredentialDescriptor = z.object({
  id: z.string(),
  type: z.literal('public-key'),
  transports: z.array(z.string()).optional(),
});
const UserVerification = z.enum(['required', 'preferred', 'discouraged']);
export const AuthenticationOptionsJSON = z.looseObject({
  challenge: z.string(),
  timeout: z.number().optional(),
  rpId: z.string().optional(),
  allowCredentials: z.array(CredentialDescriptor).optional(),
  userVerification: UserVerification.optional(),
  extensions: z.record(z.string(), z.unknown()).optional(),
});
export type AuthenticationOptionsJSON = z.infer<typeof AuthenticationOptionsJSON>;
export const RegistrationOptionsJSON = z.looseObject({
  challenge: z.string(),
  rp: z.object({ name: z.string(), id: z.string().optional() }),
  user: z.object({ id: z.string(), name: z.string(), displayName: z.string() }),
  pubKeyCredParams: z.array(z.object({ alg: z.number(), type: z.literal('public-key') })),
  timeout: z.number().optional(),
  excludeCredentials: z.array(CredentialDescriptor).optional(),
  authenticatorSelection: z
    .object({
      authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
      requireResidentKey: z.boolean().optional(),
      residentKey: z.enum(['discouraged', 'preferred', 'required']).optional(),
      userVerification: UserVerification.optional(),
    })
    .optional(),
  attestation: z.enum(['none', 'indirect', 'direct', 'enterprise']).optional(),
  extensions: z.record(z.string(), z.unknown()).optional(),
});
export type RegistrationOptionsJSON = z.infer<typeof RegistrationOptionsJSON>;

// ---------------------------------------------------------------- requests

export const SignUpRequest = z.strictObject({ email: Email, password: Password });
export type SignUpRequest = z.infer<typeof SignUpRequest>;

export const PasswordLoginRequest = z.strictObject({
  email: Email,
  // Sign-in must not leak the password policy of an existing account: accept any length.
  password: z.string().min(1).max(256),
  totp: SecondFactorCode.optional(),
  client: ClientKind.optional(),
  device: DeviceInfo.optional(),
});
export type PasswordLoginRequest = z.infer<typeof PasswordLoginRequest>;

export const PasskeyLoginOptionsRequest = z.strictObject({ pairingId: PairingId.optional() });
export type PasskeyLoginOptionsRequest = z.infer<typeof PasskeyLoginOptionsRequest>;

/** The phone's own sign-in; a QR attempt is approved and redeemed instead. */
export const PasskeyLoginVerifyRequest = z.strictObject({
  attemptId: OpaqueId,
  response: AuthenticationResponseJSON,
  client: ClientKind.optional(),
  device: DeviceInfo.optional(),
});
export type PasskeyLoginVerifyRequest = z.infer<typeof PasskeyLoginVerifyRequest>;

/**
 * QR sign-in, phone side: the phone (on the exchange's own origin) posts the assertion for the
 * attempt the server linked to this pairing. No auth needed; no session is made here.
 */
export const PasskeyLoginApproveRequest = z.strictObject({
  pairingId: PairingId,
  response: AuthenticationResponseJSON,
});
export type PasskeyLoginApproveRequest = z.infer<typeof PasskeyLoginApproveRequest>;

/** QR sign-in, desktop side: redeem the approved attempt (single use) for tokens. */
export const PasskeyLoginRedeemRequest = z.strictObject({
  attemptId: OpaqueId,
  reverseCode: ReverseCode.optional(),
  client: ClientKind.optional(),
  device: DeviceInfo.optional(),
});
export type PasskeyLoginRedeemRequest = z.infer<typeof PasskeyLoginRedeemRequest>;

export const RefreshRequest = z.strictObject({ refreshToken: Token });
export type RefreshRequest = z.infer<typeof RefreshRequest>;

export const StepUpRequest = z.strictObject({
  password: z.string().min(1).max(256),
  totp: SecondFactorCode.optional(),
});
export type StepUpRequest = z.infer<typeof StepUpRequest>;

/**
 * Step-up with a passkey of the signed-in account (server/step-up/passkey-routes.ts). Without
 * `pairingId` the phone confirms with its own passkey (then POST /api/step-up/passkey); with
 * one the desktop links the attempt to its QR pairing and the phone approves it there.
 */
export const StepUpPasskeyOptionsRequest = z.strictObject({ pairingId: PairingId.optional() });
export type StepUpPasskeyOptionsRequest = z.infer<typeof StepUpPasskeyOptionsRequest>;
/** The phone's own passkey step-up: the attempt from the options and the assertion. */
export const StepUpPasskeyRequest = z.strictObject({
  attemptId: OpaqueId,
  response: AuthenticationResponseJSON,
});
export type StepUpPasskeyRequest = z.infer<typeof StepUpPasskeyRequest>;
/** QR step-up, phone side: the assertion for the attempt linked to the pairing it joined. */
export const StepUpPasskeyApproveRequest = z.strictObject({
  pairingId: PairingId,
  response: AuthenticationResponseJSON,
});
export type StepUpPasskeyApproveRequest = z.infer<typeof StepUpPasskeyApproveRequest>;
/** QR step-up, desktop side: the session that asked redeems (+ the reverse code). */
export const StepUpPasskeyRedeemRequest = z.strictObject({
  attemptId: OpaqueId,
  reverseCode: ReverseCode.optional(),
});
export type StepUpPasskeyRedeemRequest = z.infer<typeof StepUpPasskeyRedeemRequest>;

/**
 * POST /api/account/password. Both fields take any length here: the new one is held to the
 * sign-up rule (`Password`) by the handler, so a short one answers `weak_password`, not a
 * generic validation failure.
 */
export const ChangePasswordRequest = z.strictObject({
  /** May be left out only after a passkey step-up (someone who forgot the password). */
  currentPassword: z.string().min(1).max(256).optional(),
  newPassword: z.string().min(1).max(256),
});
export type ChangePasswordRequest = z.infer<typeof ChangePasswordRequest>;
/** How many other sessions of the account were signed out; the calling session stays. */
export const ChangePasswordResponse = z.strictObject({
  signedOutSessions: z.number().int().nonnegative(),
});
export type ChangePasswordResponse = z.infer<typeof ChangePasswordResponse>;

export const TotpConfirmRequest = z.strictObject({ code: TotpCode });
export type TotpConfirmRequest = z.infer<typeof TotpConfirmRequest>;

/**
 * Registration is bound to the signed-in session that asked for it (attemptId). With a
 * pairingId (desktop add-passkey by QR) the attempt is linked to that pairing: the phone then
 * fetches the server's options itself (pairing/options) and the desktop redeems.
 */
export const PasskeyRegisterOptionsRequest = z.strictObject({ pairingId: PairingId.optional() });
export type PasskeyRegisterOptionsRequest = z.infer<typeof PasskeyRegisterOptionsRequest>;
export const PasskeyRegisterVerifyRequest = z.strictObject({
  attemptId: OpaqueId,
  response: RegistrationResponseJSON,
  /** The user agent of the browser that created the passkey, for the name fallback. */
  userAgent: z.string().max(512).optional(),
});
export type PasskeyRegisterVerifyRequest = z.infer<typeof PasskeyRegisterVerifyRequest>;

/** Phone (cookie session required): the registration options for the attempt on this pairing. */
export const PasskeyPairingOptionsRequest = z.strictObject({ pairingId: PairingId });
export type PasskeyPairingOptionsRequest = z.infer<typeof PasskeyPairingOptionsRequest>;

/** Phone (cookie session, same account): the attestation for the attempt on this pairing. */
export const PasskeyPairingApproveRequest = z.strictObject({
  pairingId: PairingId,
  response: RegistrationResponseJSON,
  /** The user agent of the browser that created the passkey, for the name fallback. */
  userAgent: z.string().max(512).optional(),
});
export type PasskeyPairingApproveRequest = z.infer<typeof PasskeyPairingApproveRequest>;

/** Desktop (the session that made the attempt, step-up valid): insert the approved passkey. */
export const PasskeyRegisterRedeemRequest = z.strictObject({
  attemptId: OpaqueId,
  reverseCode: ReverseCode.optional(),
});
export type PasskeyRegisterRedeemRequest = z.infer<typeof PasskeyRegisterRedeemRequest>;

export const PasskeyName = z
  .string()
  .trim()
  .min(1, 'a name is needed')
  .max(64, 'at most 64 characters')
  // Control characters would garble lists and logs.
  .regex(/^[^\p{Cc}]*$/u, 'no control characters');
export const PasskeyRenameRequest = z.strictObject({ name: PasskeyName });
export type PasskeyRenameRequest = z.infer<typeof PasskeyRenameRequest>;

/** DELETE /api/passkeys/:id?acknowledgeLastPasskey=true */
export const PasskeyDeleteQuery = z.strictObject({
  acknowledgeLastPasskey: z.enum(['true', 'false']).optional(),
});

export const IdParams = z.strictObject({ id: OpaqueId });

// --------------------------------------------------------------- responses
// Strict objects: the table in routes.ts is the exact answer, and the server tests check every
// response against it (test/server/support/contract-check.ts), so an extra field (a leak) fails.

const IsoTime = z.string();

export const UserSummary = z.strictObject({ id: z.string(), email: z.string() });
export type UserSummary = z.infer<typeof UserSummary>;

/** Desktop sign-in answer (body had "client": "desktop"). No cookie is set. */
export const TokenResponse = z.strictObject({
  accessToken: z.string(),
  refreshToken: z.string(),
  /** seconds until the access token expires */
  expiresIn: z.number(),
  user: UserSummary,
  sessionId: z.string(),
});
export type TokenResponse = z.infer<typeof TokenResponse>;

/** Web (cookie) sign-in answer. */
export const CookieLoginResponse = z.strictObject({ user: UserSummary, sessionId: z.string() });
export type CookieLoginResponse = z.infer<typeof CookieLoginResponse>;

/** A sign-in answers tokens to the desktop ("client": "desktop") and a cookie to the web. */
export const SignInResponse = z.union([TokenResponse, CookieLoginResponse]);
export type SignInResponse = z.infer<typeof SignInResponse>;

export const PasskeyLoginOptionsResponse = z.strictObject({
  attemptId: z.string(),
  options: AuthenticationOptionsJSON,
});
export type PasskeyLoginOptionsResponse = z.infer<typeof PasskeyLoginOptionsResponse>;

export const PasskeyRegisterOptionsResponse = z.strictObject({
  attemptId: z.string(),
  options: RegistrationOptionsJSON,
});
export type PasskeyRegisterOptionsResponse = z.infer<typeof PasskeyRegisterOptionsResponse>;

/** POST /api/auth/passkey/approve: the server verified the assertion and parked the approval. */
export const PasskeyLoginApproveResponse = z.strictObject({
  approved: z.literal(true),
  /** e.g. "a***@example.com", for the phone only: enough to recognise the account. */
  accountHint: z.string(),
});
export type PasskeyLoginApproveResponse = z.infer<typeof PasskeyLoginApproveResponse>;

/** POST /api/auth/passkey/redeem with client "desktop" (the desktop always says so). */
export const PasskeyLoginRedeemResponse = TokenResponse;
export type PasskeyLoginRedeemResponse = TokenResponse;

/**
 * POST /api/passkeys/pairing/options: built by the server for the account that made the
 * attempt (user.id = its WebAuthn handle, excludeCredentials = its passkeys), never by the
 * desktop; `account` tells the phone which account the passkey is for.
 */
export const PasskeyPairingOptionsResponse = z.strictObject({
  options: RegistrationOptionsJSON,
  account: z.strictObject({ email: z.string() }),
});
export type PasskeyPairingOptionsResponse = z.infer<typeof PasskeyPairingOptionsResponse>;

/** POST /api/passkeys/pairing/approve: verified and parked; the desktop redeems it. */
export const PasskeyPairingApproveResponse = z.strictObject({ approved: z.literal(true) });
export type PasskeyPairingApproveResponse = z.infer<typeof PasskeyPairingApproveResponse>;

export const PasskeyView = z.strictObject({
  id: z.string(),
  /** The WebAuthn credential id (base64url); needed for the Signal API's accepted list. */
  credentialId: z.string(),
  name: z.string(),
  /** Provider from the AAGUID table, or null when unknown/all-zero. */
  providerName: z.string().nullable(),
  aaguid: z.string(),
  createdAt: IsoTime,
  lastUsedAt: IsoTime.nullable(),
  backupEligible: z.boolean(),
  backedUp: z.boolean(),
  /** 'synced' when backup eligible, 'device-bound' otherwise */
  kind: z.enum(['synced', 'device-bound']),
  transports: z.array(z.string()),
  /** true when this passkey signed in the session making the request */
  usedForThisSession: z.boolean(),
});
export type PasskeyView = z.infer<typeof PasskeyView>;

/** POST /api/passkeys/redeem (201): the passkey that was added. */
export const PasskeyRegisterRedeemResponse = z.strictObject({ passkey: PasskeyView });
export type PasskeyRegisterRedeemResponse = z.infer<typeof PasskeyRegisterRedeemResponse>;

/** POST /api/passkeys/verify (201, the phone's own Security page): the bare view. */
export const PasskeyRegisterVerifyResponse = PasskeyView;
export type PasskeyRegisterVerifyResponse = PasskeyView;

/** PATCH /api/passkeys/:id: the renamed passkey, the bare view (as verify answers). */
export const PasskeyRenameResponse = PasskeyView;
export type PasskeyRenameResponse = PasskeyView;

/** How the session's last step-up was made: a passkey also lets a forgotten password be reset. */
export const StepUpMethod = z.enum(['password', 'passkey']);
export type StepUpMethod = z.infer<typeof StepUpMethod>;

export const StepUpResponse = z.strictObject({
  elevatedUntil: IsoTime,
  method: StepUpMethod.optional(),
});
export type StepUpResponse = z.infer<typeof StepUpResponse>;

export const StepUpPasskeyOptionsResponse = z.strictObject({
  attemptId: OpaqueId,
  options: AuthenticationOptionsJSON,
});
export type StepUpPasskeyOptionsResponse = z.infer<typeof StepUpPasskeyOptionsResponse>;
export const StepUpPasskeyApproveResponse = z.strictObject({
  approved: z.literal(true),
  /** "a***@example.com": the account the phone confirmed for, named by the server */
  accountHint: z.string(),
});
export type StepUpPasskeyApproveResponse = z.infer<typeof StepUpPasskeyApproveResponse>;

export const ChecklistItem = z.strictObject({
  id: z.enum(['passkey', 'totp', 'recovery', 'sessions']),
  label: z.string(),
  done: z.boolean(),
  detail: z.string(),
  /**
   * The number `detail` names (passkeys, unused recovery codes, active sessions), so a client
   * can say it in its own language instead of showing the server's English `detail`.
   */
  count: z.number().int().nonnegative().optional(),
  /** sessions, judged by the desktop (electron/ipc/checklist-view.ts): not reviewed yet */
  unreviewed: z.number().int().nonnegative().optional(),
});
export type ChecklistItem = z.infer<typeof ChecklistItem>;

export const SignInMethod = z.enum(['password', 'passkey', 'qr']);
export type SignInMethod = z.infer<typeof SignInMethod>;

export const MeResponse = z.strictObject({
  user: z.strictObject({ id: z.string(), email: z.string(), createdAt: IsoTime }),
  totpEnabled: z.boolean(),
  passkeyCount: z.number(),
  sessionCount: z.number(),
  /** ISO time until which this session may add/remove passkeys and change 2FA; null if not elevated */
  elevatedUntil: IsoTime.nullable(),
  /** How the live step-up was made (null when not elevated) */
  elevatedBy: StepUpMethod.nullable().optional(),
  /** How this session signed in, and with which passkey if any. */
  session: z.strictObject({
    id: z.string(),
    method: SignInMethod,
    passkeyId: z.string().nullable(),
  }),
  /**
   * The account's WebAuthn user handle (base64url). The phone app passes it to the Signal API
   * (signalAllAcceptedCredentials) so the passkey provider can drop deleted passkeys.
   */
  webauthnUserId: z.string(),
  checklist: z.array(ChecklistItem),
});
export type MeResponse = z.infer<typeof MeResponse>;

export const TotpSetupResponse = z.strictObject({ otpauthUri: z.string(), secret: z.string() });
export type TotpSetupResponse = z.infer<typeof TotpSetupResponse>;
export const TotpConfirmResponse = z.strictObject({ recoveryCodes: z.array(z.string()) });
export type TotpConfirmResponse = z.infer<typeof TotpConfirmResponse>;

export const PasskeyListResponse = z.strictObject({
  passkeys: z.array(PasskeyView),
  limit: z.number(),
  /** The account's WebAuthn user handle (base64url), for signalAllAcceptedCredentials. */
  webauthnUserId: z.string(),
});
export type PasskeyListResponse = z.infer<typeof PasskeyListResponse>;

/** DELETE /api/passkeys/:id answer: what signalAllAcceptedCredentials needs. */
export const PasskeyDeleteResponse = z.strictObject({
  removed: z.string(),
  webauthnUserId: z.string(),
  allAcceptedCredentialIds: z.array(z.string()),
});
export type PasskeyDeleteResponse = z.infer<typeof PasskeyDeleteResponse>;

export const SessionView = z.strictObject({
  id: z.string(),
  client: ClientKind,
  device: z.string(),
  method: SignInMethod,
  ip: z.string(),
  userAgent: z.string().nullable(),
  createdAt: IsoTime,
  lastActiveAt: IsoTime,
  current: z.boolean(),
});
export type SessionView = z.infer<typeof SessionView>;
export const SessionListResponse = z.strictObject({ sessions: z.array(SessionView) });
export type SessionListResponse = z.infer<typeof SessionListResponse>;

/** DELETE /api/sessions/:id (1) and DELETE /api/sessions (all others): how many ended. */
export const RevokeResponse = z.strictObject({ revoked: z.number().int() });
export type RevokeResponse = z.infer<typeof RevokeResponse>;

/** Answers that carry nothing but success (logout, TOTP removal, /healthz). */
export const OkResponse = z.strictObject({ ok: z.literal(true) });
export type OkResponse = z.infer<typeof OkResponse>;

export const ActivityType = z.enum([
  'account.created',
  'signin.succeeded',
  'signin.failed',
  'stepup.succeeded',
  'stepup.failed',
  'passkey.added',
  'passkey.renamed',
  'passkey.removed',
  'passkey.counter_warning',
  'totp.enabled',
  'totp.disabled',
  'password.changed',
  'recovery_code.used',
  'session.revoked',
  'session.signed_out',
  'refresh_token.reused',
]);
export type ActivityType = z.infer<typeof ActivityType>;

export const ActivityEvent = z.strictObject({
  id: z.string(),
  type: ActivityType,
  at: IsoTime,
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  /** e.g. {method, passkeyId, passkeyName, reason, sessionId} — never secrets */
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
});
export type ActivityEvent = z.infer<typeof ActivityEvent>;
export const ActivityListResponse = z.strictObject({ events: z.array(ActivityEvent) });
export type ActivityListResponse = z.infer<typeof ActivityListResponse>;

/**
 * GET /api/config — public facts a client needs before signing in. The desktop connects to
 * whatever server URL it was given (maybe 127.0.0.1), but the QR must point the phone at the
 * relying party's real origin, where the passkey is usable.
 */
export const ServerConfigResponse = z.strictObject({
  rpId: z.string(),
  phoneOrigin: z.string(),
  tunnelProtocol: z.literal(1),
});
export type ServerConfigResponse = z.infer<typeof ServerConfigResponse>;

// ------------------------------------------------------------------ errors

export const ErrorCode = z.enum([
  'validation_failed',
  'bad_request',
  'unauthorized',
  'not_found',
  'email_taken',
  'invalid_credentials',
  /** change password: the new one breaks the sign-up rule (`Password`) */
  'weak_password',
  /** change password: no current password, and the session was not confirmed with a passkey */
  'current_password_required',
  'totp_required',
  'invalid_totp',
  'totp_already_enabled',
  'totp_not_enabled',
  'rate_limited',
  'step_up_required',
  'attempt_not_found',
  'challenge_expired',
  'passkey_verification_failed',
  'passkey_unknown',
  'credential_already_registered',
  'passkey_limit_reached',
  'last_passkey',
  'reverse_code_required',
  'reverse_code_invalid',
  'attempt_dead',
  'pairing_not_found',
  /** redeem: the phone has not approved this attempt (yet) */
  'not_approved',
  /** approve: this attempt was approved already */
  'already_approved',
  /** pairing/options, pairing/approve: the phone is signed in to another account */
  'wrong_account',
  /** passkey step-up: the account has no passkey to confirm with */
  'no_passkeys',
  /** verify: the attempt belongs to a QR pairing; it is approved and redeemed instead */
  'attempt_paired',
  'token_invalid',
  'token_reused',
  'payload_too_large',
  'unsupported_media_type',
  /** 503: too many sign-ins in progress server-wide; retry after retryAfterSeconds */
  'server_busy',
  /** 500: a bug on the server (server/http/errors.ts); no details are given */
  'internal',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** Every failure: `{error: {code, message}}` plus what some codes add. */
export const ApiErrorBody = z.strictObject({
  error: z.strictObject({
    code: ErrorCode,
    message: z.string(),
    retryAfterSeconds: z.number().optional(),
    issues: z.array(z.string()).optional(),
    /** reverse_code_invalid: wrong codes still allowed before the attempt dies */
    triesLeft: z.number().int().optional(),
  }),
});
export type ApiErrorBody = z.infer<typeof ApiErrorBody>;
/** The error body's type under its older name (clients import it as such). */
export type ApiError = ApiErrorBody;
