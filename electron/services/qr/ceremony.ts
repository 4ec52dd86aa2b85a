/**
 * What differs between the QR flow's purposes, and nothing else: which attempt the server
 * opens, what the phone is asked, and how the approved attempt is redeemed. The state machine
 * (./machine.ts) is the same for both.
 */
import type { DesktopToPhone, RequestDisplay } from '../../../server/protocol/tunnel';
import type { ApiClient } from '../api-client';
import type { SessionManager } from '../session';
import type { Pairing } from './pairing';
import type { QrPurpose, SuccessState } from './types';

export type CeremonyContext = {
  /**
   * Call once the server has answered, before acting on it. false: the flow already ended
   * (cancelled while the server was verifying), so undo the result. true: the flow is claimed;
   * from here a cancel is too late and is ignored, so the phone hears "done" and the desktop
   * finishes (the renderer cancels as it leaves the QR screen, which a sign-in makes it do).
   */
  claim(): boolean;
  /** Best effort: the phone may already be gone. */
  tellPhone(message: DesktopToPhone): Promise<void>;
};

export type Redeemed = { state: SuccessState; accountHint?: string };

export interface Ceremony {
  readonly purpose: QrPurpose;
  /** Ask "Is this your phone?" before anything is sent to the phone that scanned. */
  readonly confirmsPhone: boolean;
  /** Opens the server attempt linked to the relay's pairing. */
  begin(pairingId: string): Promise<{ attemptId: string; options: Pairing['options'] }>;
  request(options: Pairing['options'], display: RequestDisplay): DesktopToPhone;
  /**
   * Redeems the approved attempt (with the reverse code when the server asks for one).
   * Throws the server's refusal (ApiError); null when the flow ended meanwhile and the result
   * was undone.
   */
  redeem(
    attemptId: string,
    reverseCode: string | undefined,
    ctx: CeremonyContext,
  ): Promise<Redeemed | null>;
}

/** "alice@example.com" -> "a***@example.com": enough for the person to recognise the account. */
export function hint(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${email[0]}***${email.slice(at)}`;
}

/** What a ceremony of the signed-in desktop needs (add-passkey.ts, step-up.ts). */
export type SignedInCeremonyDeps = {
  api: ApiClient;
  withAccess: <T>(fn: (accessToken: string) => Promise<T>) => Promise<T>;
  /** For the account hint the phone shows; absent: no hint. */
  session?: Pick<SessionManager, 'snapshot'>;
};

/** The hint of the account signed in now, if any. */
export function signedInHint(session?: Pick<SessionManager, 'snapshot'>): string | undefined {
  const snap = session?.snapshot();
  return snap?.status === 'signed-in' ? hint(snap.user.email) : undefined;
}
