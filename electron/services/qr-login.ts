/**
 * The desktop half of the QR sign-in (docs/architecture.md §QR sign-in), plain Node, no Electron.
 *
 * One QrLogin drives one flow: open a pairing on the relay, ask the server for an attempt
 * linked to it, make an ephemeral P-256 key and a 32-byte QR secret, show the link, replace it
 * while nobody scans, then run the end-to-end channel with the phone. The phone posts its
 * WebAuthn response to the server itself and only says `approved` here; the desktop then
 * redeems the attempt (with the reverse code when the server asks for one) and hands the
 * tokens to the session (refresh token -> OS keychain). The desktop never sees an assertion,
 * so it learns nothing about the account before the server said yes. The add-passkey variant
 * (signed-in, step-up-verified session) first asks the person "Is this your phone?"
 * (`confirm-phone`, confirmPhone) and sends the request to the phone only after yes.
 *
 * Progress is a typed state the UI subscribes to. Secrets (QR secret, private key, tokens,
 * challenge) never leave this module except the link in `waiting-for-scan`, which is the QR
 * itself; nothing here logs.
 */
import { io, type Socket } from 'socket.io-client';
import type {
  DeviceInfo,
  PasskeyView,
  TokenResponse,
  UserSummary,
} from '../../server/protocol/api';
import {
  ChannelError,
  createDesktopChannel,
  generateDesktopKeys,
  generateQrSecret,
  type DesktopChannel,
  type DesktopKeys,
} from '../../server/protocol/channel';
import { buildQrLink } from '../../server/protocol/qr-link';
import {
  PairClosed,
  PairJoined,
  PairMsg,
  TUNNEL_NAMESPACE,
  type ClosedReason,
  type DesktopToPhone,
  type PairCreateAck,
  type TunnelClientToServer,
  type TunnelServerToClient,
} from '../../server/protocol/tunnel';
import { ApiError, createApiClient, defaultDevice, type ApiClient } from './api-client';
import { createSessionManager, type SessionManager } from './session';
import { KeychainUnavailableError, type TokenVault } from './token-vault';

export type QrPurpose = 'sign-in' | 'add-passkey';

export type QrFailReason =
  /** the person pressed Deny on the phone */
  | 'denied'
  /** the phone's passkey prompt failed or was dismissed */
  | 'passkey-failed'
  /** five wrong reverse codes: the server ended this sign-in attempt */
  | 'attempt-dead'
  /** a channel message did not decrypt (tampering, replay, wrong key) */
  | 'channel-error'
  /** the phone went away */
  | 'peer-left'
  /** the relay ended the pairing (abuse limits, shutdown) */
  | 'relay-closed'
  /** the server refused the passkey (unknown passkey, bad signature, ...) */
  | 'verification-failed'
  /** no connection to the server or the relay */
  | 'server-unreachable'
  /** signed in, but the OS keychain could not keep the session */
  | 'keychain-unavailable'
  /** add-passkey: the session is not step-up verified (or not signed in) */
  | 'step-up-required'
  /** add-passkey: the phone already holds a passkey for this account */
  | 'already-registered'
  /** add-passkey: the phone is signed in to a different account (or to none) */
  | 'wrong-account'
  /** anything else the server said no to */
  | 'server-error';

/**
 * What the desktop knows about the phone that scanned: a readable device name from the server
 * ("Chrome on Android"), never its IP or raw user agent.
 */
export type PhoneInfo = { device: string };

export type QrLoginState =
  | { status: 'starting' }
  /** `link` is the QR content: it carries the QR secret, so show it, never log it */
  | { status: 'waiting-for-scan'; link: string; expiresAt: number }
  | { status: 'scanned'; phone: PhoneInfo; sameNetwork: boolean }
  /**
   * add-passkey only: a phone scanned; "Is this your phone?" Nothing is sent to the phone
   * until confirmPhone(true); confirmPhone(false) cancels.
   */
  | { status: 'confirm-phone'; phone: PhoneInfo }
  | { status: 'waiting-for-approval'; phone: PhoneInfo; sameNetwork: boolean }
  /** the networks differ: type the 6 digits the phone shows, via submitCode */
  | { status: 'needs-code'; triesLeft?: number; message?: string }
  | { status: 'verifying' }
  | { status: 'signed-in'; user: UserSummary }
  | { status: 'passkey-added'; passkey: PasskeyView }
  | { status: 'expired' }
  | { status: 'cancelled' }
  | { status: 'failed'; reason: QrFailReason; message: string };

