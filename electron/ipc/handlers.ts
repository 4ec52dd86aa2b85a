/**
 * The main process's answers to the renderer: one handler per contract channel, built from
 * injected services so it runs under plain Node (tests, the browser harness) exactly as in
 * Electron. The access token is used here through `session.withAccess` and never leaves:
 * every response is a view type from the contract.
 */
import type { DeviceInfo, SignInMethod, TotpSetupResponse } from '../../server/protocol/api';
import { ApiError, type ApiClient } from '../services/api-client';
import type { SessionManager } from '../services/session';
import { KeychainUnavailableError, type TokenVault } from '../services/token-vault';
import type {
  AppInfo,
  EventSink,
  HandlerMap,
  KeychainStatus,
  QrPurpose,
  QrView,
  SessionState,
} from './contract';
import { createSessionReview } from './checklist-view';
import { ShellError } from './errors';
import type { QrLogin } from '../services/qr-login';
import { qrImageDataUrl, toQrView, type QrLoginFactory } from './qr-view';
import { isAllowedExternalUrl } from '../window/external-links';

export type ShellServices = {
  api: ApiClient;
  vault: TokenVault;
  session: SessionManager;
  /** QR flows share the app's api client and session manager */
  qrLogins: QrLoginFactory;
  /** Electron's clipboard in the app; a test double in the harness */
  clipboard: { writeText(text: string): Promise<void> };
  /** hands a URL to the system browser (shell.openExternal in main.ts); only allow-listed URLs */
  openInBrowser: (url: string) => Promise<void>;
  /** https origins the system browser may be sent to */
  externalOrigins: readonly string[];
  device: DeviceInfo;
  app: Omit<AppInfo, 'serverUrl'>;
  /** pushes events to the trusted renderer(s) */
  emit: EventSink;
  /** where the checklist's sessions review is remembered (checklist-view.ts); none: this run only */
  reviewFile?: string;
  /** for failures the user sees as 'internal'; gets the error object, never prints tokens itself */
  logError?: (what: string, error: unknown) => void;
};

export type ShellCore = {
  handlers: HandlerMap;
  /** At launch: check the keychain, then sign in from it when it holds a session. */
  start(): Promise<SessionState>;
  dispose(): void;
};

const ENDED_ELSEWHERE = 'This computer was signed out from another device.';
const ENDED_FOR_SAFETY = 'This sign-in was ended for safety. Please sign in again.';

/** Plain words only: the vault error's raw D-Bus text (its `detail`) never reaches the window. */
const NO_KEYCHAIN_HINT =
  'The system keychain is not available, so Keybridge cannot keep you signed in. ' +
  'Nothing was saved to disk.';

