/**
 * How big the QR code is: the link the desktop builds (server/protocol/qr-link.ts, as
 * electron/services/qr-login.ts calls it: 22-char pairing id, 65-byte P-256 public key,
 * 32-byte secret) for a 30-character https origin, encoded by the `qrcode` package at ECC M
 * (as electron/ipc/qr-view.ts renders it). Fewer modules = easier to scan from across a desk.
 */
import { randomBytes } from 'node:crypto';
import QRCode from 'qrcode';
import { PUBLIC_KEY_BYTES, QR_SECRET_BYTES } from '../../server/protocol/channel';
import { buildQrLink } from '../../server/protocol/qr-link';
import { heading, row } from './stats';

export type QrSize = { origin: string; linkChars: number; version: number; modules: number };

export function qrSize(): QrSize {
  const origin = 'https://signin.exchange-xy.com';
  if (origin.length !== 30) throw new Error('the origin must be 30 characters');
  const link = buildQrLink({
    origin,
    pairingId: randomBytes(16).toString('base64url'),
    desktopPublicKey: randomBytes(PUBLIC_KEY_BYTES).toString('base64url'),
    secret: randomBytes(QR_SECRET_BYTES).toString('base64url'),
  });
  const qr = QRCode.create(link, { errorCorrectionLevel: 'M' });
  const r = { origin, linkChars: link.length, version: qr.version, modules: qr.modules.size };
  heading('QR code for the sign-in link');
  row(
    `QR for a 30-char https origin, ECC M (${r.linkChars}-char link)`,
    `version ${r.version}, ${r.modules} x ${r.modules} modules`,
  );
  return r;
}
