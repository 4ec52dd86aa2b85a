/**
 * The checks every QR ceremony shares (sign-in and add-passkey): find the attempt the phone's
 * pairing is linked to (approve), and redeem an approved attempt with the reverse code
 * (desktop). See the module comment of attempt-stores.ts for the two-step shape.
 */
import type { ServerParts } from '../composition-root';
import { ApiError } from '../http/errors';
import type { PairPurpose } from '../protocol/tunnel';
import { hashReverseCode, type PairedAttempt, type PairedAttemptStore } from './attempt-stores';

/** What both checks read: the link to the relay's pairings and the clock. */
type PairedAttemptDeps = Pick<ServerParts, 'clock' | 'pairingLink'>;

const notFound = () =>
  new ApiError(
    400,
    'attempt_not_found',
    'This request is unknown or was already used. Start again.',
  );
const dead = () =>
  new ApiError(400, 'attempt_dead', 'Too many wrong codes. Start again with a new QR code.');
const expired = () =>
  new ApiError(400, 'challenge_expired', 'This request timed out. Start again.');

/**
 * The live, unapproved attempt of `kind` linked to a pairing a phone has joined. Refusals name
 * nothing about the account: the caller is anyone who knows the pairing id.
 */
export async function attemptForPairing<T extends PairedAttempt<A>, A>(
  ctx: PairedAttemptDeps,
  store: PairedAttemptStore<T, A>,
  pairingId: string,
  kind: PairPurpose,
): Promise<T> {
  const link = await ctx.pairingLink.linkedAttempt(pairingId);
  if (!link || link.kind !== kind)
    throw new ApiError(
      404,
      'pairing_not_found',
      'This QR code is unknown or has ended. Show a new one on your computer.',
    );
  const attempt = await store.get(link.attemptId);
  if (!attempt) throw notFound();
  if (attempt.dead) throw dead();
  if (attempt.expiresAt <= ctx.clock.now()) throw expired();
  if (attempt.approval !== null)
    throw new ApiError(409, 'already_approved', 'This request was already approved.');
  return attempt;
}

/**
 * Redeem: approved yet, then the reverse code exactly as the one-step verify had it (required
 * / wrong with tries left / dead after five), then take the attempt (single use). A wrong or
 * missing code answers the same whatever account approved: nothing about it leaks.
 * `owns` lets the caller refuse an attempt that is not its own (as if it did not exist).
 */
export async function redeemAttempt<T extends PairedAttempt<A>, A>(
  ctx: PairedAttemptDeps,
  store: PairedAttemptStore<T, A>,
  attemptId: string,
  reverseCode: string | undefined,
  owns: (attempt: T) => boolean = () => true,
): Promise<T & { approval: A }> {
  const attempt = await store.get(attemptId);
  if (!attempt || !owns(attempt)) throw notFound();
  if (attempt.dead) throw dead();
  if (attempt.expiresAt <= ctx.clock.now()) {
    await store.take(attemptId);
    throw expired();
  }
  if (attempt.approval === null)
    throw new ApiError(
      409,
      'not_approved',
      'The phone has not approved this yet. Approve on the phone first.',
    );
  if (attempt.reverseCodeHash !== null) {
    if (!reverseCode)
      throw new ApiError(
        400,
        'reverse_code_required',
        'Type the 6-digit code shown on your phone.',
      );
    if (hashReverseCode(attemptId, reverseCode) !== attempt.reverseCodeHash) {
      const left = await store.recordWrongReverseCode(attemptId);
      if (left === 0) throw dead();
      throw new ApiError(
        400,
        'reverse_code_invalid',
        `That code is not the one on your phone. ${left} ${left === 1 ? 'try' : 'tries'} left.`,
        { triesLeft: left },
      );
    }
  }
  const taken = await store.take(attemptId);
  if (!taken) throw notFound();
  // With shared (Redis) state another process may have changed the attempt between the read
  // above and the take: the taken copy is the one that counts.
  if (taken.dead) throw dead();
  if (
    taken.approval === null ||
    (taken.reverseCodeHash !== null &&
      (!reverseCode || hashReverseCode(attemptId, reverseCode) !== taken.reverseCodeHash))
  )
    throw new ApiError(
      400,
      'attempt_not_found',
      'This request changed while it was checked. Start again.',
    );
  return taken as T & { approval: A };
}

/** The one-step verify routes are for the phone's own ceremonies; a QR attempt is redeemed. */
export function refusePaired(attempt: { pairingId: string | null }): void {
  if (attempt.pairingId !== null)
    throw new ApiError(
      400,
      'attempt_paired',
      'This request belongs to a QR code: approve it on the phone, then finish on the computer.',
    );
}

/** "alice@example.com" -> "a***@example.com": enough for the person to recognise the account. */
export function accountHint(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${email[0]}***${email.slice(at)}`;
}

/**
 * A response whose clientDataJSON says it was made inside a frame of another site
 * (crossOrigin true, or any topOrigin) is refused in every verify path: our pages are never
 * framed, so such a response was obtained by someone else's page. @simplewebauthn accepts
 * crossOrigin without topOrigin, so this runs before it. Returns a refusal label or null.
 */
export function crossOriginProblem(clientDataJSON: string): string | null {
  let data: unknown;
  try {
    data = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8'));
  } catch {
    return 'malformed_response';
  }
  if (typeof data !== 'object' || data === null) return 'malformed_response';
  const { crossOrigin, topOrigin } = data as { crossOrigin?: unknown; topOrigin?: unknown };
  if (crossOrigin !== undefined && crossOrigin !== false) return 'cross_origin';
  if (topOrigin !== undefined) return 'cross_origin';
  return null;
}
