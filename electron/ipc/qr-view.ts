/**
 * How the QR flow's states (electron/services/qr/types.ts) become the renderer's QrView. The
 * names stay the same; what changes is what crosses: the link, which carries the QR secret in
 * its fragment, is drawn into an SVG image here in the main process and never crosses; the
 * phone is only its name; the two waits after a scan (`scanned`, `waiting-for-approval`) look
 * alike to the person; both successes are `done`, and an expired flow is a retryable failure.
 */
import QRCode from 'qrcode';
import type { PhoneInfo, QrLogin, QrLoginState } from '../services/qr-login';
import type { QrPhoneView, QrPurpose, QrView } from './contract';

/** Makes a QR flow for the app's session (main.ts and the browser harness build it). */
export type QrLoginFactory = (options: { purpose: QrPurpose }) => QrLogin;

/**
 * SVG keeps the image sharp at any size, so a screenshot of the login screen decodes reliably.
 * `qrcode` picks the segments itself: the v2 link's capital origin goes in alphanumeric mode,
 * its digits in numeric mode (server/protocol/qr-link.ts), which is what makes it version 6.
 */
export async function qrImageDataUrl(text: string): Promise<string> {
  const svg = await QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return `data:image/svg+xml;base64,${Buffer.from(svg, 'utf8').toString('base64')}`;
}

/** Only the readable name crosses, whatever else the flow learns about the phone. */
function phoneView(phone: PhoneInfo): QrPhoneView {
  return { device: phone.device };
}

export async function toQrView(purpose: QrPurpose, state: QrLoginState): Promise<QrView> {
  switch (state.status) {
    case 'starting':
    case 'verifying':
    case 'cancelled':
      return { status: state.status, purpose };
    case 'waiting-for-scan':
      return {
        status: 'waiting-for-scan',
        purpose,
        qrImage: await qrImageDataUrl(state.link),
        expiresAt: state.expiresAt,
        // An add-passkey link must reach the phone by its camera only: a copied link can be
        // pasted anywhere, and whoever opens it is the phone the desktop asks about.
        canCopyLink: purpose === 'sign-in',
      };
    case 'confirm-phone':
      return { status: 'confirm-phone', purpose, phone: phoneView(state.phone) };
    case 'scanned':
    case 'waiting-for-approval':
      return {
        status: 'scanned',
        purpose,
        phone: phoneView(state.phone),
        sameNetwork: state.sameNetwork,
      };
    case 'needs-code':
      return {
        status: 'needs-code',
        purpose,
        triesLeft: state.triesLeft ?? null,
        message: state.message ?? null,
      };
    case 'signed-in':
      return { status: 'done', purpose, user: state.user, passkey: null };
    case 'passkey-added':
      return { status: 'done', purpose, user: null, passkey: state.passkey };
    case 'stepped-up':
      return {
        status: 'done',
        purpose,
        user: null,
        passkey: null,
        elevatedUntil: state.elevatedUntil,
      };
    case 'expired':
      return {
        status: 'failed',
        purpose,
        code: 'expired',
        message: 'Nobody scanned the code for a while. Start again for a new one.',
        retryable: true,
      };
    case 'failed':
      return {
        status: 'failed',
        purpose,
        code: state.reason,
        message: state.message,
        // The same phone would fail the same way: no "Try again" for these.
        retryable: state.reason !== 'keychain-unavailable' && state.reason !== 'already-registered',
      };
  }
}
