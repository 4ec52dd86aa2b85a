/**
 * WebAuthn Signal API (feature-detected): tells the phone's passkey provider which passkeys the
 * server still accepts, so it stops offering deleted ones. Best effort by design: a browser
 * without the API, or a provider that ignores it, changes nothing for the user.
 */
type SignalStatics = {
  signalUnknownCredential?: (o: { rpId: string; credentialId: string }) => Promise<void>;
  signalAllAcceptedCredentials?: (o: {
    rpId: string;
    userId: string;
    allAcceptedCredentialIds: string[];
  }) => Promise<void>;
};

function statics(): SignalStatics | null {
  const pkc = (globalThis as { PublicKeyCredential?: SignalStatics }).PublicKeyCredential;
  return pkc ?? null;
}

export function hasSignalApi(): boolean {
  return typeof statics()?.signalAllAcceptedCredentials === 'function';
}

/** The server said it does not know this passkey: the provider may hide or delete it. */
export async function signalUnknownCredential(
  rpId: string,
  credentialId: string,
): Promise<boolean> {
  const fn = statics()?.signalUnknownCredential;
  if (typeof fn !== 'function') return false;
  try {
    await fn.call(statics(), { rpId, credentialId });
    return true;
  } catch {
    return false;
  }
}

/**
 * The complete list of credential ids the server accepts for this user. Only call with a list
 * fetched successfully after the change: ids left out may be removed from the phone for good.
 */
export async function signalAllAcceptedCredentials(
  rpId: string,
  userId: string,
  allAcceptedCredentialIds: string[],
): Promise<boolean> {
  const fn = statics()?.signalAllAcceptedCredentials;
  if (typeof fn !== 'function') return false;
  try {
    await fn.call(statics(), { rpId, userId, allAcceptedCredentialIds });
    return true;
  } catch {
    return false;
  }
}
