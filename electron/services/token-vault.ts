/**
 * Where the desktop keeps its refresh token: the OS keychain, behind a small interface so
 * another backend (Electron safeStorage) can replace keytar without touching callers
 * (docs/architecture.md §Parts and runtimes). Plain Node, no Electron import.
 *
 * There is deliberately NO file fallback: when no keychain answers we say so plainly and keep
 * nothing on disk, so a token never lands in a readable file.
 */
import { createRequire } from 'node:module';

/** The keychain "service" every entry is stored under: the app id. */
export const VAULT_SERVICE = 'com.keybridge.desktop';
/** The entry that remembers which account is signed in (its value is not secret). */
const CURRENT_ENTRY = 'current-account';

/** One signed-in identity: which server, which user there. */
export type VaultAccount = { serverOrigin: string; userId: string; email?: string };

export interface TokenVault {
  getRefreshToken(account: VaultAccount): Promise<string | null>;
  setRefreshToken(account: VaultAccount, refreshToken: string): Promise<void>;
  /** true when something was deleted */
  deleteRefreshToken(account: VaultAccount): Promise<boolean>;
  /** The account the app should restore at launch, or null when signed out. */
  getCurrentAccount(): Promise<VaultAccount | null>;
  setCurrentAccount(account: VaultAccount | null): Promise<void>;
}

/** The keychain account name: server origin + user id, so two servers never share one. */
export function vaultAccountName(account: VaultAccount): string {
  return `${new URL(account.serverOrigin).origin}#${account.userId}`;
}

/**
 * No Secret Service / keychain could be reached (no D-Bus, locked, missing, refused). The
 * message is what people see (desktop and CLI alike): plain words and one fix step. The raw
 * libsecret / D-Bus text stays in `detail`, for a developer's debugger, never on screen.
 */
export class KeychainUnavailableError extends Error {
  override readonly name = 'KeychainUnavailableError';
  readonly code = 'keychain_unavailable';
  constructor(readonly detail: string) {
    super(
      'The system keychain is not available, so Keybridge cannot keep you signed in. ' +
        `To fix it: ${keychainFixStep(process.platform)} Nothing was saved to disk.`,
    );
  }
}

/** The one step that brings the keychain back, per system. */
export function keychainFixStep(platform: string): string {
  if (platform === 'darwin')
    return 'open Keychain Access, unlock the "login" keychain, then try again.';
  if (platform === 'win32')
    return 'sign in to Windows with your own account (Credential Manager needs it), then try again.';
  return 'start and unlock your keyring (GNOME Keyring or KWallet, from your desktop session), then try again.';
}

type Keytar = {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
};

export type KeytarVaultOptions = {
  /** Keychain service name; tests may use their own to stay apart. */
  service?: string;
  /**
   * A keychain that never answers (e.g. a prompt nobody can see) becomes an error after this
   * long instead of a hang.
   */
  timeoutMs?: number;
  /** Injected for the few tests of this module's error mapping; defaults to the real keytar. */
  keytar?: Keytar;
};

/** The OS keychain through keytar (libsecret on Linux, Keychain on macOS, Credential Vault on Windows). */
export function createKeytarVault(options: KeytarVaultOptions = {}): TokenVault {
  const service = options.service ?? VAULT_SERVICE;
  const timeoutMs = options.timeoutMs ?? 20_000;
  let keytar: Keytar | undefined = options.keytar;

  function load(): Keytar {
    if (keytar) return keytar;
    try {
      // keytar is a native CommonJS module; load it lazily so a missing binary is our typed error.
      keytar = createRequire(import.meta.url)('keytar') as Keytar;
      return keytar;
    } catch (e) {
      throw new KeychainUnavailableError(
        `the keytar module could not load: ${(e as Error).message}`,
      );
    }
  }

  async function call<T>(what: string, fn: (k: Keytar) => Promise<T>): Promise<T> {
    const k = load();
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        fn(k),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new KeychainUnavailableError(`no answer while trying to ${what}`)),
            timeoutMs,
          );
          timer.unref();
        }),
      ]);
    } catch (e) {
      if (e instanceof KeychainUnavailableError) throw e;
      throw new KeychainUnavailableError(describeKeychainFailure((e as Error).message));
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    getRefreshToken: (a) =>
      call('read the saved sign-in', (k) => k.getPassword(service, vaultAccountName(a))),
    setRefreshToken: (a, token) =>
      call('save the sign-in', (k) => k.setPassword(service, vaultAccountName(a), token)),
    deleteRefreshToken: (a) =>
      call('remove the saved sign-in', (k) => k.deletePassword(service, vaultAccountName(a))),
    async getCurrentAccount() {
      const raw = await call('read the current account', (k) =>
        k.getPassword(service, CURRENT_ENTRY),
      );
      return parseAccount(raw);
    },
    async setCurrentAccount(a) {
      if (a === null) {
        await call('forget the current account', (k) => k.deletePassword(service, CURRENT_ENTRY));
      } else {
        await call('remember the current account', (k) =>
          k.setPassword(service, CURRENT_ENTRY, JSON.stringify(a)),
        );
      }
    },
  };
}

/** Turns libsecret / D-Bus messages into words a person can act on (the raw text stays in brackets). */
function describeKeychainFailure(message: string): string {
  if (/autolaunch D-Bus|Could not connect|DBUS|dbus/i.test(message)) {
    return `no D-Bus session bus to reach the Secret Service [${message}]`;
  }
  if (/collection|locked|prompt|dismissed/i.test(message)) {
    return `the keyring is missing or locked [${message}]`;
  }
  if (/org\.freedesktop\.secrets|ServiceUnknown|not provided by any/i.test(message)) {
    return `no Secret Service is running [${message}]`;
  }
  return message;
}

function parseAccount(raw: string | null): VaultAccount | null {
  if (!raw) return null;
  try {
    const v = JSON.parse(raw) as Partial<VaultAccount>;
    if (typeof v.serverOrigin === 'string' && typeof v.userId === 'string') {
      return {
        serverOrigin: v.serverOrigin,
        userId: v.userId,
        email: typeof v.email === 'string' ? v.email : undefined,
      };
    }
  } catch {
    // A corrupt pointer means "signed out", never a crash at launch.
  }
  return null;
}

/**
 * In-memory vault. ONLY for tests of callers that do not exercise the keychain itself (e.g. a
 * UI test of the handler map). Never used by the app or the CLI: it keeps nothing across
 * restarts, which is exactly why it must not stand in for the keychain.
 */
export function createMemoryVault(): TokenVault & { entries(): Map<string, string> } {
  const tokens = new Map<string, string>();
  let current: VaultAccount | null = null;
  return {
    getRefreshToken: async (a) => tokens.get(vaultAccountName(a)) ?? null,
    setRefreshToken: async (a, t) => void tokens.set(vaultAccountName(a), t),
    deleteRefreshToken: async (a) => tokens.delete(vaultAccountName(a)),
    getCurrentAccount: async () => current,
    setCurrentAccount: async (a) => void (current = a),
    entries: () => new Map(tokens),
  };
}
