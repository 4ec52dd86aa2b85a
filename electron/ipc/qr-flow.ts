/**
 * What the handler map needs from a QR flow (sign-in or add-passkey), and how its states become
 * the renderer's QrView. The flow itself is DESKTOP-CLIENT's qr-login (electron/services/);
 * main.ts and the browser harness adapt it to this interface, so the handler map does not
 * depend on its internals and tests can drive it.
 *
 * The link (with the QR secret in its fragment) stays here: the renderer gets an SVG image.
 */
import QRCode from 'qrcode';
import type { TokenResponse, UserSummary } from '../../server/protocol/api';
import type { IpcErrorCode, QrPurpose, QrView } from './contract';

export type QrFlowState =
  | { status: 'starting' }
  | { status: 'showing'; link: string; expiresAt: number }
  | { status: 'scanned'; phone: { ip: string; userAgent: string } | null }
  | { status: 'code-required'; triesLeft: number | null; message: string | null }
  | { status: 'verifying' }
  /** sign-in: the tokens to adopt (never forwarded); add-passkey: none */
  | { status: 'done'; tokens: TokenResponse | null; user: UserSummary | null }
  | {
      status: 'failed';
      code: Extract<QrView, { status: 'failed' }>['code'];
      message: string;
      retryable: boolean;
    }
  | { status: 'cancelled' };

export interface QrFlow {
  /** Calls back on every state change, starting with the current one. */
  onState(listener: (state: QrFlowState) => void): () => void;
  submitReverseCode(code: string): Promise<void>;
  cancel(): void;
}

export type QrFlowFactory = (options: {
  purpose: QrPurpose;
  /** for add-passkey: runs a call with the session's access token (stays in main) */
  withAccess: <T>(fn: (accessToken: string) => Promise<T>) => Promise<T>;
}) => QrFlow;

/** SVG keeps the image sharp at any size, so a screenshot of the login screen decodes reliably. */
export async function qrImageDataUrl(text: string): Promise<string> {
  const svg = await QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return `data:image/svg+xml;base64,${Buffer.from(svg, 'utf8').toString('base64')}`;
}

/** The renderer's view of a flow state: drops the link and the tokens. */
export async function toQrView(purpose: QrPurpose, state: QrFlowState): Promise<QrView> {
  switch (state.status) {
    case 'showing':
      return {
        status: 'showing',
        purpose,
        qrImage: await qrImageDataUrl(state.link),
        expiresAt: state.expiresAt,
      };
    case 'scanned':
      return { status: 'scanned', purpose, phone: state.phone };
    case 'code-required':
      return {
        status: 'code-required',
        purpose,
        triesLeft: state.triesLeft,
        message: state.message,
      };
    case 'done':
      return { status: 'done', purpose, user: state.user ?? state.tokens?.user ?? null };
    case 'failed':
      return {
        status: 'failed',
        purpose,
        code: state.code,
        message: state.message,
        retryable: state.retryable,
      };
    case 'starting':
    case 'verifying':
    case 'cancelled':
      return { status: state.status, purpose };
  }
}

export function failedView(purpose: QrPurpose, code: IpcErrorCode, message: string): QrView {
  return { status: 'failed', purpose, code, message, retryable: true };
}
