/**
 * Who may call the main process (Electron checklist item 17): only a frame whose URL is on the
 * app's own origin, the top frame of a window the main process created and registered. Pure function so
 * the same rule is tested without Electron and reused by the browser harness.
 */
import { APP_ORIGIN } from './contract';

export type SenderFacts = {
  /** senderFrame.url (Electron) or the calling frame's URL (browser harness); null if gone */
  frameUrl: string | null | undefined;
  /** webContents id of the sender */
  webContentsId: number;
  /** false for a child frame: the app has none (frame-src 'none'), so one calling is foreign */
  topFrame: boolean;
};

export function originOf(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const u = new URL(url);
    // Custom schemes (app://) have an opaque origin in WHATWG URL; build it from the parts.
    return u.origin !== 'null' ? u.origin : `${u.protocol}//${u.host}`;
  } catch {
    return null;
  }
}

export function isTrustedSender(
  sender: SenderFacts,
  trustedWebContents: ReadonlySet<number>,
  allowedOrigin: string = APP_ORIGIN,
): boolean {
  if (!sender.topFrame || !trustedWebContents.has(sender.webContentsId)) return false;
  return originOf(sender.frameUrl) === allowedOrigin;
}
