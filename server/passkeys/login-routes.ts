/**
 * Usernameless passkey sign-in, on the phone directly or from the desktop via QR.
 * - Phone's own sign-in: POST /api/auth/passkey/options -> {attemptId, options};
 *   POST /api/auth/passkey/verify {attemptId, response} -> session.
 * - QR (DESIGN: one shape for every QR ceremony): the desktop asks options {pairingId}; the
 *   phone, on the exchange's own origin, posts its assertion to POST /api/auth/passkey/approve
 *   {pairingId, response}; the server verifies it and parks the approval on the attempt; the
 *   desktop redeems with POST /api/auth/passkey/redeem {attemptId, reverseCode?}. The
 *   assertion never crosses the tunnel, so the desktop learns nothing about the account (user
 *   handle, credential id, email) until the server checked the reverse code.
 * Storage changes (counter, backup state, last used, the session) happen only after every
 * check passed; any refusal leaves the database as it was.
 */
import type { FastifyRequest } from 'fastify';
import type { RouteHandlers } from '../http/route-table';
import { generateAuthenticationOptions } from '@simplewebauthn/server';
import type { ServerParts } from '../composition-root';
import type { AuthenticationOptionsJSON, AuthenticationResponseJSON } from '../protocol/api';
import {
  PasskeyLoginApproveRequest,
  PasskeyLoginOptionsRequest,
  PasskeyLoginRedeemRequest,
  PasskeyLoginVerifyRequest,
} from '../protocol/api';
import { ApiError, parseWith } from '../http/errors';
import { requestMeta } from '../http/request-helpers';
import { completeSignIn } from '../auth/sign-in';
import type { PasskeyRow, UserRow } from '../db/schema';
import type { TogetherStores } from '../db/commit-together';
import { backupFlagsProblem, decideCounter } from './policy';
import { refusalReason } from './refusal-reason';
import {
  accountHint,
  attemptForPairing,
  crossOriginProblem,
  redeemAttempt,
  refusePaired,
} from './paired-attempts';

/**
 * The QR flow spends up to 60 s unscanned plus 120 s scanned on one pairing
 * (server/tunnel/limits.ts), so the login challenge lives as long: three minutes.
 */
export const LOGIN_TIMEOUT_MS = 3 * 60 * 1000;

function refused(): ApiError {
  return new ApiError(
    400,
    'passkey_verification_failed',
    'The passkey sign-in could not be verified. Try again.',
  );
}

/** The parts of the server passkeyLoginRoutes uses; server/app.ts hands over exactly these. */
export const passkeyLoginUses = [
  'accounts',
  'activity',
  'assertions',
  'clock',
  'commitTogether',
  'config',
  'ipLimits',
  'loginAttempts',
  'pairingLink',
  'passkeys',
  'rpOrigins',
  'sessions',
] as const satisfies readonly (keyof ServerParts)[];
export type PasskeyLoginDeps = Pick<ServerParts, (typeof passkeyLoginUses)[number]>;

export function passkeyLoginRoutes(
  ctx: PasskeyLoginDeps,
): RouteHandlers<
  'passkeyLoginOptions' | 'passkeyLoginVerify' | 'passkeyLoginApprove' | 'passkeyLoginRedeem'
