/**
 * Turns what navigator.credentials.create/get throw into words a person can act on. Browsers
 * overload NotAllowedError (cancelled, timed out, no matching passkey, verification failed),
 * so the words cover all of those and always offer a way forward. Shared with /m/pair.
 */
import { ApiError } from './api';
import { t } from '../i18n';

export type CeremonyKind = 'create' | 'get';

export type PlainError = {
  message: string;
  /** true when trying again right away is a sensible next step */
  canRetry: boolean;
  /** the underlying name/code, for tests and support; never shown as the message */
  code: string;
};

type MaybeWebAuthnError = Error & { code?: string; cause?: unknown };

function underlyingName(err: MaybeWebAuthnError): string {
  const cause = err.cause as { name?: string } | undefined;
  if (err.code === 'ERROR_PASSTHROUGH_SEE_CAUSE_PROPERTY' && cause?.name) return cause.name;
  return err.name;
}

export function describeWebAuthnError(err: unknown, kind: CeremonyKind): PlainError {
  if (err instanceof ApiError) {
    return {
      message: err.message,
      canRetry: err.code !== 'rate_limited',
      code: err.code,
    };
  }
  const e = (err instanceof Error ? err : new Error(String(err))) as MaybeWebAuthnError;
  // The browser's own error name when the library passes it through (e.g. NotAllowedError).
  const code =
    e.code === undefined || e.code === 'ERROR_PASSTHROUGH_SEE_CAUSE_PROPERTY'
      ? underlyingName(e)
      : e.code;
  switch (e.code) {
    case 'ERROR_CEREMONY_ABORTED':
      return {
        message: t('webauthn.stopped'),
        canRetry: true,
        code,
      };
    case 'ERROR_INVALID_RP_ID':
    case 'ERROR_INVALID_DOMAIN':
      return {
        message: t('webauthn.wrongSite'),
        canRetry: false,
        code,
      };
    case 'ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED':
      return {
        message: kind === 'create' ? t('webauthn.alreadyCreate') : t('webauthn.alreadyGet'),
        canRetry: false,
        code,
      };
    case 'ERROR_AUTHENTICATOR_MISSING_DISCOVERABLE_CREDENTIAL_SUPPORT':
    case 'ERROR_AUTHENTICATOR_MISSING_USER_VERIFICATION_SUPPORT':
    case 'ERROR_AUTHENTICATOR_NO_SUPPORTED_PUBKEYCREDPARAMS_ALG':
      return {
        message: t('webauthn.unsupported'),
        canRetry: false,
        code,
      };
  }
  switch (underlyingName(e)) {
    case 'NotAllowedError':
      return {
        message: kind === 'get' ? t('webauthn.notAllowedGet') : t('webauthn.notAllowedCreate'),
        canRetry: true,
        code,
      };
    case 'SecurityError':
      return {
        message: t('webauthn.wrongSite'),
        canRetry: false,
        code,
      };
    case 'AbortError':
      return {
        message: t('webauthn.stopped'),
        canRetry: true,
        code,
      };
    case 'InvalidStateError':
      return {
        message: kind === 'create' ? t('webauthn.alreadyCreate') : t('webauthn.alreadyGet'),
        canRetry: false,
        code,
      };
    default:
      return {
        message: t('webauthn.other'),
        canRetry: true,
        code,
      };
  }
}

/** An abort caused by us starting another ceremony (e.g. autofill replaced by the button). */
export function isSupersededCeremony(err: unknown): boolean {
  const e = err as MaybeWebAuthnError | undefined;
  return e?.code === 'ERROR_CEREMONY_ABORTED' || e?.name === 'AbortError';
}