export function createHandlerMap(services: ShellServices): ShellCore {
  const { api, session, emit } = services;

  // The app calls start() at launch; until it has looked in the keychain the answer is
  // "restoring", so the window does not flash the sign-in screen at someone already signed in.
  let sessionState: SessionState = { status: 'restoring' };
  let keychain: KeychainStatus = { available: true, backend: null, message: null };
  let method: SignInMethod | null = null;
  let signingOut = false;
  const review = createSessionReview({ file: services.reviewFile });

  function setSession(next: SessionState) {
    sessionState = next;
    emit('session:changed', next);
  }

  function signedInState(): SessionState {
    const snap = session.snapshot();
    if (snap.status !== 'signed-in') return sessionState;
    return { status: 'signed-in', user: snap.user, sessionId: snap.sessionId, method };
  }

  // The session manager forgets the session by itself when the server refuses a refresh
  // (revoked elsewhere, expired, reused): tell the renderer why it is now signed out.
  const unsubscribeSession = session.onChange((snap) => {
    if (snap.status === 'signed-in') {
      setSession(signedInState());
    } else if (sessionState.status === 'signed-in' && !signingOut) {
      method = null;
      setSession(
        snap.reason === 'ended-elsewhere'
          ? { status: 'signed-out', reason: 'ended-elsewhere', message: ENDED_ELSEWHERE }
          : snap.reason === 'ended-for-safety'
            ? { status: 'signed-out', reason: 'revoked', message: ENDED_FOR_SAFETY }
            : {
                status: 'signed-out',
                reason: 'expired',
                message: 'Your session ended. Please sign in again.',
              },
      );
    }
  });

  function setKeychain(next: KeychainStatus) {
    keychain = next;
    emit('keychain:status', next);
  }

  function noteKeychainError(e: unknown) {
    if (e instanceof KeychainUnavailableError) {
      setKeychain({ available: false, backend: null, message: NO_KEYCHAIN_HINT });
    }
  }

  async function learnMethod() {
    try {
      const me = await session.withAccess((t) => api.me(t));
      method = me.session.method;
    } catch {
      method = null; // the label is a nicety; a failure here must not undo the sign-in
    }
  }

  async function afterSignIn(): Promise<SessionState> {
    await learnMethod();
    const next = signedInState();
    setSession(next);
    return next;
  }

  function requireSignedIn() {
    if (session.snapshot().status !== 'signed-in') {
      throw new ShellError('not_signed_in', 'You are signed out. Please sign in first.');
    }
  }

  const withAccess = <T>(fn: (accessToken: string) => Promise<T>) => {
    requireSignedIn();
    return session.withAccess(fn);
  };

  type ActiveFlow = { purpose: QrPurpose; login: QrLogin; link: string | null; stop: () => void };
  let active: ActiveFlow | null = null;
  let qrView: QrView = { status: 'idle', purpose: 'sign-in' };

  function stopFlow() {
    if (!active) return;
    const current = active;
    active = null;
    current.stop();
    current.login.cancel().catch((e: unknown) => services.logError?.('qr cancel', e));
  }

  /**
   * Starts a flow and forwards its states as views. Views are rendered asynchronously (the QR
   * image), so they are chained to reach the renderer in order; a replaced flow goes quiet.
   */
  async function startFlow(purpose: QrPurpose): Promise<QrView> {
    stopFlow();
    const login = services.qrLogins({ purpose });
    const entry: ActiveFlow = { purpose, login, link: null, stop: () => undefined };
    active = entry;
    let chain: Promise<void> = Promise.resolve();
    let first: Promise<QrView> | null = null;
    entry.stop = login.subscribe((state) => {
      if (active !== entry) return;
      if (state.status === 'waiting-for-scan') entry.link = state.link;
      else if (state.status !== 'scanned' && state.status !== 'waiting-for-approval')
        entry.link = null;
      const view = toQrView(purpose, state);
      first ??= view;
      chain = chain.then(async () => {
        const v = await view;
        if (active !== entry) return;
        qrView = v;
        emit('qr:state', v);
        if (state.status === 'failed' && state.reason === 'keychain-unavailable') {
          setKeychain({ available: false, backend: null, message: NO_KEYCHAIN_HINT });
        }
        if (state.status === 'signed-in') await afterSignIn();
      });
      chain = chain.catch((e) => services.logError?.('qr view', e));
    });
    return first ?? qrView;
  }

  const handlers: HandlerMap = {
    'app:info': async () => ({ ...services.app, serverUrl: api.serverUrl }),
    'session:get': async () => sessionState,
    'session:restore': async () => restore(),
    'keychain:status': async () => keychain,

    'qr:start': async () => {
      // No QR while nothing could keep the sign-in: the phone would approve for nothing.
      if (!keychain.available && !(await probeKeychain())) {
        throw new ShellError('keychain_unavailable', NO_KEYCHAIN_HINT);
      }
      return startFlow('sign-in');
    },
    'qr:cancel': async () => {
      if (!active) return qrView;
      const { purpose, login } = active;
      // Too late to cancel (the server already signed in; the login screen cancels as a
      // sign-in unmounts it): keep forwarding, so the flow finishes and afterSignIn runs.
      if (!login.cancellable) return toQrView(purpose, login.state);
      stopFlow();
      qrView = { status: 'cancelled', purpose };
      emit('qr:state', qrView);
      return qrView;
    },
    'qr:submitCode': async ({ code }) => {
      if (!active) throw new ShellError('qr_not_active', 'There is no sign-in waiting for a code.');
      const { purpose, login } = active;
      return toQrView(purpose, await login.submitCode(code));
    },
    'qr:confirmPhone': async ({ yes }) => {
      if (active?.purpose !== 'add-passkey' || active.login.state.status !== 'confirm-phone') {
        throw new ShellError('qr_not_active', 'No phone is waiting for your answer.');
      }
      const { purpose, login } = active;
      // QrLogin sends the phone its request only after a yes; a no ends the pairing.
      await login.confirmPhone(yes);
      return toQrView(purpose, login.state);
    },
    'qr:copyLink': async () => {
      // The add-passkey code is for the camera of the phone in the person's hand; a link on
      // the clipboard can travel anywhere (the view says so too: canCopyLink false).
      if (active?.purpose === 'add-passkey' || active?.purpose === 'step-up') {
        throw new ShellError(
          'qr_step_unavailable',
          active.purpose === 'add-passkey'
            ? 'To add a passkey, scan the code with the phone itself; the link cannot be copied.'
            : 'To confirm it is you, scan the code with your phone itself; the link cannot be copied.',
        );
      }
      if (!active?.link)
        throw new ShellError('qr_not_active', 'There is no code on screen to copy.');
      // Electron 44+ writes asynchronously: "Copied" only once the write has finished.
      try {
        await services.clipboard.writeText(active.link);
      } catch (e) {
        services.logError?.('clipboard', e);
        throw new ShellError(
          'internal',
          'Keybridge could not copy to the clipboard. Please try again.',
        );
      }
      return { done: true };
    },

    'auth:password': async ({ email, password, totp }) => {
      const tokens = await api.passwordLogin({ email, password, totp, device: services.device });
      try {
        await session.adopt(tokens);
      } catch (e) {
        noteKeychainError(e);
        throw e;
      }
      return afterSignIn();
    },
    'auth:signOut': async () => {
      stopFlow();
      signingOut = true;
      try {
        await session.signOut();
      } finally {
        signingOut = false;
      }
      method = null;
      const next: SessionState = { status: 'signed-out', reason: 'signed-out', message: null };
      setSession(next);
      return next;
    },
    'auth:stepUp': async (body) => withAccess((t) => api.stepUp(t, body)),
    'auth:stepUpStart': async () => {
      requireSignedIn();
      return startFlow('step-up');
    },
    'account:changePassword': async (body) => withAccess((t) => api.changePassword(t, body)),

    'account:me': async () => {
      const me = await withAccess((t) => api.me(t));
      if (me.sessionCount <= 1) return me;
      const { sessions } = await withAccess((t) => api.sessions(t));
      return review.apply(me, sessions);
    },
    'passkeys:list': async () => withAccess((t) => api.passkeys(t)),
    'passkeys:rename': async ({ id, name }) => {
      await withAccess((t) => api.renamePasskey(t, id, name));
      return { done: true };
    },
    'passkeys:delete': async ({ id, acknowledgeLastPasskey }) => {
      await withAccess((t) => api.deletePasskey(t, id, acknowledgeLastPasskey ?? false));
      return { done: true };
    },
    'passkeys:addStart': async () => {
      requireSignedIn();
      return startFlow('add-passkey');
    },

    'totp:setup': async () => {
      const setup: TotpSetupResponse = await withAccess((t) => api.totpSetup(t));
      return {
        qrImage: await qrImageDataUrl(setup.otpauthUri),
        manualKey: setup.secret.replace(/(.{4})(?=.)/g, '$1 '),
      };
    },
    'totp:confirm': async ({ code }) => {
      const { recoveryCodes } = await withAccess((t) => api.totpConfirm(t, code));
      return { recoveryCodes };
    },
    'totp:disable': async () => {
      await withAccess((t) => api.totpDisable(t));
      return { done: true };
    },

    'sessions:list': async () => {
      const list = await withAccess((t) => api.sessions(t));
      const snap = session.snapshot();
      if (snap.status === 'signed-in') review.seen(snap.user.id, list.sessions);
      return list;
    },
    'sessions:revoke': async ({ id }) => {
      await withAccess((t) => api.revokeSession(t, id));
      return { done: true };
    },
    'sessions:revokeOthers': async () => {
      const { sessions } = await withAccess((t) => api.sessions(t));
      let revoked = 0;
      for (const s of sessions) {
        if (s.current) continue;
        await withAccess((t) => api.revokeSession(t, s.id));
        revoked += 1;
      }
      return { revoked };
    },
    'activity:list': async () => withAccess((t) => api.activity(t)),

    'shell:openExternal': async ({ url }) => {
      if (!isAllowedExternalUrl(url, services.externalOrigins)) {
        throw new ShellError('url_not_allowed', 'Keybridge only opens its own https pages.');
      }
      await services.openInBrowser(url);
      return { done: true };
    },
  };

  async function probeKeychain() {
    try {
      await services.vault.getCurrentAccount();
      setKeychain({ available: true, backend: 'system keychain', message: null });
      return true;
    } catch (e) {
      if (e instanceof KeychainUnavailableError) {
        noteKeychainError(e);
        return false;
      }
      throw e;
    }
  }

  async function restore(): Promise<SessionState> {
    if (session.snapshot().status === 'signed-in') return signedInState();
    setSession({ status: 'restoring' });
    try {
      if (!(await probeKeychain())) {
        setSession({ status: 'signed-out', reason: 'none', message: null });
        return sessionState;
      }
      const user = await session.restore();
      if (user) return afterSignIn();
      setSession({ status: 'signed-out', reason: 'none', message: null });
    } catch (e) {
      if (e instanceof ApiError && e.code === 'server_unreachable') {
        setSession({
          status: 'signed-out',
          reason: 'server-unreachable',
          message: `${e.message} Your saved sign-in is kept; try again when the server is back.`,
        });
      } else {
        services.logError?.('restore', e);
        setSession({
          status: 'signed-out',
          reason: 'none',
          message: 'Your saved sign-in could not be used. Please sign in again.',
        });
      }
    }
    return sessionState;
  }

  return {
    handlers,
    start: restore,
    dispose() {
      stopFlow();
      unsubscribeSession();
    },
  };
}
