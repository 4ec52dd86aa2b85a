/**
 * One pairing of the QR flow: the ephemeral P-256 key pair and 32-byte QR secret, the pairing
 * id derived from the key, the server attempt linked to it, the end-to-end channel they open,
 * the QR link (v2, server/protocol/qr-link.ts) that carries them, and when the relay lets it
 * lapse. The key and secret never leave
 * this object except inside `link`.
 */
import {
  createDesktopChannel,
  fromBase64Url,
  generateQrSecret,
  toBase64Url,
  type DesktopChannel,
  type HpkeRecipientKey,
} from '../../../server/protocol/channel';
import { derivePairingId } from '../../../server/protocol/pairing-id';
import { buildQrLink, compressedKey } from '../../../server/protocol/qr-link';
import { generateRecipientKey } from './hpke-recipient';
import type { PhoneInfo } from './types';

export type Pairing = {
  readonly pairingId: string;
  readonly attemptId: string;
  /** The WebAuthn options the ceremony sends to the phone. */
  readonly options: Record<string, unknown> & { challenge: string };
  readonly channel: DesktopChannel;
  /** The QR content: it carries the QR secret, so show it, never log it. */
  readonly link: string;
  /** When the relay lets the unscanned pairing lapse (relay clock). */
  readonly expiresAt: number;
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
  /** When the scanned pairing ends (relay clock); also bounds how long a code is awaited. */
  scannedUntil?: number;
  rotation?: NodeJS.Timeout;
};

/**
 * The key pair and secret of the next QR, made before the relay is asked: the relay derives
 * the pairing id from the public key (server/protocol/pairing-id.ts), which the v2 link then
 * need not carry.
 */
export type PairingSecrets = {
  /** The private half (node:crypto, ./hpke-recipient.ts); never serialised. */
  readonly recipient: HpkeRecipientKey;
  /** base64url of the uncompressed public key, for the QR link. */
  readonly publicKey: string;
  readonly secret: string;
  /** The compressed public key for `pair:create` (public: it is in the QR too). */
  readonly relayKey: string;
  /** The id the relay must answer with. */
  readonly pairingId: string;
};

export async function preparePairing(): Promise<PairingSecrets> {
  const key = generateRecipientKey();
  const publicKey = toBase64Url(key.publicKey);
  const relayKey = compressedKey(publicKey);
  return {
    recipient: key.recipient,
    publicKey,
    secret: generateQrSecret(),
    relayKey,
    pairingId: await derivePairingId(fromBase64Url(relayKey)),
  };
}

export function createPairing(params: {
  secrets: PairingSecrets;
  expiresAt: number;
  attemptId: string;
  options: Pairing['options'];
  phoneOrigin: string;
  confirmed: boolean;
}): Pairing {
  const { recipient, publicKey, secret, pairingId } = params.secrets;
  return {
    pairingId,
    attemptId: params.attemptId,
    options: params.options,
    channel: createDesktopChannel({ pairingId, recipient, secret }),
    link: buildQrLink({ origin: params.phoneOrigin, desktopPublicKey: publicKey, secret }),
    expiresAt: params.expiresAt,
    joined: null,
    sameNetwork: true,
    hello: false,
    confirmed: params.confirmed,
    requested: false,
    approved: false,
  };
}

/**
 * Replaces the QR if nobody scanned by its expiry. The relay's pair:closed {expired} is the
 * authority; this timer only covers a lost event.
 */
export function armRotation(pairing: Pairing, rotate: () => void): void {
  pairing.rotation = setTimeout(rotate, Math.max(1_000, pairing.expiresAt - Date.now()) + 3_000);
  pairing.rotation.unref();
}

export function disarmRotation(pairing: Pairing | null): void {
  if (pairing?.rotation) clearTimeout(pairing.rotation);
}