> {
  return {
    passkeyLoginOptions: async (request) => {
      const body = parseWith(PasskeyLoginOptionsRequest, request.body ?? {});
      // Anyone may ask, signed in or not, and each answer holds a challenge for minutes.
      await ctx.ipLimits.take('passkey_options', request.ip);
      const options = await generateAuthenticationOptions({
        rpID: ctx.config.rpId,
        userVerification: 'required',
        timeout: LOGIN_TIMEOUT_MS,
        // No allowCredentials: usernameless, the phone's provider offers its discoverable passkeys.
      });
      const attempt = await ctx.loginAttempts.create(
        options.challenge,
        body.pairingId ? LOGIN_TIMEOUT_MS : LOGIN_TIMEOUT_MS / 2, // unlinked: no QR, 90 s is plenty
        body.pairingId ?? null,
      );
      if (body.pairingId) {
        const linked = await ctx.pairingLink.linkAttempt(body.pairingId, {
          kind: 'sign-in',
          attemptId: attempt.id,
          challenge: attempt.challenge,
        });
        if (!linked) {
          await ctx.loginAttempts.take(attempt.id);
          throw new ApiError(
            404,
            'pairing_not_found',
            'This pairing is unknown or has ended. Show a new QR code.',
          );
        }
      }
      return { attemptId: attempt.id, options: options as AuthenticationOptionsJSON };
    },

    // The phone's own sign-in (no pairing): verify and make the session in one step.
    passkeyLoginVerify: async (request, reply) => {
      const body = parseWith(PasskeyLoginVerifyRequest, request.body);
      const attempt = await takeDirectAttempt(ctx, body.attemptId);
      const ok = await verifyAssertion(ctx, request, attempt.challenge, body.response);
      return completeSignIn(ctx, request, reply, {
        user: ok.user,
        client: body.client,
        device: body.device,
        method: 'passkey',
        passkey: { id: ok.passkey.id, name: ok.passkey.name },
        alsoWrite: (stores) => ok.recordUse(stores),
      });
    },

    // QR, phone side: no auth (the passkey is the proof); no session is made here.
    passkeyLoginApprove: async (request) => {
      const body = parseWith(PasskeyLoginApproveRequest, request.body);
      const attempt = await attemptForPairing(ctx, ctx.loginAttempts, body.pairingId, 'sign-in');
      const ok = await verifyAssertion(ctx, request, attempt.challenge, body.response);
      const approved = await ctx.loginAttempts.approve(attempt.id, {
        userId: ok.user.id,
        passkeyId: ok.passkey.id,
        passkeyName: ok.passkey.name,
      });
      if (!approved)
        throw new ApiError(409, 'already_approved', 'This request was already approved.');
      await ok.recordUse();
      return { approved: true, accountHint: accountHint(ok.user.email) };
    },

    // QR, desktop side: the secret attemptId (+ reverse code) turns the approval into a session.
    passkeyLoginRedeem: async (request, reply) => {
      const body = parseWith(PasskeyLoginRedeemRequest, request.body);
      const attempt = await redeemAttempt(ctx, ctx.loginAttempts, body.attemptId, body.reverseCode);
      const user = await ctx.accounts.byId(attempt.approval.userId);
      if (!user) throw new ApiError(400, 'passkey_unknown', 'This passkey is not registered here.');
      return completeSignIn(ctx, request, reply, {
        user,
        client: body.client,
        device: body.device,
        method: 'qr',
        passkey: { id: attempt.approval.passkeyId, name: attempt.approval.passkeyName },
      });
    },
  };
}

/**
 * Attempt checks before any cryptography; the challenge is spent (taken) here, in one step
 * with the check that no pairing owns it (a paired attempt stays for the QR ceremony).
 */
async function takeDirectAttempt(ctx: PasskeyLoginDeps, attemptId: string) {
  const taken = await ctx.loginAttempts.takeUnpaired(attemptId);
  if (!taken)
    throw new ApiError(
      400,
      'attempt_not_found',
      'This sign-in attempt is unknown or was already used. Start again.',
    );
  refusePaired(taken);
  if (taken.expiresAt <= ctx.clock.now())
    throw new ApiError(400, 'challenge_expired', 'This sign-in timed out. Start again.');
  return taken;
}

export type VerifiedAssertion = {
  user: UserRow;
  passkey: PasskeyRow;
  /**
   * Stores the counter, backup state and last use: call only once nothing can refuse. Inside
   * commitTogether, pass its stores (server/db/commit-together.ts).
   */
  recordUse(stores?: Pick<TogetherStores, 'activity' | 'passkeys'>): Promise<void>;
};

