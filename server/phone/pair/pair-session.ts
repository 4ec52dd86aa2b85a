/**
 * The phone half of a QR ceremony, without React: reads the link, joins the pairing on the
 * relay, opens the end-to-end channel, and turns relay events and channel messages into one
 * state the page renders. Deny says no on both layers.
 *
 * Approve runs the passkey ceremony and posts the WebAuthn response to the server (this page
 * is on the exchange's own origin), which verifies it and parks the approval; the desktop only
 * hears `approved` and then redeems with its secret attempt id (+ the reverse code). The
 * desktop never sees the assertion or attestation, so it learns nothing about the account.
 * - sign-in: the desktop's `get` options, checked against the join ack's challenge hash.
 * - step-up: like sign-in (`get`, hash check), but the desktop is signed in and asks the phone's
 *   passkey to confirm it is the account's owner; the server refuses any other account's passkey.
 * - add-passkey: the desktop's `create` request only proves which attempt (hash check); the
 *   options come from the server for the account this phone is signed in to, and the server
 *   refuses (wrong_account) when that is not the account that asked.
 *
 * Every failure ends in a state with a reason the page turns into plain words (words.ts).
 */
import { startAuthentication, startRegistration } from '@simplewebauthn/browser';
import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/browser';
import { io, type Socket } from 'socket.io-client';
import { ChannelError, openPhoneChannel, type PhoneChannel } from '../../protocol/channel';
import type {
  AuthenticationResponseJSON,
  RegistrationOptionsJSON,
  RegistrationResponseJSON,
} from '../../protocol/api';
import { QrLinkError, parseQrLink, type QrLink } from '../../protocol/qr-link';
import {
  PairClosed,
  PairJoinAck,
  PairMsg,
  TUNNEL_NAMESPACE,
  challengeHash,
  type ClosedReason,
  type PairPurpose,
  type DesktopToPhone,
  type PhoneToDesktop,
  type RequestMessage,
  type TunnelErrorCode,
} from '../../protocol/tunnel';
import { ApiError, api } from '../lib/api';
import { describeWebAuthnError, type PlainError } from '../lib/webauthn-errors';

/** What the server vouched for when the phone joined. */
export type JoinContext = {
  desktopIp: string;
  createdAt: string;
  sameNetwork: boolean;
  reverseCode?: string;
  /** When the relay ends the (scanned) pairing: the code page counts down to it. */
  expiresAt: string;
};

/** Why the page cannot (or can no longer) help: each gets its own words. */
export type EndReason =
  | 'malformed'
  | 'wrong-version'
  | 'no-link'
  | 'unknown'
  | 'expired'
  | 'used'
  | 'cancelled'
  | 'tampered'
  | 'peer-left'
  | 'connection'
  | 'shutdown'
  /** add-passkey: this phone is not signed in to any account */
  | 'signed-out'
  /** add-passkey: this phone is signed in to another account than the one asking */
  | 'wrong-account'
  /** add-passkey: this phone already holds a passkey for the account */
  | 'already-registered'
  /** step-up: the passkey used belongs to another account than the computer's */
  | 'stepup-wrong-account'
  | 'failed';

export type PairState =
  | { step: 'connecting' }
  | { step: 'waiting-request'; context: JoinContext }
  | {
      step: 'review';
      context: JoinContext;
      request: RequestMessage;
      /** add-passkey: the account the server says the passkey is for */
      account?: string;
      error?: PlainError;
    }
  | { step: 'signing'; context: JoinContext; request: RequestMessage; account?: string }
  /**
   * `account`: named by the server, never the desktop: the email it builds the add-passkey
   * options for, or the hint its approve answer gives for the passkey that signed in.
   */
  | {
      step: 'show-code';
      context: JoinContext;
      request: RequestMessage;
      code: string;
      account?: string;
    }
  | { step: 'waiting-done'; context: JoinContext; request: RequestMessage; account?: string }
  | { step: 'done'; kind: 'get' | 'create'; account?: string }
  | { step: 'denied' }
  | { step: 'ended'; reason: EndReason; detail?: string };

type Listener = (s: PairState) => void;

