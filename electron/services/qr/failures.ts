/**
 * The QR flow's one failure table: every way it can end badly, as a reason code and the words
 * the desktop shows. Server errors are read by their code and details, never by their text.
 */
import { ChannelError } from '../../../server/protocol/channel';
import type { ClosedReason, RejectMessage } from '../../../server/protocol/tunnel';
import { ApiError } from '../api-client';
import { KeychainUnavailableError } from '../token-vault';
import { RelayError } from './relay-client';
import type { QrFailReason } from './types';

export type Failure = { reason: QrFailReason; message: string };

export const CHANNEL_BROKEN: Failure = {
  reason: 'channel-error',
  message: 'The connection to the phone was tampered with or broken. Try again.',
};

/** A thrown error anywhere in the flow. Channel errors also end the pairing (see machine). */
export function failureFrom(e: unknown): Failure {
  if (e instanceof KeychainUnavailableError)
    return { reason: 'keychain-unavailable', message: e.message };
  if (e instanceof ChannelError) return CHANNEL_BROKEN;
  if (e instanceof RelayError) return { reason: 'server-unreachable', message: e.message };
  if (e instanceof ApiError) {
    if (e.code === 'server_unreachable')
      return { reason: 'server-unreachable', message: e.message };
    if (e.code === 'step_up_required' || e.code === 'unauthorized')
      return { reason: 'step-up-required', message: e.message };
    return { reason: 'server-error', message: e.message };
  }
  return {
    reason: 'server-error',
    message: e instanceof Error ? e.message : 'Something went wrong.',
  };
}

const ALREADY_REGISTERED: Failure = {
  reason: 'already-registered',
  message:
    'This phone already has a passkey for this account. Use another phone or a security key.',
};

/** The phone said no. */
export function failureOfReject(message: RejectMessage): Failure {
  if (message.reason === 'already-registered') return ALREADY_REGISTERED;
  // Step-up: the server refused the phone's passkey as another account's.
  if (message.detail === 'other-account-passkey')
    return {
      reason: 'wrong-account',
      message:
        'The passkey on the phone belongs to a different account. Use the passkey of the account signed in here, or your password.',
    };
  // The phone's own refusals of an add-passkey QR (signed out, another account).
  if (message.detail === 'wrong-account' || message.detail === 'signed-out')
    return {
      reason: 'wrong-account',
      message:
        'The phone is not signed in to this account. Sign in on the phone to the same account, then scan again.',
    };
  if (message.reason === 'denied')
    return { reason: 'denied', message: 'The request was denied on the phone.' };
  return {
    reason: 'passkey-failed',
    message:
      message.reason === 'unsupported'
        ? 'This phone cannot use passkeys here.'
        : 'The passkey on the phone did not complete.',
  };
}

/** The relay closed a scanned pairing (completed and unscanned-expired are handled before). */
export function outcomeOfClose(
  reason: Exclude<ClosedReason, 'completed'>,
): { status: 'expired' } | { status: 'cancelled' } | Failure {
  switch (reason) {
    case 'expired':
      return { status: 'expired' };
    case 'cancelled':
      return { status: 'cancelled' };
    case 'denied':
      return { reason: 'denied', message: 'The request was denied on the phone.' };
    case 'channel-error':
      return {
        reason: 'channel-error',
        message: 'The connection to the phone was tampered with or broken.',
      };
    case 'peer-left':
      return { reason: 'peer-left', message: 'The phone left before finishing.' };
    default:
      return { reason: 'relay-closed', message: 'The server ended the pairing. Try again.' };
  }
}

/** What a refused redeem means for the flow; null: not a redeem refusal (rethrow). */
export type RedeemRefusal =
  | { kind: 'code-asked' }
  | { kind: 'code-wrong'; triesLeft?: number; message: string }
  | { kind: 'fail'; failure: Failure; tellPhone: string };

const VERIFICATION_FAILED = new Set([
  'passkey_verification_failed',
  'passkey_unknown',
  'challenge_expired',
  'attempt_not_found',
  'not_approved',
  'passkey_limit_reached',
]);

export function redeemRefusal(e: unknown): RedeemRefusal | null {
  if (!(e instanceof ApiError)) return null;
  if (e.code === 'reverse_code_required') return { kind: 'code-asked' };
  if (e.code === 'reverse_code_invalid')
    return { kind: 'code-wrong', triesLeft: e.details.triesLeft, message: e.message };
  if (e.code === 'attempt_dead')
    return {
      kind: 'fail',
      failure: {
        reason: 'attempt-dead',
        message: 'The code was wrong too many times. Start again with a new QR code.',
      },
      tellPhone: 'The code was wrong too many times.',
    };
  // The phone made a passkey it already had for this account (its provider did not refuse):
  // the same words as the phone's own refusal, not "the exchange did not accept".
  if (e.code === 'credential_already_registered')
    return {
      kind: 'fail',
      failure: ALREADY_REGISTERED,
      tellPhone: 'This phone already has a passkey for this account.',
    };
  if (VERIFICATION_FAILED.has(e.code))
    return {
      kind: 'fail',
      failure: { reason: 'verification-failed', message: e.message },
      tellPhone: e.message.slice(0, 200),
    };
  return null;
}
