/**
 * Adding a passkey to the signed-in account: POST /api/passkeys/options then /verify. Both
 * need a step-up in the last five minutes; the challenge is bound to the session that asked.
 */
import type { FastifyInstance } from 'fastify';
import { generateRegistrationOptions, verifyRegistrationResponse } from '@simplewebauthn/server';
import type { ServerContext } from '../context';
import type {
  PasskeyRegisterOptionsResponse,
  PasskeyView,
  RegistrationOptionsJSON,
} from '../protocol/api';
import { PasskeyRegisterOptionsRequest, PasskeyRegisterVerifyRequest } from '../protocol/api';
import { ApiError, parseWith } from '../http/errors';
import { requestMeta, requireSession, requireStepUp } from '../http/request-helpers';
import { randomId } from '../util/random';
import { providerName } from './aaguid-names';
import { nameFromUserAgent } from './name-from-user-agent';
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

export function registerPasskeyRegistrationRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post('/api/passkeys/options', async (request): Promise<PasskeyRegisterOptionsResponse> => {
    const { session, user } = await requireSession(ctx, request);
    parseWith(PasskeyRegisterOptionsRequest.optional(), request.body);
    requireStepUp(ctx, session);
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
      // The authenticator already holding a passkey for this account is told not to make another.
      excludeCredentials: existing.map((p) => ({
        id: p.credential_id,
        transports: JSON.parse(p.transports),
      })),
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
      supportedAlgorithmIDs: [-7, -8, -257],
    });
    const attempt = await ctx.registrationAttempts.create(
      options.challenge,
      REGISTRATION_TIMEOUT_MS,
      session.id,
      user.id,
    );
    return { attemptId: attempt.id, options: options as RegistrationOptionsJSON };
  });

  app.post('/api/passkeys/verify', async (request, reply) => {
    const { session, user } = await requireSession(ctx, request);
    const body = parseWith(PasskeyRegisterVerifyRequest, request.body);
    requireStepUp(ctx, session);
    const pending = await ctx.registrationAttempts.get(body.attemptId);
    if (!pending || pending.sessionId !== session.id) {
      throw new ApiError(
        400,
        'attempt_not_found',
        'This passkey request is unknown or was already used. Start again.',
      );
    }
    const attempt = await ctx.registrationAttempts.take(body.attemptId);
    if (!attempt || attempt.expiresAt <= ctx.clock.now()) {
      throw new ApiError(400, 'challenge_expired', 'This passkey request timed out. Start again.');
    }
    let info;
    try {
      const verification = await verifyRegistrationResponse({
        response: body.response,
        expectedChallenge: attempt.challenge,
        expectedOrigin: ctx.rpOrigins(),
        expectedRPID: ctx.config.rpId,
        requireUserVerification: true,
        supportedAlgorithmIDs: [-7, -8, -257],
      });
      if (!verification.verified || !verification.registrationInfo) throw new Error('not verified');
      info = verification.registrationInfo;
    } catch (err) {
      request.log.info({ reason: refusalReason(err) }, 'passkey registration refused');
      throw new ApiError(
        400,
        'passkey_verification_failed',
        'The passkey could not be verified. Try again.',
      );
    }
    const backedUp = info.credentialBackedUp;
    const backupEligible = info.credentialDeviceType === 'multiDevice';
    const flagsProblem = backupFlagsProblem(null, { backupEligible, backedUp });
    if (flagsProblem)
      throw new ApiError(
        400,
        'passkey_verification_failed',
        'The passkey reported inconsistent backup flags.',
      );
    if (await ctx.passkeys.byCredentialId(info.credential.id)) {
      throw new ApiError(
        409,
        'credential_already_registered',
        'This passkey is already registered.',
      );
    }
    if (passkeyLimitReached(await ctx.passkeys.countForUser(user.id))) throw limitError();
    const meta = requestMeta(request);
    const name = providerName(info.aaguid) ?? nameFromUserAgent(body.userAgent ?? meta.userAgent);
    const row = {
      id: randomId(),
      user_id: user.id,
      credential_id: info.credential.id,
      public_key: Buffer.from(info.credential.publicKey).toString('base64url'),
      counter: info.credential.counter,
      transports: JSON.stringify(
        info.credential.transports ?? body.response.response.transports ?? [],
      ),
      aaguid: info.aaguid,
      backup_eligible: backupEligible ? 1 : 0,
      backed_up: backedUp ? 1 : 0,
      uv_initialized: info.userVerified ? 1 : 0,
      name,
      created_at: ctx.clock.now(),
      last_used_at: null,
    };
    // The unique index decides races between two registrations of the same credential id.
    if (!(await ctx.passkeys.insert(row))) {
      throw new ApiError(
        409,
        'credential_already_registered',
        'This passkey is already registered.',
      );
    }
    await ctx.activity.record(user.id, 'passkey.added', meta, {
      passkeyId: row.id,
      passkeyName: name,
    });
    const view: PasskeyView = passkeyView(row, session.passkey_id);
    return reply.code(201).send(view);
  });
}