const joinErrors: Record<TunnelErrorCode, EndReason> = {
  unknown: 'unknown',
  expired: 'expired',
  'already-joined': 'used',
  completed: 'used',
  cancelled: 'cancelled',
  invalid: 'malformed',
  'rate-limited': 'connection',
  'wrong-role': 'connection',
  'too-many-pairings': 'connection',
};

const closedReasons: Record<ClosedReason, EndReason> = {
  expired: 'expired',
  cancelled: 'cancelled',
  denied: 'cancelled',
  'channel-error': 'tampered',
  completed: 'used',
  'peer-left': 'peer-left',
  abuse: 'connection',
  shutdown: 'shutdown',
};

/** Which purposes each request kind serves: a `get` signs in or confirms (step-up). */
const kindServes: Record<RequestMessage['kind'], readonly PairPurpose[]> = {
  get: ['sign-in', 'step-up'],
  create: ['add-passkey'],
};

export class PairSession {
  private state: PairState = { step: 'connecting' };
  private listeners = new Set<Listener>();
  private socket: Socket | null = null;
  private channel: PhoneChannel | null = null;
  /** The channel being set up from the link while the socket connects (see start). */
  private channelReady: Promise<PhoneChannel> | null = null;
  private link: QrLink | null = null;
  private challengeHash: string | undefined;
  private linkedPurpose: PairPurpose | undefined;
  /** add-passkey: the options the server built for this phone's account. */
  private serverOptions: RegistrationOptionsJSON | null = null;
  /** Relay events and channel messages are handled one at a time, in arrival order. */
  private queue: Promise<void> = Promise.resolve();

  get current(): PairState {
    return this.state;
  }

  /** What the server linked this pairing to (from the join ack); the page words follow it. */
  get purpose(): PairPurpose | undefined {
    return this.linkedPurpose;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    listener(this.state);
    return () => this.listeners.delete(listener);
  }

  private set(next: PairState) {
    this.state = next;
    for (const l of this.listeners) l(next);
  }

  private get final(): boolean {
    return ['done', 'denied', 'ended'].includes(this.state.step);
  }

  private end(reason: EndReason, detail?: string) {
    if (this.final) return;
    this.set({ step: 'ended', reason, detail });
    this.hangUp();
  }

  private hangUp() {
    const s = this.socket;
    this.socket = null;
    // Let anything already emitted leave before the socket goes.
    if (s) setTimeout(() => s.disconnect(), 250);
  }

  private enqueue(step: () => Promise<void>) {
    this.queue = this.queue.then(step).catch((err: unknown) => this.onError(err));
  }

  private onError(err: unknown) {
    if (err instanceof ChannelError) {
      // Tampered, replayed or out-of-order: nothing more may happen on this pairing.
      this.socket?.emit('pair:cancel', {
        pairingId: this.link?.pairingId,
        reason: 'channel-error',
      });
      this.end('tampered');
      return;
    }
    this.end('failed', err instanceof Error ? err.message : undefined);
  }

