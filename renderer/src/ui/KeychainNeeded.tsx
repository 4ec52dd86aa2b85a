/**
 * No system keychain: Keybridge stops here, before any QR, because a sign-in it cannot keep
 * would make the person approve on the phone for nothing. One fix step for this system and
 * "Check again"; nothing is saved to disk meanwhile. The CLI stops the same way
 * (electron/cli/keybridge.ts, with the same fix step from electron/services/token-vault.ts).
 */
import { useEffect, useState } from 'react';
import { api } from '../bridge';

function fixStep(platform: string | null): string {
  if (platform === 'darwin')
    return 'Open Keychain Access and unlock the “login” keychain, then press Check again.';
  if (platform === 'win32')
    return 'Sign in to Windows with your own account (Credential Manager needs it), then press Check again.';
  return 'Start and unlock your keyring (GNOME Keyring or KWallet, from your desktop session), then press Check again.';
}

export function KeychainNeeded({ checking, onCheck }: { checking: boolean; onCheck: () => void }) {
  const [platform, setPlatform] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    void api()
      .getAppInfo()
      .then((r) => live && r.ok && setPlatform(r.value.platform));
    return () => {
      live = false;
    };
  }, []);
  return (
    <section
      className="card keychain-needed"
      aria-labelledby="keychain-title"
      data-testid="keychain-needed"
    >
      <h1 id="keychain-title">Keybridge needs your system keychain</h1>
      <p>
        Keybridge keeps your sign-in in the system keychain, and it isn’t answering right now. So
        that you don’t approve on your phone for nothing, signing in waits until it is back. Nothing
        was saved to disk.
      </p>
      <p>
        <strong>To fix it:</strong> {fixStep(platform)}
      </p>
      <div className="button-row">
        <button type="button" className="primary" disabled={checking} onClick={onCheck}>
          {checking ? 'Checking…' : 'Check again'}
        </button>
      </div>
    </section>
  );
}
