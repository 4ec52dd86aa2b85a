/**
 * The device label of a web session in the sessions list when the client sent none:
 * "<browser> on <OS>" from the User-Agent, else a plain "Web browser" (a session is not a
 * passkey, so the passkey-name fallbacks do not fit).
 */
import { describeUserAgent } from '../passkeys/name-from-user-agent';

export const UNKNOWN_WEB_DEVICE = 'Web browser';

export function sessionDeviceFromUserAgent(userAgent: string | null | undefined): string {
  const { browser, system } = describeUserAgent(userAgent);
  if (browser && system) return `${browser} on ${system}`;
  if (browser) return browser;
  if (system) return `${UNKNOWN_WEB_DEVICE} on ${system}`;
  return UNKNOWN_WEB_DEVICE;
}
