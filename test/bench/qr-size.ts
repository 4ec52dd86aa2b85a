/**
 * How big the QR code is: the v2 link the desktop builds (server/protocol/qr-link.ts, as
 * electron/services/qr/pairing.ts calls it: a fresh P-256 key, compressed in the link, and a
 * 32-byte secret; the pairing id is derived from the key) for a 30-character https origin,
 * encoded by the `qrcode` package at ECC M (as electron/ipc/qr-view.ts renders it). Fewer
 * modules = easier to scan from across a desk.
 */
import QRCode from 'qrcode';
import { generateDesktopKeys, generateQrSecret } from '../../server/protocol/channel';
import { buildQrLink } from '../../server/protocol/qr-link';
import { heading, row } from './stats';

export type QrSize = { origin: string; linkChars: number; version: number; modules: number };

export async function qrSize(): Promise<QrSize> {
  const origin = 'https://signin.exchange-xy.com';
  if (origin.length !== 30) throw new Error('the origin must be 30 characters');
  const keys = await generateDesktopKeys();
  const link = buildQrLink({
    origin,
    desktopPublicKey: keys.publicKey,
    secret: generateQrSecret(),
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
