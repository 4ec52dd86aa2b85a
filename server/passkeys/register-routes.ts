/**
 * Adding a passkey to the signed-in account.
 * - The phone's own Security page: POST /api/passkeys/options then /verify, both needing a
 *   step-up in the last five minutes; the challenge is bound to the session that asked.
 * - The desktop by QR (same two-step shape as QR sign-in, login-routes.ts): the desktop asks
 *   options {pairingId} (step-up), which only links a registration attempt to the pairing;
 *   the phone, signed in to the SAME account by its own cookie, gets the options from the
 *   server (pairing/options: user.id, excludeCredentials and the account are the server's,
 *   never the desktop's), posts the attestation (pairing/approve), and the desktop redeems
 *   (POST /api/passkeys/redeem, with the reverse code across networks) to insert the passkey.
 *   So a QR scanned by a stranger adds nothing, and a victim's phone that scans an attacker's
 *   QR is refused (wrong_account) instead of overwriting its own passkey.
 */
import type { FastifyRequest } from 'fastify';
import type { RouteHandlers } from '../http/route-table';
import { generateRegistrationOptions, verifyRegistrationResponse } from '@simplewebauthn/server';
import type { ServerParts } from '../composition-root';
import type { UserRow } from '../db/schema';
import type {
  PasskeyRegisterVerifyResponse,
  RegistrationOptionsJSON,
  RegistrationResponseJSON,
} from '../protocol/api';
import {
  PasskeyPairingApproveRequest,
  PasskeyPairingOptionsRequest,
  PasskeyRegisterOptionsRequest,
  PasskeyRegisterRedeemRequest,
  PasskeyRegisterVerifyRequest,
} from '../protocol/api';
import { ApiError, parseWith } from '../http/errors';
import { requestMeta, requireSession, requireStepUp, type Caller } from '../http/request-helpers';
import { randomId } from '../util/random';
import type { RegistrationApproval } from './attempt-stores';
import { providerName } from './aaguid-names';
import { nameFromUserAgent } from './name-from-user-agent';
import {
  attemptForPairing,
  crossOriginProblem,
  redeemAttempt,
  refusePaired,
} from './paired-attempts';
import { backupFlagsProblem, passkeyLimitReached, MAX_PASSKEYS } from './policy';
import { passkeyView } from './views';
import { refusalReason } from './refusal-reason';

export const REGISTRATION_TIMEOUT_MS = 2 * 60 * 1000;

function limitError(): ApiError {
  return new ApiError(
    409,
    'passkey_limit_reached',
    `An account can have at most ${MAX_PASSKEYS} passkeys. Remove one first.`,
  );
}

const alreadyRegistered = () =>
  new ApiError(409, 'credential_already_registered', 'This passkey is already registered.');

/** The parts of the server passkeyRegistrationRoutes uses; server/app.ts hands over exactly these. */
export const passkeyRegistrationUses = [
  'accounts',
  'activity',
  'clock',
  'config',
  'pairingLink',
  'passkeys',
  'registrationAttempts',
  'rpOrigins',
  'sessions',
] as const satisfies readonly (keyof ServerParts)[];
export type PasskeyRegistrationDeps = Pick<ServerParts, (typeof passkeyRegistrationUses)[number]>;

/** Options for `user`, built here from the account (handle, its passkeys) and nothing else. */
async function optionsFor(
  ctx: PasskeyRegistrationDeps,
  user: UserRow,
  challenge?: string,
): Promise<RegistrationOptionsJSON> {
  const existing = await ctx.passkeys.listForUser(user.id);
  if (passkeyLimitReached(existing.length)) throw limitError();
  const options = await generateRegistrationOptions({
    rpName: ctx.config.rpName,
    rpID: ctx.config.rpId,
    userID: Buffer.from(user.webauthn_user_id, 'base64url'),
    userName: user.email,
    userDisplayName: user.email,
    timeout: REGISTRATION_TIMEOUT_MS,
    attestationType: 'none',
    ...(challenge ? { challenge: new Uint8Array(Buffer.from(challenge, 'base64url')) } : {}),
    // The authenticator already holding a passkey for this account is told not to make another.
    excludeCredentials: existing.map((p) => ({
      id: p.credential_id,
      transports: JSON.parse(p.transports),
    })),
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    supportedAlgorithmIDs: [-7, -8, -257],
  });
  return options as RegistrationOptionsJSON;
}

/**
 * The phone's own session, by cookie: the add-passkey QR is for a phone signed in to the
 * account in its browser. A bearer token (the desktop's) is not accepted here.
 */
