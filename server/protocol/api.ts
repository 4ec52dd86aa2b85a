/**
 * The HTTP API contract (docs/architecture.md §API): one source of truth for request bodies
 * (parsed at the edge by the server with these schemas) and response shapes (used as types
 * by the phone web app, the desktop API client and the renderer).
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

/** Options are produced by @simplewebauthn/server; the wire type is its JSON form. */
export type AuthenticationOptionsJSON = {
  challenge: string;
  timeout?: number;
  rpId?: string;
  allowCredentials?: { id: string; type: 'public-key'; transports?: string[] }[];
  userVerification?: 'required' | 'preferred' | 'discouraged';
  extensions?: Record<string, unknown>;
};
export type RegistrationOptionsJSON = {
  challenge: string;
  rp: { name: string; id?: string };
  user: { id: string; name: string; displayName: string };
  pubKeyCredParams: { alg: number; type: 'public-key' }[];
  timeout?: number;
  excludeCredentials?: { id: string; type: 'public-key'; transports?: string[] }[];
  authenticatorSelection?: {
    authenticatorAttachment?: 'platform' | 'cross-platform';
    requireResidentKey?: boolean;
    residentKey?: 'discouraged' | 'preferred' | 'required';
    userVerification?: 'required' | 'preferred' | 'discouraged';
  };
  attestation?: 'none' | 'indirect' | 'direct' | 'enterprise';
  extensions?: Record<string, unknown>;
};

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

export type UserSummary = { id: string; email: string };

/** Desktop sign-in answer (body had "client": "desktop"). No cookie is set. */
export type TokenResponse = {
  accessToken: string;
  refreshToken: string;
  /** seconds until the access token expires */
  expiresIn: number;
  user: UserSummary;
  sessionId: string;
};

/** Web (cookie) sign-in answer. */
export type CookieLoginResponse = { user: UserSummary; sessionId: string };

export type PasskeyLoginOptionsResponse = {
  attemptId: string;
  options: AuthenticationOptionsJSON;
};

export type PasskeyRegisterOptionsResponse = {
  attemptId: string;
  options: RegistrationOptionsJSON;
};

/** POST /api/auth/passkey/approve: the server verified the assertion and parked the approval. */
export type PasskeyLoginApproveResponse = {
  approved: true;
  /** e.g. "a***@example.com", for the phone only: enough to recognise the account. */
  accountHint: string;
};

/** POST /api/auth/passkey/redeem with client "desktop" (the desktop always says so). */
export type PasskeyLoginRedeemResponse = TokenResponse;

/**
 * POST /api/passkeys/pairing/options: built by the server for the account that made the
 * attempt (user.id = its WebAuthn handle, excludeCredentials = its passkeys), never by the
 * desktop; `account` tells the phone which account the passkey is for.
 */
export type PasskeyPairingOptionsResponse = {
  options: RegistrationOptionsJSON;
  account: { email: string };
};

/** POST /api/passkeys/pairing/approve: verified and parked; the desktop redeems it. */
export type PasskeyPairingApproveResponse = { approved: true };

/** POST /api/passkeys/redeem (201): the passkey that was added. */
export type PasskeyRegisterRedeemResponse = { passkey: PasskeyView };

/** POST /api/passkeys/verify (201, the phone's own Security page): the bare view. */
export type PasskeyRegisterVerifyResponse = PasskeyView;

export type StepUpResponse = { elevatedUntil: string };

export type ChecklistItem = {
  id: 'passkey' | 'totp' | 'recovery' | 'sessions';
  label: string;
  done: boolean;
  detail: string;
};

export type MeResponse = {
  user: UserSummary & { createdAt: string };
  totpEnabled: boolean;
  passkeyCount: number;
  sessionCount: number;
  /** ISO time until which this session may add/remove passkeys and change 2FA; null if not elevated */
  elevatedUntil: string | null;
  /** How this session signed in, and with which passkey if any. */
  session: { id: string; method: SignInMethod; passkeyId: string | null };
  /**
   * The account's WebAuthn user handle (base64url). The phone app passes it to the Signal API
   * (signalAllAcceptedCredentials) so the passkey provider can drop deleted passkeys.
   */
  webauthnUserId: string;
  checklist: ChecklistItem[];
};

