/**
 * Which links may leave the app for the system browser (Electron checklist item 15): https
 * only, and only to origins on the allow-list. Anything else (file:, javascript:, custom
 * schemes that launch other programs, http) is refused.
 */

/** Pages of our own the UI links to (help, privacy). */
export const DEFAULT_EXTERNAL_ORIGINS: readonly string[] = ['https://keybridge.localhost'];

export function isAllowedExternalUrl(raw: string, allowedOrigins: readonly string[]): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (url.protocol !== 'https:') return false;
  // Credentials in a URL are a classic way to disguise where a link goes.
  if (url.username || url.password) return false;
  return allowedOrigins.includes(url.origin);
}

/** The allow-list for a server: our own pages, plus the server itself when it is https. */
export function externalOriginsFor(serverUrl: string): string[] {
  const origins = [...DEFAULT_EXTERNAL_ORIGINS];
  try {
    const u = new URL(serverUrl);
    if (u.protocol === 'https:') origins.push(u.origin);
  } catch {
    // a bad server URL adds nothing
  }
  return origins;
}
