/**
 * Usernameless passkey sign-in, on the phone directly or from the desktop via QR:
 * POST /api/auth/passkey/options -> {attemptId, options}; POST /api/auth/passkey/verify.
 * Storage changes (counter, backup state, last used, the session) happen only after every
 * check passed; any refusal leaves the database as it was.
 */
import type { FastifyInstance } from 'fastify';
import {
  generateAuthenticationOptions,
  verifyAuthenticationResponse,
} from '@simplewebauthn/server';
import type { ServerContext } from '../context';
import type { AuthenticationOptionsJSON, PasskeyLoginOptionsResponse } from '../protocol/api';
import { PasskeyLoginOptionsRequest, PasskeyLoginVerifyRequest } from '../protocol/api';
import { ApiError, parseWith } from '../http/errors';
import { requestMeta } from '../http/request-helpers';
import { completeSignIn } from '../auth/sign-in';
import { hashReverseCode } from './attempt-stores';
import { backupFlagsProblem, decideCounter } from './policy';
import { refusalReason } from './refusal-reason';

/**
 * The QR flow spends up to 60 s unscanned plus 120 s scanned on one pairing (DESIGN.md
 * section 3), so the login challenge lives as long: three minutes.
 */
export const LOGIN_TIMEOUT_MS = 3 * 60 * 1000;

function refused(): ApiError {
  return new ApiError(
    400,
    'passkey_verification_failed',
    'The passkey sign-in could not be verified. Try again.',
  );
}

export function registerPasskeyLoginRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post('/api/auth/passkey/options', async (request): Promise<PasskeyLoginOptionsResponse> => {
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
      const linked = await ctx.pairingLink.linkAttempt(body.pairingId, attempt.id);
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
  });

  app.post('/api/auth/passkey/verify', async (request, reply) => {
    const body = parseWith(PasskeyLoginVerifyRequest, request.body);
    const attempt = await checkAttempt(ctx, body.attemptId, body.reverseCode);
    const meta = requestMeta(request);

    const passkey = await ctx.passkeys.byCredentialId(body.response.id);
    if (!passkey) {
      // The phone can now call signalUnknownCredential so its provider stops offering this one.
      throw new ApiError(
        400,
        'passkey_unknown',
        'This passkey is not registered here (it may have been removed).',
      );
    }
    const user = await ctx.accounts.byId(passkey.user_id);
    if (!user) throw new ApiError(400, 'passkey_unknown', 'This passkey is not registered here.');
    const fail = async (reason: string) => {
      request.log.info({ reason, passkeyId: passkey.id }, 'passkey sign-in refused');
      await ctx.activity.record(user.id, 'signin.failed', meta, {
        method: 'passkey',
        passkeyId: passkey.id,
        passkeyName: passkey.name,
        reason,
      });
      return refused();
    };
    // Usernameless (WebAuthn §7.2 step 2): the user handle must be present and name the owner.
    if (body.response.response.userHandle !== user.webauthn_user_id)
      throw await fail('user_handle_mismatch');

    let info;
    try {
      const verification = await verifyAuthenticationResponse({
        response: body.response,
        expectedChallenge: attempt.challenge,
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
        requireUserVerification: true,
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
    const flagsProblem = backupFlagsProblem(
      { backupEligible: passkey.backup_eligible === 1 },
      seen,
    );
    if (flagsProblem) throw await fail(flagsProblem);
    const counter = decideCounter(passkey.counter, info.newCounter, passkey.backup_eligible === 1);
    if (counter === 'refuse') throw await fail('counter_regressed');
    if (counter === 'warn') {
      await ctx.activity.record(user.id, 'passkey.counter_warning', meta, {
        passkeyId: passkey.id,
        passkeyName: passkey.name,
        storedCounter: passkey.counter,
        seenCounter: info.newCounter,
      });
    }

    await ctx.passkeys.recordUse(
      passkey.id,
      Math.max(passkey.counter, info.newCounter),
      seen.backedUp,
      ctx.clock.now(),
    );
    return completeSignIn(ctx, request, reply, {
      user,
      client: body.client,
      device: body.device,
      method: attempt.pairingId ? 'qr' : 'passkey',
      passkey: { id: passkey.id, name: passkey.name },
    });
  });
}

/**
 * Attempt checks before any cryptography. Reverse-code failures keep the attempt alive (up to
 * five wrong codes); everything after that point spends the challenge.
 */
async function checkAttempt(
  ctx: ServerContext,
  attemptId: string,
  reverseCode: string | undefined,
) {
  const attempt = await ctx.loginAttempts.get(attemptId);
  if (!attempt)
    throw new ApiError(
      400,
      'attempt_not_found',
      'This sign-in attempt is unknown or was already used. Start again.',
    );
  if (attempt.dead)
    throw new ApiError(400, 'attempt_dead', 'Too many wrong codes. Start the sign-in again.');
  if (attempt.expiresAt <= ctx.clock.now()) {
    await ctx.loginAttempts.take(attemptId);
    throw new ApiError(400, 'challenge_expired', 'This sign-in timed out. Start again.');
  }
  if (attempt.reverseCodeHash !== null) {
    if (!reverseCode)
      throw new ApiError(
        400,
        'reverse_code_required',
        'Type the 6-digit code shown on your phone.',
      );
    if (hashReverseCode(attemptId, reverseCode) !== attempt.reverseCodeHash) {
      const left = await ctx.loginAttempts.recordWrongReverseCode(attemptId);
      if (left === 0)
        throw new ApiError(400, 'attempt_dead', 'Too many wrong codes. Start the sign-in again.');
      throw new ApiError(
        400,
        'reverse_code_invalid',
        `That code is not the one on your phone. ${left} ${left === 1 ? 'try' : 'tries'} left.`,
        {
          triesLeft: left,
        },
      );
    }
  }
  const taken = await ctx.loginAttempts.take(attemptId);
  if (!taken)
    throw new ApiError(
      400,
      'attempt_not_found',
      'This sign-in attempt was already used. Start again.',
    );
  // With shared (Redis) state another process may have changed the attempt between the read
  // above and the take: the taken copy is the one that counts.
  if (taken.dead)
    throw new ApiError(400, 'attempt_dead', 'Too many wrong codes. Start the sign-in again.');
  if (
    taken.reverseCodeHash !== null &&
    (!reverseCode || hashReverseCode(attemptId, reverseCode) !== taken.reverseCodeHash)
  )
    throw new ApiError(
      400,
      'attempt_not_found',
      'This sign-in attempt changed while it was checked. Start again.',
    );
  return taken;
}
