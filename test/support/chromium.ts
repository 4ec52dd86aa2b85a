/**
 * Debian's Chromium driven by playwright-core, and Chromium's CDP virtual authenticator: the
 * real browser and real WebAuthn keys every browser test uses.
 */
import { chromium, type Browser, type CDPSession, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * The machine has no network; without these flags Chromium keeps trying to reach Google
 * (component updates, sync, QUIC probes) and the sandbox cannot start as root.
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchChromium(opts: { args?: string[] } = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS, ...(opts.args ?? [])],
  });
}

export type VirtualAuthenticatorOptions = {
  protocol?: 'ctap2' | 'u2f';
  transport?: 'internal' | 'usb' | 'nfc' | 'ble' | 'hybrid';
  hasResidentKey?: boolean;
  hasUserVerification?: boolean;
  /** false makes every user-verification prompt fail, like a cancelled biometric check */
  isUserVerified?: boolean;
  automaticPresenceSimulation?: boolean;
  /** Backup eligibility / state flags the authenticator reports (synced passkey when true). */
  defaultBackupEligibility?: boolean;
  defaultBackupState?: boolean;
};

/** A credential as CDP reports it (WebAuthn.getCredentials). */
export type VirtualCredential = {
  credentialId: string; // base64 (standard alphabet, as CDP gives it)
  isResidentCredential: boolean;
  rpId?: string;
  privateKey: string;
  userHandle?: string;
  signCount: number;
  backupEligibility?: boolean;
  backupState?: boolean;
  userName?: string;
  userDisplayName?: string;
};

export type VirtualAuthenticator = {
  authenticatorId: string;
  cdp: CDPSession;
  getCredentials(): Promise<VirtualCredential[]>;
  /** Makes the next prompts succeed (true) or fail like a declined biometric check (false). */
  setUserVerified(isUserVerified: boolean): Promise<void>;
  removeCredential(credentialId: string): Promise<void>;
  remove(): Promise<void>;
};

/** Converts the base64 id CDP reports into the base64url id the WebAuthn JSON uses. */
export function toBase64Url(b64: string): string {
  return b64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * Adds a platform-style authenticator (ctap2, internal, resident keys, user verification) to
 * the page's browser context through CDP. It answers navigator.credentials.create/get on this
 * page as a phone's passkey provider would, with real P-256 keys.
 */
export async function addVirtualAuthenticator(
  page: Page,
  opts: VirtualAuthenticatorOptions = {},
): Promise<VirtualAuthenticator> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: opts.protocol ?? 'ctap2',
      transport: opts.transport ?? 'internal',
      hasResidentKey: opts.hasResidentKey ?? true,
      hasUserVerification: opts.hasUserVerification ?? true,
      isUserVerified: opts.isUserVerified ?? true,
      automaticPresenceSimulation: opts.automaticPresenceSimulation ?? true,
      ...(opts.defaultBackupEligibility !== undefined
        ? { defaultBackupEligibility: opts.defaultBackupEligibility }
        : {}),
      ...(opts.defaultBackupState !== undefined
        ? { defaultBackupState: opts.defaultBackupState }
        : {}),
    },
  });
  let removed = false;
  return {
    authenticatorId,
    cdp,
    async getCredentials() {
      const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
      return credentials as VirtualCredential[];
    },
    async setUserVerified(isUserVerified: boolean) {
      await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified });
    },
    async removeCredential(credentialId: string) {
      await cdp.send('WebAuthn.removeCredential', { authenticatorId, credentialId });
    },
    async remove() {
      if (removed) return;
      removed = true;
      await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId });
    },
  };
}