export type QrLoginStatus = QrLoginState['status'];
export type FinalState = Extract<
  QrLoginState,
  { status: 'signed-in' | 'passkey-added' | 'expired' | 'cancelled' | 'failed' }
>;

const FINAL: ReadonlySet<QrLoginStatus> = new Set([
  'signed-in',
  'passkey-added',
  'expired',
  'cancelled',
  'failed',
]);

export type QrLoginOptions = {
  /** Where the desktop reaches the server (e.g. http://127.0.0.1:8080). */
  serverUrl: string;
  /** Where the refresh token goes. Needed unless `session` is given. */
  vault?: TokenVault;
  /** Share the app's session manager (electron/app-core.ts does); else one from api + vault. */
  session?: SessionManager;
  /** Share the app's API client; otherwise one is made from serverUrl + localAddress. */
  api?: ApiClient;
  /** Shown on the phone and in the sessions list. */
  device?: DeviceInfo;
  /** What the phone shows as the app asking. */
  appName?: string;
  /** Bind HTTP and the relay socket to this local address (tests: '127.0.0.2'). */
  localAddress?: string;
  purpose?: QrPurpose;
  /** Stop replacing unscanned QRs after this long (then `expired`). Default 5 minutes. */
  maxWaitMs?: number;
  /**
   * Instead of `session.adopt`: takes the sign-in tokens. It
   * must store the refresh token before resolving: the phone is told "signed in" afterwards.
   */
  adopt?: (tokens: TokenResponse) => Promise<unknown>;
  /** Instead of `session.withAccess`, for the add-passkey variant. */
  withAccess?: <T>(fn: (accessToken: string) => Promise<T>) => Promise<T>;
  /** Tell the caller's UI about every state. Same as subscribe() right after creation. */
  onState?: (state: QrLoginState) => void;
};

export type QrLogin = {
  readonly state: QrLoginState;
  /** Listener gets the current state at once, then every change. Returns unsubscribe. */
  subscribe(listener: (state: QrLoginState) => void): () => void;
  /** Resolves with the final state (signed-in, passkey-added, expired, cancelled, failed). */
  readonly finished: Promise<FinalState>;
  /** Sends the 6-digit code from the phone; resolves with the state after the server answered. */
  submitCode(code: string): Promise<QrLoginState>;
  /**
   * add-passkey, in `confirm-phone`: yes sends the request to the phone (once it said hello);
   * no cancels the pairing (state `cancelled`). Ignored in any other state.
   */
  confirmPhone(yes: boolean): Promise<void>;
  /** Ends the flow (and the pairing); the phone is told. */
  cancel(): Promise<void>;
};

type Pairing = {
  pairingId: string;
  attemptId: string;
  options: Record<string, unknown> & { challenge: string };
  keyPair: DesktopKeys['keyPair'];
  secret: string;
  channel: DesktopChannel;
  joined: PhoneInfo | null;
  sameNetwork: boolean;
  /** The phone said hello: the channel is open and it waits for the request. */
  hello: boolean;
  /** The person may go on: always for sign-in, after confirmPhone(true) for add-passkey. */
  confirmed: boolean;
  /** The request went to the phone; only then is `approved` believed. */
  requested: boolean;
  /** The phone said approved (once per pairing). */
  approved: boolean;
  expiryTimer?: NodeJS.Timeout;
  /** When the scanned pairing ends (relay clock); also bounds how long a code is awaited. */
  scannedUntil?: number;
};

type CreateRequest = Extract<DesktopToPhone, { type: 'request'; kind: 'create' }>;