async function requirePhoneSession(
  ctx: PasskeyRegistrationDeps,
  request: FastifyRequest,
): Promise<Caller> {
  if (request.headers.authorization !== undefined)
    throw new ApiError(401, 'unauthorized', 'Sign in to your account on this phone first.');
  try {
    return await requireSession(ctx, request);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401)
      throw new ApiError(401, 'unauthorized', 'Sign in to your account on this phone first.');
    throw err;
  }
}

/** Neutral words: never name the account the QR is for. */
const wrongAccount = () =>
  new ApiError(
    403,
    'wrong_account',
    'This phone is signed in to a different account than the one adding the passkey.',
  );

/** The add-passkey attempt on the pairing this phone joined, when it is for the phone's account. */
async function attemptOfPhone(ctx: PasskeyRegistrationDeps, user: UserRow, pairingId: string) {
  const attempt = await attemptForPairing(ctx, ctx.registrationAttempts, pairingId, 'add-passkey');
  if (attempt.userId !== user.id) throw wrongAccount();
  return attempt;
}

/**
 * Every check of an attestation (challenge, origin, RP ID, UV, no cross-origin framing,
 * backup flags, credential id not already registered, limit): the row to insert, not inserted.
 */
async function verifyRegistration(
  ctx: PasskeyRegistrationDeps,
  request: FastifyRequest,
  user: UserRow,
  challenge: string,
  response: RegistrationResponseJSON,
  userAgent: string | undefined,
): Promise<RegistrationApproval> {
  const refuse = (reason: string, words = 'The passkey could not be verified. Try again.') => {
    request.log.info({ reason }, 'passkey registration refused');
    return new ApiError(400, 'passkey_verification_failed', words);
  };
  const framed = crossOriginProblem(response.response.clientDataJSON);
  if (framed) throw refuse(framed);
  let info;
  try {
    const verification = await verifyRegistrationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: ctx.rpOrigins(),
      expectedRPID: ctx.config.rpId,
      requireUserVerification: true,
      supportedAlgorithmIDs: [-7, -8, -257],
    });
    // Stryker disable next-line LogicalOperator: @simplewebauthn returns registrationInfo exactly when verified, so && and || refuse the same responses
    if (!verification.verified || !verification.registrationInfo) throw new Error('not verified');
    info = verification.registrationInfo;
  } catch (err) {
    throw refuse(refusalReason(err));
  }
  const backedUp = info.credentialBackedUp;
  const backupEligible = info.credentialDeviceType === 'multiDevice';
  // A second guard: @simplewebauthn (parseBackupFlags) already throws on BS without BE, so no
  // response reaches this refusal today.
  // Stryker disable next-line ObjectLiteral: {} reads as BE=0 BS=0, which passes; so does every response that got here
  if (backupFlagsProblem(null, { backupEligible, backedUp }))
    // Stryker disable next-line StringLiteral: unreachable while @simplewebauthn refuses BS without BE first (see above)
    throw refuse('backup_flags', 'The passkey reported inconsistent backup flags.');
  if (await ctx.passkeys.byCredentialId(info.credential.id)) throw alreadyRegistered();
  if (passkeyLimitReached(await ctx.passkeys.countForUser(user.id))) throw limitError();
  const meta = requestMeta(request);
  return {
    user_id: user.id,
    credential_id: info.credential.id,
    public_key: Buffer.from(info.credential.publicKey).toString('base64url'),
    counter: info.credential.counter,
    transports: JSON.stringify(info.credential.transports ?? response.response.transports ?? []),
    aaguid: info.aaguid,
    backup_eligible: backupEligible ? 1 : 0,
    backed_up: backedUp ? 1 : 0,
    uv_initialized: info.userVerified ? 1 : 0,
    name: providerName(info.aaguid) ?? nameFromUserAgent(userAgent ?? meta.userAgent),
  };
}

/** Inserts a verified passkey and records passkey.added; the unique index decides races. */
async function insertPasskey(
  ctx: PasskeyRegistrationDeps,
  request: FastifyRequest,
  caller: Caller,
  approval: RegistrationApproval,
): Promise<PasskeyRegisterVerifyResponse> {
  if (approval.user_id !== caller.user.id) throw wrongAccount();
  if (passkeyLimitReached(await ctx.passkeys.countForUser(caller.user.id))) throw limitError();
  const row = { ...approval, id: randomId(), created_at: ctx.clock.now(), last_used_at: null };
  if (!(await ctx.passkeys.insert(row))) throw alreadyRegistered();
  await ctx.activity.record(caller.user.id, 'passkey.added', requestMeta(request), {
    passkeyId: row.id,
    passkeyName: row.name,
  });
  return passkeyView(row, caller.session.passkey_id);
}