/** What verifyAssertion reads; the passkey step-up (server/step-up/passkey-routes.ts) shares it. */
export type AssertionDeps = Pick<
  ServerParts,
  'activity' | 'assertions' | 'clock' | 'config' | 'passkeys' | 'rpOrigins'
>;

/**
 * Every check of a sign-in assertion: known passkey, user handle present and the owner's,
 * no cross-origin framing, challenge, origin, RP ID, user verification, backup flags and the
 * counter policy. A refusal records `failEvent` (`signin.failed`) and throws; nothing is stored.
 */
export async function verifyAssertion(
  ctx: AssertionDeps,
  request: FastifyRequest,
  challenge: string,
  response: AuthenticationResponseJSON,
  failEvent: 'signin.failed' | 'stepup.failed' = 'signin.failed',
): Promise<VerifiedAssertion> {
  const meta = requestMeta(request);
  const found = await ctx.passkeys.byCredentialIdWithOwner(response.id);
  if (!found) {
    // The phone can now call signalUnknownCredential so its provider stops offering this one.
    throw new ApiError(
      400,
      'passkey_unknown',
      'This passkey is not registered here (it may have been removed).',
    );
  }
  const { passkey, owner: user } = found;
  if (!user) throw new ApiError(400, 'passkey_unknown', 'This passkey is not registered here.');
  const fail = async (reason: string) => {
    const what = failEvent === 'signin.failed' ? 'sign-in' : 'step-up';
    request.log.info({ reason, passkeyId: passkey.id }, `passkey ${what} refused`);
    await ctx.activity.record(user.id, failEvent, meta, {
      method: 'passkey',
      passkeyId: passkey.id,
      passkeyName: passkey.name,
      reason,
    });
    return refused();
  };
  // Usernameless (WebAuthn §7.2 step 2): the user handle must be present and name the owner.
  if (response.response.userHandle !== user.webauthn_user_id)
    throw await fail('user_handle_mismatch');
  const framed = crossOriginProblem(response.response.clientDataJSON);
  if (framed) throw await fail(framed);

  let info;
  try {
    // The library's checks with the key imported once (server/passkeys/assertion-verifier.ts).
    const verification = await ctx.assertions.verify({
      response,
      expectedChallenge: challenge,
      expectedOrigin: ctx.rpOrigins(),
      expectedRPID: ctx.config.rpId,
      credential: {
        id: passkey.credential_id,
        publicKey: new Uint8Array(Buffer.from(passkey.public_key, 'base64url')),
        // The library hard-fails any counter regression; our policy differs for synced keys
        // (decideCounter below), so its check is neutralised with 0 and ours runs instead.
        counter: 0,
        transports: JSON.parse(passkey.transports),
      },
    });
    if (!verification.verified) throw new Error('signature not verified');
    info = verification.authenticationInfo;
  } catch (err) {
    throw await fail(refusalReason(err));
  }

  const seen = {
    backupEligible: info.credentialDeviceType === 'multiDevice',
    backedUp: info.credentialBackedUp,
  };
  const flagsProblem = backupFlagsProblem({ backupEligible: passkey.backup_eligible === 1 }, seen);
  if (flagsProblem) throw await fail(flagsProblem);
  const counter = decideCounter(passkey.counter, info.newCounter, passkey.backup_eligible === 1);
  if (counter === 'refuse') throw await fail('counter_regressed');
  const newCounter = info.newCounter;
  return {
    user,
    passkey,
    async recordUse(stores = ctx) {
      if (counter === 'warn') {
        await stores.activity.record(user.id, 'passkey.counter_warning', meta, {
          passkeyId: passkey.id,
          passkeyName: passkey.name,
          storedCounter: passkey.counter,
          seenCounter: newCounter,
        });
      }
      await stores.passkeys.recordUse(
        passkey.id,
        Math.max(passkey.counter, newCounter),
        seen.backedUp,
        ctx.clock.now(),
      );
    },
  };
}
