/**
 * The QR flow's public vocabulary: one name per state, used unchanged by the IPC view
 * (electron/ipc/qr-view.ts) and the renderer (renderer/src/login/).
 */
import type { PasskeyView, UserSummary } from '../../../server/protocol/api';

export type QrPurpose = 'sign-in' | 'add-passkey' | 'step-up';

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
  /**
   * add-passkey: the phone is signed in to a different account (or to none); step-up: the
   * phone's passkey belongs to another account
   */
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
  /** `expiresAt`: when the scanned pairing ends (epoch ms, relay clock), if the relay said */
  | { status: 'needs-code'; triesLeft?: number; message?: string; expiresAt?: number }
  | { status: 'verifying' }
  | { status: 'signed-in'; user: UserSummary }
  | { status: 'passkey-added'; passkey: PasskeyView }
  /** step-up: this session is confirmed (elevated) until then (ISO time) */
  | { status: 'stepped-up'; elevatedUntil: string }
  | { status: 'expired' }
  | { status: 'cancelled' }
  | { status: 'failed'; reason: QrFailReason; message: string };

export type QrLoginStatus = QrLoginState['status'];
export type FinalState = Extract<
  QrLoginState,
  { status: 'signed-in' | 'passkey-added' | 'stepped-up' | 'expired' | 'cancelled' | 'failed' }
>;
/** What a ceremony ends in when the server said yes. */
export type SuccessState = Extract<
  QrLoginState,
  { status: 'signed-in' | 'passkey-added' | 'stepped-up' }
>;

export const FINAL: ReadonlySet<QrLoginStatus> = new Set([
  'signed-in',
  'passkey-added',
  'stepped-up',
  'expired',
  'cancelled',
  'failed',
]);

export type QrLogin = {
  readonly state: QrLoginState;
  /** Listener gets the current state at once, then every change. Returns unsubscribe. */
  subscribe(listener: (state: QrLoginState) => void): () => void;
  /** Resolves with the final state (signed-in, passkey-added, stepped-up, expired, cancelled, failed). */
  readonly finished: Promise<FinalState>;
  /** Sends the 6-digit code from the phone; resolves with the state after the server answered. */
  submitCode(code: string): Promise<QrLoginState>;
  /**
   * add-passkey, in `confirm-phone`: yes sends the request to the phone (once it said hello);
   * no cancels the pairing (state `cancelled`). Ignored in any other state.
   */
  confirmPhone(yes: boolean): Promise<void>;
  /**
   * false once the flow finished, or once the server's result was claimed (a sign-in being
   * stored, a passkey added): cancel is then ignored and the flow finishes on its own.
   */
  readonly cancellable: boolean;
  /** Ends the flow (and the pairing); the phone is told. A no-op when not `cancellable`. */
  cancel(): Promise<void>;
};
