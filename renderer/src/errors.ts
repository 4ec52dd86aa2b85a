/**
 * Plain words for every error the UI can meet. The main process already sends a safe message;
 * these replace it where the product wants to say something more helpful than the server.
 */
import type { UiError } from './bridge';

const words: Partial<Record<UiError['code'], string>> = {
  server_unreachable:
    'Keybridge cannot reach the exchange right now. Check your connection; if it is fine, the service may be down for a moment.',
  keychain_unavailable:
    'Your system keychain is not available, so Keybridge cannot keep you signed in. Nothing has been saved to disk.',
  invalid_credentials: 'That email and password do not match an account.',
  totp_required: 'Enter the 6-digit code from your authenticator app.',
  invalid_totp: 'That code is not right. Codes change every 30 seconds; try the current one.',
  rate_limited: 'Too many tries. Wait a moment before trying again.',
  step_up_required: 'For your security, confirm it is you first.',
  not_signed_in: 'You are signed out. Sign in again to continue.',
  unauthorized: 'Your session has ended. Sign in again to continue.',
  last_passkey:
    'This is your last passkey. Without it you can only sign in with your password and authenticator code.',
  passkey_limit_reached: 'You already have the maximum number of passkeys. Remove one first.',
  credential_already_registered: 'That passkey is already registered.',
  reverse_code_invalid: 'That code does not match the one on your phone.',
  attempt_dead: 'Too many wrong codes. This sign-in was stopped; start again with a new QR code.',
  challenge_expired: 'The sign-in took too long and expired. Start again with a new QR code.',
  attempt_not_found: 'This sign-in expired. Start again with a new QR code.',
  bridge_missing: 'Keybridge could not reach its own background process. Restart the app.',
  internal: 'Something went wrong inside Keybridge. Please try again.',
};

export function plainMessage(e: Pick<UiError, 'code' | 'message'>): string {
  return words[e.code] ?? e.message;
}

/** Errors where pressing the same button again can help. */
export function isRetryable(code: UiError['code']): boolean {
  return !['invalid_arguments', 'forbidden_sender', 'bridge_missing', 'last_passkey'].includes(
    code,
  );
}
