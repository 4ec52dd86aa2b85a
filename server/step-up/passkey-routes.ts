/**
 * Step-up with a passkey of the signed-in account, the first choice wherever the account has
 * one (password + code in ./routes.ts stays the fallback):
 * - The phone's own session: POST /api/step-up/passkey/options {} then POST /api/step-up/passkey
 *   {attemptId, response}.
 * - The desktop through the phone (QR purpose `step-up`, the same shape as QR sign-in): the
 *   desktop asks options {pairingId}, which links the attempt to its pairing (challenge hash on
 *   the pairing, reverse code when the phone joins from another network); the phone posts the
 *   assertion to /api/step-up/passkey/approve {pairingId, response}; the desktop's session that
 *   asked redeems with /api/step-up/passkey/redeem {attemptId, reverseCode?}.
 *
 * Each attempt is bound to the session that asked and to its account: allowCredentials lists
 * only that account's passkeys, an assertion by any other passkey is refused (wrong_account),
 * user verification is required, the challenge is taken (single use), and the assertion runs
 * every sign-in check (verifyAssertion in server/passkeys/login-routes.ts). The same counters
 * as the password step-up limit guesses, and both outcomes are recorded (`stepup.succeeded`
 * with method passkey, `stepup.failed`). Success elevates the session with `by: 'passkey'`,
 * which also lets a forgotten password be replaced (server/accounts/password-change-route.ts).
 */
import type { FastifyRequest } from 'fastify';
import { generateAuthenticationOptions } from '@simplewebauthn/server';
import type { RouteHandlers } from '../http/route-table';
import type { ServerParts } from '../composition-root';
import type { SessionRow } from '../db/schema';
import type { AuthenticationOptionsJSON, AuthenticationResponseJSON } from '../protocol/api';
import {
  StepUpPasskeyApproveRequest,
  StepUpPasskeyOptionsRequest,
  StepUpPasskeyRedeemRequest,
  StepUpPasskeyRequest,
} from '../protocol/api';
import { ApiError, parseWith } from '../http/errors';
import { STEP_UP_WINDOW_MS, requestMeta, requireSession } from '../http/request-helpers';
import { verifyAssertion } from '../passkeys/login-routes';
import {
  accountHint,
  attemptForPairing,
  redeemAttempt,
  refusePaired,
} from '../passkeys/paired-attempts';
import type { StepUpAttempt } from '../passkeys/attempt-stores';

/** A QR step-up spends up to 60 s unscanned plus 120 s scanned (server/tunnel/limits.ts). */
export const STEP_UP_PASSKEY_TIMEOUT_MS = 3 * 60 * 1000;
/** The phone's own prompt: no QR to scan, so half as long. */
const DIRECT_TIMEOUT_MS = 90 * 1000;

/** The parts of the server stepUpPasskeyRoutes uses; server/app.ts hands over exactly these. */
export const stepUpPasskeyUses = [
  'accounts',
  'activity',
  'assertions',
  'clock',
  'config',
  'guard',
  'pairingLink',
  'passkeys',
  'rpOrigins',
  'sessions',
  'stepUpAttempts',
] as const satisfies readonly (keyof ServerParts)[];
export type StepUpPasskeyDeps = Pick<ServerParts, (typeof stepUpPasskeyUses)[number]>;

const wrongAccount = () =>
  new ApiError(
    403,
    'wrong_account',
    'This passkey belongs to a different account. Use a passkey of the account you are signed in to.',
  );
const unknownAttempt = () =>
  new ApiError(
    400,
    'attempt_not_found',
    'This confirmation is unknown or was already used. Start again.',
  );

export function stepUpPasskeyRoutes(
  ctx: StepUpPasskeyDeps,
): RouteHandlers<
  'stepUpPasskeyOptions' | 'stepUpPasskey' | 'stepUpPasskeyApprove' | 'stepUpPasskeyRedeem'
