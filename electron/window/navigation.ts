/**
 * Navigation policy (Electron checklist items 13 and 14). The renderer is a single page that
 * never navigates: any navigation away, and every new window, is refused. A link to an
 * allow-listed https page is handed to the system browser instead.
 */
import { originOf } from '../ipc/sender';
import { APP_ORIGIN } from '../ipc/contract';
import { isAllowedExternalUrl } from './external-links';

/** will-navigate / will-redirect: only a reload of the app's own origin may proceed. */
export function isAllowedNavigation(url: string): boolean {
  return originOf(url) === APP_ORIGIN;
}

export type WindowOpenDecision = { action: 'deny'; openExternally: string | null };

/** setWindowOpenHandler: never a new Electron window; maybe the system browser. */
export function decideWindowOpen(
  url: string,
  externalOrigins: readonly string[],
): WindowOpenDecision {
  return {
    action: 'deny',
    openExternally: isAllowedExternalUrl(url, externalOrigins) ? url : null,
  };
}
