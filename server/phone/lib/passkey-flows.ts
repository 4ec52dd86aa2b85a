/**
 * The two passkey ceremonies of the phone app, server round trips included. React-free so the
 * pages stay small and the pair page can reuse the sign-in half.
 */
import { startAuthentication, startRegistration } from '@simplewebauthn/browser';
import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/browser';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '../../protocol/api';
import { api, ApiError } from './api';
import { signalUnknownCredential } from './signals';

/**
 * Signs this browser in with a passkey (usernameless). With `autofill`, the request waits
 * quietly for the person to pick a passkey from the email field's suggestions.
 */
export async function signInWithPasskey(opts: { autofill?: boolean } = {}) {
  const { attemptId, options } = await api.passkeyLoginOptions();
  const response = await startAuthentication({
    optionsJSON: options as PublicKeyCredentialRequestOptionsJSON,
    useBrowserAutofill: opts.autofill ?? false,
  });
  try {
    return await api.passkeyLoginVerify(attemptId, response as AuthenticationResponseJSON);
  } catch (err) {
    // The phone offered a passkey the server no longer knows (deleted elsewhere): ask the
    // provider to stop offering it.
    if (err instanceof ApiError && err.code === 'passkey_unknown' && options.rpId) {
      await signalUnknownCredential(options.rpId, response.id);
    }
    throw err;
  }
}

/** Creates a passkey on this phone for the signed-in account (session must be verified). */
export async function createPasskey() {
  const { attemptId, options } = await api.passkeyRegisterOptions();
  const response = await startRegistration({
    optionsJSON: options as PublicKeyCredentialCreationOptionsJSON,
  });
  return api.passkeyRegisterVerify(attemptId, response as RegistrationResponseJSON);
}
