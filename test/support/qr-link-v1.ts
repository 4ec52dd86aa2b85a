/**
 * The v1 QR link as desktops before v2 built it (server/protocol/qr-link.ts describes both), so
 * tests can prove the phone still reads one. Nothing in the app emits v1 any more.
 */
import { PAIR_PATH } from '../../server/protocol/qr-link';

export function buildQrLinkV1(link: {
  origin: string;
  pairingId: string;
  desktopPublicKey: string;
  secret: string;
}): string {
  const params = new URLSearchParams({
    v: '1',
    p: link.pairingId,
    k: link.desktopPublicKey,
    s: link.secret,
  });
  return `${link.origin.replace(/\/+$/, '')}${PAIR_PATH}#${params.toString()}`;
}