export type TotpSetupResponse = { otpauthUri: string; secret: string };
export type TotpConfirmResponse = { recoveryCodes: string[] };

export type PasskeyView = {
  id: string;
  /** The WebAuthn credential id (base64url); needed for the Signal API's accepted list. */
  credentialId: string;
  name: string;
  /** Provider from the AAGUID table, or null when unknown/all-zero. */
  providerName: string | null;
  aaguid: string;
  createdAt: string;
  lastUsedAt: string | null;
  backupEligible: boolean;
  backedUp: boolean;
  /** 'synced' when backup eligible, 'device-bound' otherwise */
  kind: 'synced' | 'device-bound';
  transports: string[];
  /** true when this passkey signed in the session making the request */
  usedForThisSession: boolean;
};
export type PasskeyListResponse = {
  passkeys: PasskeyView[];
  limit: number;
  /** The account's WebAuthn user handle (base64url), for signalAllAcceptedCredentials. */
  webauthnUserId: string;
};
/** DELETE /api/passkeys/:id answer: what signalAllAcceptedCredentials needs. */
export type PasskeyDeleteResponse = {
  removed: string;
  webauthnUserId: string;
  allAcceptedCredentialIds: string[];
};

export type SignInMethod = 'password' | 'passkey' | 'qr';

export type SessionView = {
  id: string;
  client: ClientKind;
  device: string;
  method: SignInMethod;
  ip: string;
  userAgent: string | null;
  createdAt: string;
  lastActiveAt: string;
  current: boolean;
};
export type SessionListResponse = { sessions: SessionView[] };

export type ActivityType =
  | 'account.created'
  | 'signin.succeeded'
  | 'signin.failed'
  | 'stepup.succeeded'
  | 'stepup.failed'
  | 'passkey.added'
  | 'passkey.renamed'
  | 'passkey.removed'
  | 'passkey.counter_warning'
  | 'totp.enabled'
  | 'totp.disabled'
  | 'recovery_code.used'
  | 'session.revoked'
  | 'session.signed_out'
  | 'refresh_token.reused';

export type ActivityEvent = {
  id: string;
  type: ActivityType;
  at: string;
  ip: string | null;
  userAgent: string | null;
  /** e.g. {method, passkeyId, passkeyName, reason, sessionId} — never secrets */
  details: Record<string, string | number | boolean | null>;
};
export type ActivityListResponse = { events: ActivityEvent[] };

// ------------------------------------------------------------------ errors

export type ErrorCode =
  | 'validation_failed'
  | 'bad_request'
  | 'unauthorized'
  | 'not_found'
  | 'email_taken'
  | 'invalid_credentials'
  | 'totp_required'
  | 'invalid_totp'
  | 'totp_already_enabled'
  | 'totp_not_enabled'
  | 'rate_limited'
  | 'step_up_required'
  | 'attempt_not_found'
  | 'challenge_expired'
  | 'passkey_verification_failed'
  | 'passkey_unknown'
  | 'credential_already_registered'
  | 'passkey_limit_reached'
  | 'last_passkey'
  | 'reverse_code_required'
  | 'reverse_code_invalid'
  | 'attempt_dead'
  | 'pairing_not_found'
  /** redeem: the phone has not approved this attempt (yet) */
  | 'not_approved'
  /** approve: this attempt was approved already */
  | 'already_approved'
  /** pairing/options, pairing/approve: the phone is signed in to another account */
  | 'wrong_account'
  /** verify: the attempt belongs to a QR pairing; it is approved and redeemed instead */
  | 'attempt_paired'
  | 'token_invalid'
  | 'token_reused'
  | 'payload_too_large'
  | 'unsupported_media_type'
  /** 503: too many sign-ins in progress server-wide; retry after retryAfterSeconds */
  | 'server_busy';

export type ApiError = {
  error: {
    code: ErrorCode;
    message: string;
    retryAfterSeconds?: number;
    issues?: string[];
    /** reverse_code_invalid: wrong codes still allowed before the attempt dies */
    triesLeft?: number;
  };
};

/**
 * GET /api/config — public facts a client needs before signing in. The desktop connects to
 * whatever server URL it was given (maybe 127.0.0.1), but the QR must point the phone at the
 * relying party's real origin, where the passkey is usable.
 */
export type ServerConfigResponse = { rpId: string; phoneOrigin: string; tunnelProtocol: 1 };