export function passkeyRegistrationRoutes(
  ctx: PasskeyRegistrationDeps,
): RouteHandlers<
  | 'passkeyRegisterOptions'
  | 'passkeyRegisterVerify'
  | 'passkeyPairingOptions'
  | 'passkeyPairingApprove'
  | 'passkeyRegisterRedeem'
> {
  return {
    passkeyRegisterOptions: async (request) => {
      const { session, user } = await requireSession(ctx, request);
      const body = parseWith(PasskeyRegisterOptionsRequest, request.body ?? {});
      requireStepUp(ctx, session);
      const options = await optionsFor(ctx, user);
      const pairingId = body.pairingId ?? null;
      const attempt = await ctx.registrationAttempts.create(
        options.challenge,
        REGISTRATION_TIMEOUT_MS,
        session.id,
        user.id,
        pairingId,
      );
      if (pairingId) {
        const linked = await ctx.pairingLink.linkAttempt(pairingId, {
          kind: 'add-passkey',
          attemptId: attempt.id,
          challenge: attempt.challenge,
        });
        if (!linked) {
          await ctx.registrationAttempts.take(attempt.id);
          throw new ApiError(
            404,
            'pairing_not_found',
            'This pairing is unknown or has ended. Show a new QR code.',
          );
        }
      }
      return { attemptId: attempt.id, options };
    },

    // The phone's own Security page: verify and insert in one step.
    passkeyRegisterVerify: async (request) => {
      const caller = await requireSession(ctx, request);
      const body = parseWith(PasskeyRegisterVerifyRequest, request.body);
      requireStepUp(ctx, caller.session);
      const pending = await ctx.registrationAttempts.get(body.attemptId);
      if (!pending || pending.sessionId !== caller.session.id) {
        throw new ApiError(
          400,
          'attempt_not_found',
          'This passkey request is unknown or was already used. Start again.',
        );
      }
      refusePaired(pending);
      const attempt = await ctx.registrationAttempts.take(body.attemptId);
      if (!attempt || attempt.expiresAt <= ctx.clock.now()) {
        throw new ApiError(
          400,
          'challenge_expired',
          'This passkey request timed out. Start again.',
        );
      }
      const approval = await verifyRegistration(
        ctx,
        request,
        caller.user,
        attempt.challenge,
        body.response,
        body.userAgent,
      );
      const view = await insertPasskey(ctx, request, caller, approval);
      return view;
    },

    // QR, phone side: the options for the attempt on this pairing, for the phone's own account.
    passkeyPairingOptions: async (request) => {
      const { user } = await requirePhoneSession(ctx, request);
      const body = parseWith(PasskeyPairingOptionsRequest, request.body);
      const attempt = await attemptOfPhone(ctx, user, body.pairingId);
      return {
        options: await optionsFor(ctx, user, attempt.challenge),
        account: { email: user.email },
      };
    },

    // QR, phone side: verify the attestation and park it; the desktop inserts it on redeem.
    passkeyPairingApprove: async (request) => {
      const { user } = await requirePhoneSession(ctx, request);
      const body = parseWith(PasskeyPairingApproveRequest, request.body);
      const attempt = await attemptOfPhone(ctx, user, body.pairingId);
      const approval = await verifyRegistration(
        ctx,
        request,
        user,
        attempt.challenge,
        body.response,
        body.userAgent,
      );
      if (!(await ctx.registrationAttempts.approve(attempt.id, approval)))
        throw new ApiError(409, 'already_approved', 'This request was already approved.');
      return { approved: true };
    },

    // QR, desktop side: the session that made the attempt, still stepped up, inserts the passkey.
    passkeyRegisterRedeem: async (request) => {
      const caller = await requireSession(ctx, request);
      const body = parseWith(PasskeyRegisterRedeemRequest, request.body);
      requireStepUp(ctx, caller.session);
      const attempt = await redeemAttempt(
        ctx,
        ctx.registrationAttempts,
        body.attemptId,
        body.reverseCode,
        (a) => a.sessionId === caller.session.id,
      );
      const passkey = await insertPasskey(ctx, request, caller, attempt.approval);
      return { passkey };
    },
  };
}
