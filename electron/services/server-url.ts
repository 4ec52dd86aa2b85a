/**
 * The one check of a Keybridge server URL, shared by the CLI (`--server`) and the desktop app
 * (`--server` / KEYBRIDGE_SERVER_URL), so a typo gets the same plain message in both instead of
 * an "Invalid URL" thrown later from deep inside the API client.
 */

export class ServerUrlError extends Error {
  override name = 'ServerUrlError';
}

/** The origin of an http(s) URL (`http://host:port`, no path); ServerUrlError otherwise. */
export function parseServerUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ServerUrlError(notAServerUrl(raw));
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ServerUrlError(notAServerUrl(raw));
  }
  return url.origin;
}

const notAServerUrl = (raw: string) =>
  `Not a server URL: ${raw} (expected http://host:port or https://host)`;