/** Starts a QR flow at once; watch it with subscribe() / finished. */
export function createQrLogin(options: QrLoginOptions): QrLogin {
  const purpose = options.purpose ?? 'sign-in';
  const api =
    options.api ??
    createApiClient({ serverUrl: options.serverUrl, localAddress: options.localAddress });
  const ownsApi = !options.api;
  let session = options.session;
  if (!session && options.vault) session = createSessionManager({ api, vault: options.vault });
  const adoptFn = options.adopt ?? session?.adopt;
  const withAccessFn = options.withAccess ?? session?.withAccess;
  if (!adoptFn || !withAccessFn) {
    throw new TypeError('createQrLogin needs a vault, a session, or adopt + withAccess');
  }
  const adopt = adoptFn;
  const withAccess = withAccessFn;
  const device = options.device ?? defaultDevice();
  const display = {
    app: options.appName ?? 'Keybridge for Desktop',
    device: `${device.name} (${device.platform})`.slice(0, 120),
  };
  const maxWaitMs = options.maxWaitMs ?? 5 * 60_000;
  const startedAt = Date.now();

  let state: QrLoginState = { status: 'starting' };
  const listeners = new Set<(s: QrLoginState) => void>();
  if (options.onState) listeners.add(options.onState);
  let resolveFinished!: (s: FinalState) => void;
  const finished = new Promise<FinalState>((r) => (resolveFinished = r));

  let socket: Socket<TunnelServerToClient, TunnelClientToServer> | null = null;
  let current: Pairing | null = null;
  let codeInFlight = false;
  // Socket events are handled one at a time, in arrival order: the channel needs that order.
  let queue: Promise<void> = Promise.resolve();

  const isFinal = () => FINAL.has(state.status);

  function setState(next: QrLoginState) {
    if (isFinal()) return;
    state = next;
    for (const l of [...listeners]) {
      try {
        l(next);
      } catch {
        // A broken listener must not break the sign-in.
      }
    }
    if (FINAL.has(next.status)) {
      resolveFinished(next as FinalState);
      teardown();
    }
  }

  function fail(reason: QrFailReason, message: string) {
    setState({ status: 'failed', reason, message });
  }

  function teardown() {
    if (current?.expiryTimer) clearTimeout(current.expiryTimer);
    const s = socket;
    socket = null;
    // Give a last pair:cancel/complete a moment to flush before closing the socket.
    if (s) setImmediate(() => s.close());
    if (ownsApi) setImmediate(() => api.close());
  }

  function enqueue(step: () => Promise<void>) {
    queue = queue.then(async () => {
      if (isFinal()) return;
      try {
        await step();
      } catch (e) {
        await failFrom(e);
      }
    });
  }

  /**
   * Ends a pairing and waits for the relay's ack, so the close that follows cannot overtake it
   * (socket.io dispatches events a tick late; the phone would hear peer-left instead).
   */
  async function endPairing(reason: 'cancelled' | 'channel-error') {
    if (!current || !socket) return;
    await socket
      .timeout(2_000)
      .emitWithAck('pair:cancel', { pairingId: current.pairingId, reason })
      .catch(() => undefined);
  }

  async function failFrom(e: unknown) {
    if (isFinal()) return;
    if (e instanceof KeychainUnavailableError) return fail('keychain-unavailable', e.message);
    if (e instanceof ChannelError) {
      await endPairing('channel-error');
      return fail(
        'channel-error',
        'The connection to the phone was tampered with or broken. Try again.',
      );
    }
    if (e instanceof ApiError) {
      if (e.code === 'server_unreachable') return fail('server-unreachable', e.message);
      if (e.code === 'step_up_required' || e.code === 'unauthorized') {
        return fail('step-up-required', e.message);
      }
      return fail('server-error', e.message);
    }
    fail('server-error', e instanceof Error ? e.message : 'Something went wrong.');
  }

  // ------------------------------------------------------------------ relay

  function connect(): Promise<void> {
    const url = new URL(TUNNEL_NAMESPACE, api.serverUrl).toString();
    const s: Socket<TunnelServerToClient, TunnelClientToServer> = io(url, {
      transports: ['websocket'],
      forceNew: true,
      // A dropped relay connection loses the pairing; a fresh flow is the honest answer.
      reconnection: false,
      localAddress: options.localAddress,
      ...(api.socketAgent ? { agent: api.socketAgent } : {}),
      timeout: 10_000,
    } as Parameters<typeof io>[1]);
    socket = s;
    s.on('pair:joined', (ev) => enqueue(() => onJoined(ev)));
    s.on('pair:msg', (msg) => enqueue(() => onMessage(msg)));
    s.on('pair:closed', (ev) => enqueue(() => onClosed(ev)));
    s.on('disconnect', () =>
      enqueue(async () => {
        if (socket === s) fail('server-unreachable', 'The connection to the server was lost.');
      }),
    );
    return new Promise<void>((resolve, reject) => {
      s.once('connect', () => resolve());
      s.once('connect_error', (e) =>
        reject(new ApiError(0, 'server_unreachable', `Cannot reach the relay (${e.message}).`)),
      );
    });
  }

  async function openPairing(): Promise<void> {
    const s = socket;
    if (!s || isFinal()) return;
    if (Date.now() - startedAt > maxWaitMs) {
      setState({ status: 'expired' });
      return;
    }
    const ack = (await s.timeout(10_000).emitWithAck('pair:create', {})) as PairCreateAck;
    if (!ack.ok)
      throw new ApiError(0, 'server_unreachable', `The relay refused: ${ack.error.message}`);
    const { attemptId, options: webauthn } = await fetchOptions(ack.pairingId);
    const keys = await generateDesktopKeys();
    const secret = generateQrSecret();
    if (isFinal() || socket !== s) return;
    const previous = current;
    current = {
      pairingId: ack.pairingId,
      attemptId,
      options: webauthn,
      keyPair: keys.keyPair,
      secret,
      channel: createDesktopChannel({ pairingId: ack.pairingId, keyPair: keys.keyPair, secret }),
      joined: null,
      sameNetwork: true,
      hello: false,
      confirmed: purpose === 'sign-in',
      requested: false,
      approved: false,
    };
    if (previous) {
      clearTimeout(previous.expiryTimer);
      s.emit('pair:cancel', { pairingId: previous.pairingId, reason: 'cancelled' });
    }
    const config = await phoneOrigin();
    const link = buildQrLink({
      origin: config,
      pairingId: ack.pairingId,
      desktopPublicKey: keys.publicKey,
      secret,
    });
    const expiresAt = Date.parse(ack.expiresAt);
    // The relay's pair:closed {expired} is the authority; this timer only covers a lost event.
    const pairing = current;
    pairing.expiryTimer = setTimeout(
      () =>
        enqueue(async () => {
          if (current === pairing && !pairing.joined) await openPairing();
        }),
      Math.max(1_000, expiresAt - Date.now()) + 3_000,
    );
    pairing.expiryTimer.unref();
    setState({ status: 'waiting-for-scan', link, expiresAt });
  }

  let originPromise: Promise<string> | null = null;
  function phoneOrigin(): Promise<string> {
    originPromise ??= api.config().then((c) => c.phoneOrigin);
    return originPromise;
  }

  async function fetchOptions(pairingId: string) {
    if (purpose === 'sign-in') {
      const r = await api.passkeyLoginOptions(pairingId);
      return { attemptId: r.attemptId, options: r.options as Pairing['options'] };
    }
    const r = await withAccess((t) => api.passkeyRegisterOptions(t, pairingId));
    return { attemptId: r.attemptId, options: r.options as unknown as Pairing['options'] };
  }

  // ------------------------------------------------------------------ relay events

  async function onJoined(raw: unknown) {
    const ev = PairJoined.safeParse(raw);
    if (!ev.success || !current || ev.data.pairingId !== current.pairingId || current.joined)
      return;
    clearTimeout(current.expiryTimer);
    current.joined = ev.data.phone;
    current.sameNetwork = ev.data.sameNetwork;
    current.scannedUntil = Date.parse(ev.data.expiresAt);
    // Add-passkey: whoever scanned first must not get a request unless the person says this
    // is their phone (the reverse code guards sign-in; here the server also checks the
    // phone's account, but a yes/no costs nothing and names the scanning device).
    if (!current.confirmed) setState({ status: 'confirm-phone', phone: ev.data.phone });
    else setState({ status: 'scanned', phone: ev.data.phone, sameNetwork: ev.data.sameNetwork });
  }

  async function sendRequest(pairing: Pairing) {
    if (pairing.requested || !pairing.joined) return;
    pairing.requested = true;
    const request: DesktopToPhone =
      purpose === 'sign-in'
        ? { type: 'request', kind: 'get', options: pairing.options, display }
        : {
            type: 'request',
            kind: 'create',
            options: pairing.options as CreateRequest['options'],
            display,
          };
    await send(pairing, request);
    setState({
      status: 'waiting-for-approval',
      phone: pairing.joined,
      sameNetwork: pairing.sameNetwork,
    });
  }

  async function onMessage(raw: unknown) {
    const parsed = PairMsg.safeParse(raw);
    if (!parsed.success || !current || parsed.data.pairingId !== current.pairingId) return;
    const pairing = current;
    if (!pairing.joined) return;
    const message = await pairing.channel.open(parsed.data.data);
    switch (message.type) {
      case 'hello': {
        pairing.hello = true;
        if (pairing.confirmed) await sendRequest(pairing);
        return;
      }
      case 'reject': {
        if (message.reason === 'already-registered')
          return fail(
            'already-registered',
            'This phone already has a passkey for this account. Use another phone or a security key.',
          );
        // The phone's own refusals of an add-passkey QR (signed out, another account).
        if (message.detail === 'wrong-account' || message.detail === 'signed-out')
          return fail(
            'wrong-account',
            'The phone is not signed in to this account. Sign in on the phone to the same account, then scan again.',
          );
        const words =
          message.reason === 'denied'
            ? 'The request was denied on the phone.'
            : message.reason === 'unsupported'
              ? 'This phone cannot use passkeys here.'
              : 'The passkey on the phone did not complete.';
        fail(message.reason === 'denied' ? 'denied' : 'passkey-failed', words);
        return;
      }
      case 'approved': {
        // One approval per pairing, and only for a request we sent; the channel refuses replays.
        if (!pairing.requested || pairing.approved) return;
        pairing.approved = true;
        await redeem(undefined);
        return;
      }
    }
  }

  async function onClosed(raw: unknown) {
    const ev = PairClosed.safeParse(raw);
    if (!ev.success || !current || ev.data.pairingId !== current.pairingId) return;
    const reason: ClosedReason = ev.data.reason;
    if (!current.joined && reason === 'expired') {
      await openPairing();
      return;
    }
    if (reason === 'completed') return;
    // After the scan: the reverse code may still be needed, but without a pairing the phone
    // can no longer hear "done"; the server attempt is what matters, so keep going if we can.
    if (state.status === 'needs-code' || state.status === 'verifying') return;
    switch (reason) {
      case 'expired':
        return setState({ status: 'expired' });
      case 'cancelled':
        return setState({ status: 'cancelled' });
      case 'denied':
        return fail('denied', 'The request was denied on the phone.');
      case 'channel-error':
        return fail('channel-error', 'The connection to the phone was tampered with or broken.');
      case 'peer-left':
        return fail('peer-left', 'The phone left before finishing.');
      default:
        return fail('relay-closed', 'The server ended the pairing. Try again.');
    }
  }

  async function send(pairing: Pairing, message: DesktopToPhone) {
    const data = await pairing.channel.seal(message);
    socket?.emit('pair:msg', { pairingId: pairing.pairingId, data });
  }

  // ------------------------------------------------------------------ redeem

  async function redeem(reverseCode: string | undefined): Promise<void> {
    const pairing = current;
    if (!pairing || !pairing.approved) return;
    setState({ status: 'verifying' });
    try {
      if (purpose === 'sign-in') {
        const tokens = await api.passkeyLoginRedeem({
          attemptId: pairing.attemptId,
          reverseCode,
          device,
        });
        if (isFinal()) {
          // Cancelled while the server was verifying: do not keep a session nobody wants.
          await api.logout(tokens.accessToken).catch(() => undefined);
          return;
        }
        try {
          await adopt(tokens);
        } catch (e) {
          await tellPhone(pairing, {
            type: 'done',
            ok: false,
            error: 'The computer could not save the sign-in (no keychain).',
          });
          throw e;
        }
        await tellPhone(pairing, { type: 'done', ok: true, accountHint: hint(tokens.user.email) });
        await complete(pairing);
        setState({ status: 'signed-in', user: tokens.user });
      } else {
        const result = await withAccess((t) =>
          api.passkeyRegisterRedeem(t, { attemptId: pairing.attemptId, reverseCode }),
        );
        const snap = session?.snapshot();
        await tellPhone(pairing, {
          type: 'done',
          ok: true,
          accountHint: snap?.status === 'signed-in' ? hint(snap.user.email) : undefined,
        });
        await complete(pairing);
        setState({ status: 'passkey-added', passkey: result.passkey });
      }
    } catch (e) {
      if (e instanceof ApiError) {
        if (e.code === 'reverse_code_required') {
          setState({ status: 'needs-code' });
          armCodeDeadline(pairing);
          return;
        }
        if (e.code === 'reverse_code_invalid') {
          setState({
            status: 'needs-code',
            triesLeft: e.details.triesLeft ?? triesLeftFrom(e.message),
            message: e.message,
          });
          return;
        }
        if (e.code === 'attempt_dead') {
          await tellPhoneFailed(pairing, 'The code was wrong too many times.');
          fail(
            'attempt-dead',
            'The code was wrong too many times. Start again with a new QR code.',
          );
          return;
        }
        if (
          e.code === 'passkey_verification_failed' ||
          e.code === 'passkey_unknown' ||
          e.code === 'challenge_expired' ||
          e.code === 'attempt_not_found' ||
          e.code === 'not_approved' ||
          e.code === 'credential_already_registered' ||
          e.code === 'passkey_limit_reached'
        ) {
          await tellPhoneFailed(pairing, e.message.slice(0, 200));
          fail('verification-failed', e.message);
          return;
        }
      }
      throw e;
    }
  }

  /**
   * Waits for the relay's ack before the flow ends and the socket closes: socket.io dispatches
   * events a tick late, so a close right behind the emit could be seen first (peer-left).
   */
  async function complete(pairing: Pairing) {
    await socket
      ?.timeout(5_000)
      .emitWithAck('pair:complete', { pairingId: pairing.pairingId })
      .catch(() => undefined);
  }

  /**
   * The phone may close its page once it shows the code (the pairing then ends as peer-left),
   * and the person may still type it; but nobody waits forever: after the scanned pairing's
   * lifetime the flow ends as expired.
   */
  function armCodeDeadline(pairing: Pairing) {
    const until = pairing.scannedUntil ?? Date.now() + 120_000;
    const timer = setTimeout(
      () =>
        enqueue(async () => {
          if (current === pairing && state.status === 'needs-code') setState({ status: 'expired' });
        }),
      Math.max(0, until - Date.now()) + 1_000,
    );
    timer.unref();
    void finished.then(() => clearTimeout(timer));
  }

  /**
   * done {ok:false}, then end the pairing with an ack: the socket closes right after the flow
   * fails, and socket.io dispatches events a tick late, so without the ack the phone could
   * hear peer-left before the reason.
   */
  async function tellPhoneFailed(pairing: Pairing, error: string) {
    await tellPhone(pairing, { type: 'done', ok: false, error });
    await endPairing('cancelled');
  }

  async function tellPhone(pairing: Pairing, message: DesktopToPhone) {
    // Best effort: the phone may already be gone; the outcome on the desktop does not depend on it.
    await send(pairing, message).catch(() => undefined);
  }

  // ------------------------------------------------------------------ start

  // Nobody scanned for maxWaitMs: stop offering codes. After a scan the pairing's own lifetime
  // (120 s, enforced by the relay) decides instead.
  const waitTimer = setTimeout(
    () =>
      enqueue(async () => {
        if (state.status !== 'starting' && state.status !== 'waiting-for-scan') return;
        await endPairing('cancelled');
        setState({ status: 'expired' });
      }),
    maxWaitMs,
  );
  waitTimer.unref();
  void finished.then(() => clearTimeout(waitTimer));

  enqueue(async () => {
    await connect();
    await openPairing();
  });

  return {
    get state() {
      return state;
    },
    subscribe(listener) {
      listeners.add(listener);
      listener(state);
      return () => listeners.delete(listener);
    },
    finished,
    submitCode(code: string) {
      return new Promise<QrLoginState>((resolve) => {
        enqueue(async () => {
          if (state.status !== 'needs-code' || codeInFlight) return;
          if (!/^\d{6}$/.test(code.trim())) {
            setState({ ...state, message: 'Type the 6 digits shown on your phone.' });
            return;
          }
          codeInFlight = true;
          try {
            await redeem(code.trim());
          } finally {
            codeInFlight = false;
          }
        });
        void queue.then(() => resolve(state));
      });
    },
    confirmPhone(yes: boolean) {
      return new Promise<void>((resolve) => {
        enqueue(async () => {
          const pairing = current;
          if (state.status !== 'confirm-phone' || !pairing?.joined) return;
          if (!yes) {
            await endPairing('cancelled');
            setState({ status: 'cancelled' });
            return;
          }
          pairing.confirmed = true;
          if (pairing.hello) await sendRequest(pairing);
          else
            setState({
              status: 'scanned',
              phone: pairing.joined,
              sameNetwork: pairing.sameNetwork,
            });
        });
        void queue.then(() => resolve());
      });
    },
    async cancel() {
      // Not queued behind a slow step (connect, verify): cancel answers at once. Steps still
      // running see the final state and stop; a sign-in that lands anyway is undone (redeem).
      if (isFinal()) return;
      await endPairing('cancelled');
      setState({ status: 'cancelled' });
    },
  };
}

/** "alice@example.com" -> "a***@example.com": enough for the person to recognise the account. */
export function hint(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${email[0]}***${email.slice(at)}`;
}

function triesLeftFrom(message: string): number | undefined {
  const m = /(\d+)\s+(?:tries|try|attempts?)\s+left/i.exec(message);
  return m ? Number(m[1]) : undefined;
}