> {
  /** Elevates the session that asked and records the success. */
  const elevate = async (
    request: FastifyRequest,
    userId: string,
    session: SessionRow,
    passkey: { id: string; name: string },
  ) => {
    const sessionId = session.id;
    const until = ctx.clock.now() + STEP_UP_WINDOW_MS;
    await ctx.sessions.elevate(sessionId, until, 'passkey');
    await ctx.activity.record(userId, 'stepup.succeeded', requestMeta(request), {
      sessionId,
      method: 'passkey',
      passkeyId: passkey.id,
      passkeyName: passkey.name,
    });
    return { elevatedUntil: new Date(until).toISOString(), method: 'passkey' as const };
  };

  /**
   * The assertion of `attempt`: a passkey of the attempt's account, then every sign-in check.
   * Another account's passkey or a failed check counts as a step-up failure on the attempt's
   * account; a passkey this server does not know (passkey_unknown) does not: it was tried
   * against no account.
   */
  const checkAssertion = async (
    request: FastifyRequest,
    attempt: StepUpAttempt,
    response: AuthenticationResponseJSON,
  ) => {
    const meta = requestMeta(request);
    const passkey = await ctx.passkeys.byCredentialId(response.id);
    if (passkey && passkey.user_id !== attempt.userId) {
      await ctx.guard.recordFailure('stepup', attempt.userId, meta.ip);
      await ctx.activity.record(attempt.userId, 'stepup.failed', meta, {
        method: 'passkey',
        reason: 'wrong_account',
        sessionId: attempt.sessionId,
      });
      throw wrongAccount();
    }
    try {
      return await verifyAssertion(ctx, request, attempt.challenge, response, 'stepup.failed');
    } catch (err) {
      if (err instanceof ApiError && err.code === 'passkey_verification_failed')
        await ctx.guard.recordFailure('stepup', attempt.userId, meta.ip);
      throw err;
    }
  };

  return {
    stepUpPasskeyOptions: async (request) => {
      const { session, user } = await requireSession(ctx, request);
      const body = parseWith(StepUpPasskeyOptionsRequest, request.body ?? {});
      await ctx.guard.assertAllowed('stepup', user.id, requestMeta(request).ip);
      const passkeys = await ctx.passkeys.listForUser(user.id);
      if (passkeys.length === 0)
        throw new ApiError(
          409,
          'no_passkeys',
          'This account has no passkey yet. Confirm with your password instead.',
        );
      const options = await generateAuthenticationOptions({
        rpID: ctx.config.rpId,
        userVerification: 'required',
        timeout: STEP_UP_PASSKEY_TIMEOUT_MS,
        // Only this account's passkeys may answer; the server checks it again on verify.
        allowCredentials: passkeys.map((p) => ({
          id: p.credential_id,
          transports: JSON.parse(p.transports),
        })),
      });
      const pairingId = body.pairingId ?? null;
      const attempt = await ctx.stepUpAttempts.create(
        options.challenge,
        pairingId ? STEP_UP_PASSKEY_TIMEOUT_MS : DIRECT_TIMEOUT_MS,
        session.id,
        user.id,
        pairingId,
      );
      if (pairingId) {
        const linked = await ctx.pairingLink.linkAttempt(pairingId, {
          kind: 'step-up',
          attemptId: attempt.id,
          challenge: attempt.challenge,
        });
        if (!linked) {
          await ctx.stepUpAttempts.take(attempt.id);
          throw new ApiError(
            404,
            'pairing_not_found',
            'This pairing is unknown or has ended. Show a new QR code.',
          );
        }
      }
      return { attemptId: attempt.id, options: options as AuthenticationOptionsJSON };
    },

    // The phone's own step-up: the session that asked, its own passkey, in one step.
    stepUpPasskey: async (request) => {
      const { session, user } = await requireSession(ctx, request);
      const body = parseWith(StepUpPasskeyRequest, request.body);
      const meta = requestMeta(request);
      await ctx.guard.assertAllowed('stepup', user.id, meta.ip);
      const pending = await ctx.stepUpAttempts.get(body.attemptId);
      // Another session's attempt answers as if it did not exist.
      if (!pending || pending.sessionId !== session.id) throw unknownAttempt();
      refusePaired(pending);
      const attempt = await ctx.stepUpAttempts.take(body.attemptId);
      if (!attempt) throw unknownAttempt();
      if (attempt.expiresAt <= ctx.clock.now())
        throw new ApiError(400, 'challenge_expired', 'This confirmation timed out. Start again.');
      const ok = await checkAssertion(request, attempt, body.response);
      await ok.recordUse();
      await ctx.guard.recordSuccess('stepup', user.id);
      return elevate(request, user.id, session, ok.passkey);
    },

    // QR, phone side: no session needed, the account's own passkey is the proof.
    stepUpPasskeyApprove: async (request) => {
      const body = parseWith(StepUpPasskeyApproveRequest, request.body);
      const attempt = await attemptForPairing(ctx, ctx.stepUpAttempts, body.pairingId, 'step-up');
      await ctx.guard.assertAllowed('stepup', attempt.userId, requestMeta(request).ip);
      const ok = await checkAssertion(request, attempt, body.response);
      const approved = await ctx.stepUpAttempts.approve(attempt.id, {
        passkeyId: ok.passkey.id,
        passkeyName: ok.passkey.name,
      });
      if (!approved)
        throw new ApiError(409, 'already_approved', 'This request was already approved.');
      await ok.recordUse();
      return { approved: true as const, accountHint: accountHint(ok.user.email) };
    },

    // QR, desktop side: only the session that made the attempt, with the reverse code if asked.
    stepUpPasskeyRedeem: async (request) => {
      const { session, user } = await requireSession(ctx, request);
      const body = parseWith(StepUpPasskeyRedeemRequest, request.body);
      const attempt = await redeemAttempt(
        ctx,
        ctx.stepUpAttempts,
        body.attemptId,
        body.reverseCode,
        (a) => a.sessionId === session.id && a.userId === user.id,
      );
      await ctx.guard.recordSuccess('stepup', user.id);
      return elevate(request, user.id, session, {
        id: attempt.approval.passkeyId,
        name: attempt.approval.passkeyName,
      });
    },
  };
}
