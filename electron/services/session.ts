/**
 * The desktop's signed-in session: the access token lives only here, in main-process memory;
 * the rotating refresh token lives only in the TokenVault (OS keychain). Plain Node.
 *
 * Refreshes are single-flight: the server revokes a whole token family when a refresh token
 * is used twice, so two callers racing to refresh must share one request.
 *
 * With `pushEvents`, a signed-in manager keeps a connection to the server's /session namespace
 * (./session-events.ts): when the session is ended elsewhere, the keychain entry is removed and
 * the manager is signed out at once, with the reason in its snapshot.
 */
import type { TokenResponse, UserSummary } from '../../server/protocol/api';
import { ApiError, type ApiClient } from './api-client';
import type { TokenVault, VaultAccount } from './token-vault';
import type { SessionEndedReason } from '../../server/protocol/session-events';
import { connectSessionEvents, type SessionEventsConnection } from './session-events';

/**
 * Why the manager signed out by itself, when the server said so: ended-elsewhere (revoked from
 * another device, or logged out by another client of this session); ended-for-safety (the
 * server saw a refresh token used twice and ended the whole family).
 */
export type SignedOutReason = 'ended-elsewhere' | 'ended-for-safety';

export type SessionSnapshot =
  | { status: 'signed-out'; reason?: SignedOutReason }
  | { status: 'signed-in'; user: UserSummary; sessionId: string; serverOrigin: string };

export type SessionManager = ReturnType<typeof createSessionManager>;

export type SessionManagerOptions = {
  api: ApiClient;
  vault: TokenVault;
  /** Refresh this long before the access token runs out (the clocks may differ a little). */
  refreshMarginMs?: number;
  now?: () => number;
  /**
   * Listen for the server ending the session while signed in (the app does; the terminal
   * client, which signs in and exits, does not). Off by default: the connection would keep a
   * short-lived process alive.
   */
  pushEvents?: boolean | { backoff?: { initialMs: number; maxMs: number } };
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
  let watcher: { sessionId: string; connection: SessionEventsConnection } | null = null;
  let endedReason: SignedOutReason | null = null;

  function snapshot(): SessionSnapshot {
    if (live)
      return { status: 'signed-in', user: live.user, sessionId: live.sessionId, serverOrigin };
    return endedReason ? { status: 'signed-out', reason: endedReason } : { status: 'signed-out' };
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
      // Both at once: each write is a durable save of the keyring (gnome-keyring syncs it to
      // disk, 4-7 ms each on the bench machine), and the QR flow waits for them. If only the
      // pointer lands, the next launch finds no token for it and starts signed out (restore).
      const [token, pointer] = await Promise.allSettled([
        vault.setRefreshToken(account, tokens.refreshToken),
        vault.setCurrentAccount(account),
      ]);
      if (token.status === 'rejected') throw token.reason;
      if (pointer.status === 'rejected') throw pointer.reason;
    } catch (e) {
      await api.logout(tokens.accessToken).catch(() => undefined);
      throw e;
    }
    live = liveFrom(tokens);
    endedReason = null;
    emit();
    watch();
    return tokens.user;
  }

  /** Starts listening for the end of the live session (pushEvents), once per session. */
  function watch() {
    const push = options.pushEvents;
    if (!push || !live || watcher?.sessionId === live.sessionId) return;
    unwatch();
    const sessionId = live.sessionId;
    const connection = connectSessionEvents({
      serverUrl: api.serverUrl,
      localAddress: api.localAddress,
      agent: api.socketAgent,
      backoff: typeof push === 'object' ? push.backoff : undefined,
      accessToken: async (fresh) => {
        if (!live || live.sessionId !== sessionId) throw new Error('signed out');
        // After a refusal: a new token (a refresh the server refuses signs us out as usual).
        if (fresh) return (await refreshOnce(live.account)).accessToken;
        // Otherwise the token as it is, even past its lifetime: for a session ended meanwhile
        // the server then says so, where a refresh would only be refused without a reason.
        return live.accessToken;
      },
      onEnded: (reason: SessionEndedReason) => {
        if (watcher?.connection !== connection || !live || live.sessionId !== sessionId) return;
        endedReason = reason === 'token-reused' ? 'ended-for-safety' : 'ended-elsewhere';
        void forget(live.account);
      },
    });
    watcher = { sessionId, connection };
  }

  function unwatch() {
    watcher?.connection.stop();
    watcher = null;
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
    unwatch();
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
        endedReason = null;
        emit();
        watch();
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
      // Our own logout ends the session too; that push is not news to us.
      unwatch();
      endedReason = null;
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

    /** Whether the push connection is up (diagnostics and tests). */
    pushConnected(): boolean {
      return watcher?.connection.connected() ?? false;
    },

    /** Closes the push connection (app quit); the session itself stays signed in. */
    dispose(): void {
      unwatch();
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
