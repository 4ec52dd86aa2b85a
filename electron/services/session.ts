/**
 * The desktop's signed-in session: the access token lives only here, in main-process memory;
 * the rotating refresh token lives only in the TokenVault (OS keychain). Plain Node.
 *
 * Refreshes are single-flight: the server revokes a whole token family when a refresh token
 * is used twice, so two callers racing to refresh must share one request.
 */
import type { TokenResponse, UserSummary } from '../../server/protocol/api';
import { ApiError, type ApiClient } from './api-client';
import type { TokenVault, VaultAccount } from './token-vault';

export type SessionSnapshot =
  | { status: 'signed-out' }
  | { status: 'signed-in'; user: UserSummary; sessionId: string; serverOrigin: string };

export type SessionManager = ReturnType<typeof createSessionManager>;

export type SessionManagerOptions = {
  api: ApiClient;
  vault: TokenVault;
  /** Refresh this long before the access token runs out (the clocks may differ a little). */
  refreshMarginMs?: number;
  now?: () => number;
};

type Live = {
  account: VaultAccount;
  user: UserSummary;
  sessionId: string;
  accessToken: string;
  accessExpiresAt: number;
};

export function createSessionManager(options: SessionManagerOptions) {
  const { api, vault } = options;
  const margin = options.refreshMarginMs ?? 30_000;
  const now = options.now ?? Date.now;
  const serverOrigin = new URL(api.serverUrl).origin;
  const listeners = new Set<(s: SessionSnapshot) => void>();
  let live: Live | null = null;
  let refreshing: Promise<Live> | null = null;

  function snapshot(): SessionSnapshot {
    return live
      ? { status: 'signed-in', user: live.user, sessionId: live.sessionId, serverOrigin }
      : { status: 'signed-out' };
  }
  function emit() {
    const s = snapshot();
    for (const l of listeners) l(s);
  }

  function accountFor(user: UserSummary): VaultAccount {
    return { serverOrigin, userId: user.id, email: user.email };
  }

  function liveFrom(tokens: TokenResponse): Live {
    return {
      account: accountFor(tokens.user),
      user: tokens.user,
      sessionId: tokens.sessionId,
      accessToken: tokens.accessToken,
      accessExpiresAt: now() + tokens.expiresIn * 1000,
    };
  }

  /**
   * Takes the tokens a sign-in returned: the refresh token goes to the keychain first; only
   * then is the session live. If the keychain refuses, the fresh server session is ended so no
   * orphan session is left behind, and the keychain error is rethrown for the UI.
   */
  async function adopt(tokens: TokenResponse): Promise<UserSummary> {
    const account = accountFor(tokens.user);
    try {
      await vault.setRefreshToken(account, tokens.refreshToken);
      await vault.setCurrentAccount(account);
    } catch (e) {
      await api.logout(tokens.accessToken).catch(() => undefined);
      throw e;
    }
    live = liveFrom(tokens);
    emit();
    return tokens.user;
  }

  async function refreshWith(account: VaultAccount): Promise<Live> {
    const stored = await vault.getRefreshToken(account);
    if (!stored) throw new ApiError(401, 'unauthorized', 'You are signed out.');
    let tokens: TokenResponse;
    try {
      tokens = await api.refresh(stored);
    } catch (e) {
      if (e instanceof ApiError && e.status !== 0 && e.status < 500 && e.code !== 'rate_limited') {
        // The server no longer accepts this token (expired, revoked, reused): forget it.
        await forget(account);
      }
      throw e;
    }
    await vault.setRefreshToken(account, tokens.refreshToken);
    const next = liveFrom(tokens);
    live = next;
    return next;
  }

  function refreshOnce(account: VaultAccount): Promise<Live> {
    if (!refreshing) {
      refreshing = refreshWith(account).finally(() => {
        refreshing = null;
      });
    }
    return refreshing;
  }

  async function forget(account: VaultAccount) {
    live = null;
    await vault.deleteRefreshToken(account).catch(() => false);
    const current = await vault.getCurrentAccount().catch(() => null);
    if (
      current &&
      current.serverOrigin === account.serverOrigin &&
      current.userId === account.userId
    ) {
      await vault.setCurrentAccount(null).catch(() => undefined);
    }
    emit();
  }

  /** Runs an authenticated call with a fresh access token; retries once after a 401. */
  async function withAccess<T>(fn: (accessToken: string) => Promise<T>): Promise<T> {
    let current = live;
    if (!current) throw new ApiError(401, 'unauthorized', 'You are signed out.');
    if (current.accessExpiresAt - margin <= now()) current = await refreshOnce(current.account);
    try {
      return await fn(current.accessToken);
    } catch (e) {
      if (e instanceof ApiError && e.status === 401 && live) {
        const renewed = await refreshOnce(live.account);
        return fn(renewed.accessToken);
      }
      throw e;
    }
  }

  return {
    snapshot,
    /** The access token is for other main-process services only; never send it to the renderer. */
    withAccess,
    adopt,

    /**
     * At launch: if the keychain remembers an account on this server, trade its refresh token
     * for a new pair. Returns the user, or null when there is nothing to restore or the server
     * refused the token (then the stale token is removed). Network errors are rethrown.
     */
    async restore(): Promise<UserSummary | null> {
      const account = await vault.getCurrentAccount();
      if (!account || account.serverOrigin !== serverOrigin) return null;
      try {
        const next = await refreshOnce(account);
        emit();
        return next.user;
      } catch (e) {
        if (
          e instanceof ApiError &&
          e.status !== 0 &&
          e.status < 500 &&
          e.code !== 'rate_limited'
        ) {
          return null;
        }
        throw e;
      }
    },

    /** Ends the session on the server (best effort) and removes the token from the keychain. */
    async signOut(): Promise<void> {
      const current = live ?? (await restoreAccountOnly());
      if (!current) return;
      if ('accessToken' in current) {
        await api.logout(current.accessToken).catch(() => undefined);
        await forget(current.account);
      } else {
        // Not live in memory (e.g. the CLI): refresh once so the server session can be ended.
        const renewed = await refreshOnce(current).catch(() => null);
        if (renewed) await api.logout(renewed.accessToken).catch(() => undefined);
        await forget(current);
      }
    },

    onChange(listener: (s: SessionSnapshot) => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };

  async function restoreAccountOnly(): Promise<VaultAccount | null> {
    const account = await vault.getCurrentAccount();
    return account && account.serverOrigin === serverOrigin ? account : null;
  }
}