  /** Start from the page's fragment (`location.hash`). */
  async start(fragment: string): Promise<void> {
    if (!fragment.replace(/^#/, '')) return this.end('no-link');
    try {
      this.link = await parseQrLink(fragment);
    } catch (err) {
      const code = err instanceof QrLinkError ? err.code : 'malformed';
      return this.end(code === 'wrong-version' ? 'wrong-version' : 'malformed');
    }
    const link = this.link;
    // The channel's key schedule needs only the link: run it while the socket connects and
    // joins, not after (join awaits it; a bad key still fails there, as before).
    this.channelReady = openPhoneChannel({
      pairingId: link.pairingId,
      desktopPublicKey: link.desktopPublicKey,
      secret: link.secret,
    });
    this.channelReady.catch(() => undefined);
    const socket = io(TUNNEL_NAMESPACE, { transports: ['websocket'], reconnection: false });
    this.socket = socket;
    socket.on('connect_error', () => this.end('connection'));
    socket.on('disconnect', () => this.enqueue(async () => this.end('connection')));
    socket.on('pair:msg', (raw: unknown) => this.enqueue(() => this.onMessage(raw)));
    socket.on('pair:closed', (raw: unknown) => this.enqueue(async () => this.onClosed(raw)));
    socket.on('connect', () => this.enqueue(() => this.join(link)));
  }

  private async join(link: QrLink) {
    const socket = this.socket;
    if (!socket || this.state.step !== 'connecting') return;
    let raw: unknown;
    try {
      raw = await socket.timeout(15_000).emitWithAck('pair:join', { pairingId: link.pairingId });
    } catch {
      return this.end('connection');
    }
    const ack = PairJoinAck.safeParse(raw);
    if (!ack.success) return this.end('connection');
    if (!ack.data.ok) return this.end(joinErrors[ack.data.error.code]);
    this.challengeHash = ack.data.challengeHash;
    this.linkedPurpose = ack.data.purpose;
    const context: JoinContext = {
      desktopIp: ack.data.desktop.ip,
      createdAt: ack.data.desktop.createdAt,
      sameNetwork: ack.data.sameNetwork,
      reverseCode: ack.data.reverseCode,
      expiresAt: ack.data.expiresAt,
    };
    this.channel = await (this.channelReady ??
      openPhoneChannel({
        pairingId: link.pairingId,
        desktopPublicKey: link.desktopPublicKey,
        secret: link.secret,
      }));
    this.set({ step: 'waiting-request', context });
    await this.send({ type: 'hello', v: 1 });
  }

  private async send(message: PhoneToDesktop) {
    if (!this.channel || !this.socket || !this.link) return;
    const data = await this.channel.seal(message);
    this.socket.emit('pair:msg', { pairingId: this.link.pairingId, data });
  }

  private async onMessage(raw: unknown) {
    const msg = PairMsg.safeParse(raw);
    if (!msg.success || !this.channel || msg.data.pairingId !== this.link?.pairingId) return;
    const message: DesktopToPhone = await this.channel.open(msg.data.data);
    const s = this.state;
    if (message.type === 'request') {
      if (s.step !== 'waiting-request')
        throw new ChannelError('bad-message', 'Unexpected request.');
      // The server bound one attempt to this pairing; act on that challenge and no other, for
      // either kind. No hash (nothing linked) or the wrong kind: refuse.
      const hash = await challengeHash(message.options.challenge);
      if (
        !this.challengeHash ||
        hash !== this.challengeHash ||
        !this.linkedPurpose ||
        !kindServes[message.kind].includes(this.linkedPurpose)
      ) {
        throw new ChannelError('bad-message', 'The request does not match this QR code.');
      }
      if (message.kind === 'get') {
        this.set({ step: 'review', context: s.context, request: message });
        return;
      }
      await this.loadServerOptions(s.context, message);
      return;
    }
    // done
    if (message.ok) {
      const kind = 'request' in s ? s.request.kind : 'get';
      // The desktop's accountHint is only a fallback: the server already named the account.
      const account = ('account' in s ? s.account : undefined) ?? message.accountHint;
      // The socket stays until the relay closes the pairing (completed), so the desktop
      // never sees this phone leave before it has finished.
      this.set({ step: 'done', kind, account });
    } else {
      this.end('failed', message.error);
    }
  }

  private onClosed(raw: unknown) {
    const ev = PairClosed.safeParse(raw);
    if (!ev.success || ev.data.pairingId !== this.link?.pairingId) return;
    if (this.final) return this.hangUp();
    this.end(closedReasons[ev.data.reason]);
  }

  /**
   * add-passkey: ask the server which account this is for and with which options. The
   * desktop's request is only trusted for its challenge (already checked against the hash).
   */
  private async loadServerOptions(
    context: JoinContext,
    request: Extract<RequestMessage, { kind: 'create' }>,
  ) {
    const pairingId = this.link?.pairingId;
    if (!pairingId) return;
    try {
      const r = await api.passkeyPairingOptions(pairingId);
      if (r.options.challenge !== request.options.challenge)
        throw new ChannelError('bad-message', 'The request does not match this QR code.');
      this.serverOptions = r.options;
      this.set({ step: 'review', context, request, account: r.account.email });
    } catch (err) {
      if (err instanceof ChannelError) throw err;
      if (err instanceof ApiError && err.code === 'unauthorized') return this.refuse('signed-out');
      if (err instanceof ApiError && err.code === 'wrong_account')
        return this.refuse('wrong-account');
      await this.send({ type: 'reject', reason: 'passkey-failed', detail: 'options' });
      this.end('failed', err instanceof Error ? err.message : undefined);
    }
  }

  /** Tell the desktop it cannot go on here, then show why. */
  private async refuse(reason: 'signed-out' | 'wrong-account' | 'already-registered') {
    await this.send({
      type: 'reject',
      reason: reason === 'already-registered' ? 'already-registered' : 'passkey-failed',
      detail: reason,
    });
    this.end(reason);
  }

  /**
   * Approve: run the passkey prompt, post the response to the server (which verifies it and
   * parks the approval), then tell the desktop `approved` and show the reverse code, if any.
   */
  async approve(): Promise<void> {
    const s = this.state;
    const pairingId = this.link?.pairingId;
    if (s.step !== 'review' || !pairingId) return;
    this.set({ step: 'signing', context: s.context, request: s.request, account: s.account });
    let response: unknown;
    try {
      response =
        s.request.kind === 'get'
          ? await startAuthentication({
              optionsJSON: s.request.options as unknown as PublicKeyCredentialRequestOptionsJSON,
            })
          : await startRegistration({
              optionsJSON: this.serverOptions as unknown as PublicKeyCredentialCreationOptionsJSON,
            });
    } catch (err) {
      // The pairing may have ended while the prompt was open.
      if (this.state.step !== 'signing') return;
      const plain = describeWebAuthnError(err, s.request.kind);
      // excludeCredentials: this phone's provider already holds a passkey for the account.
      const known = ['InvalidStateError', 'ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED'];
      if (s.request.kind === 'create' && known.includes(plain.code)) {
        this.enqueue(() => this.refuse('already-registered'));
        return;
      }
      if (plain.canRetry) {
        this.set({ ...s, error: plain });
        return;
      }
      // Trying again cannot help (wrong site, no usable passkey): tell the desktop and stop.
      this.enqueue(async () => {
        await this.send({
          type: 'reject',
          reason: 'passkey-failed',
          detail: plain.code.slice(0, 200),
        });
        this.end('failed', plain.message);
      });
      return;
    }
    if (this.state.step !== 'signing') return;
    let account = s.account;
    try {
      if (s.request.kind === 'create')
        await api.passkeyPairingApprove(pairingId, response as RegistrationResponseJSON);
      else if (this.linkedPurpose === 'step-up')
        account = (
          await api.stepUpPasskeyApprove(pairingId, response as AuthenticationResponseJSON)
        ).accountHint;
      else
        account = (await api.passkeyLoginApprove(pairingId, response as AuthenticationResponseJSON))
          .accountHint;
    } catch (err) {
      if (this.state.step !== 'signing') return;
      if (err instanceof ApiError && err.code === 'wrong_account') {
        this.enqueue(async () => {
          await this.send({
            type: 'reject',
            reason: 'passkey-failed',
            detail: 'other-account-passkey',
          });
          this.end('stepup-wrong-account');
        });
        return;
      }
      const plain = describeWebAuthnError(err, s.request.kind);
      this.enqueue(async () => {
        await this.send({
          type: 'reject',
          reason: 'passkey-failed',
          detail: plain.code.slice(0, 200),
        });
        this.end('failed', plain.message);
      });
      return;
    }
    this.enqueue(async () => {
      if (this.state.step !== 'signing') return;
      await this.send({ type: 'approved' });
      const code = s.context.reverseCode;
      this.set(
        code
          ? { step: 'show-code', context: s.context, request: s.request, code, account }
          : { step: 'waiting-done', context: s.context, request: s.request, account },
      );
    });
  }

  /** Deny: tell the desktop (through the channel) and end the pairing for both. */
  async deny(): Promise<void> {
    const s = this.state;
    if (this.final || s.step === 'connecting') return;
    this.enqueue(async () => {
      if (this.final) return;
      if (this.channel) await this.send({ type: 'reject', reason: 'denied' });
      this.socket?.emit('pair:cancel', { pairingId: this.link?.pairingId, reason: 'denied' });
      this.set({ step: 'denied' });
      this.hangUp();
    });
  }
}
