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

/** Where the app and the CLI look for their server unless told otherwise (`npm run server`'s default). */
export const DEFAULT_SERVER_URL = 'http://127.0.0.1:8787';

/**
 * The server's origin from `--server <url>` / `--server=<url>` or KEYBRIDGE_SERVER_URL, else
 * DEFAULT_SERVER_URL; checked here once (ServerUrlError with a plain message) so a typo never
 * reaches the API client. The desktop app and the CLI both read it this way.
 */
export function serverUrlFrom(argv: readonly string[], env: NodeJS.ProcessEnv): string {
  return parseServerUrl(rawServerUrl(argv, env));
}

function rawServerUrl(argv: readonly string[], env: NodeJS.ProcessEnv): string {
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i]!;
    if (a.startsWith('--server=')) return a.slice('--server='.length);
    if (a === '--server' && argv[i + 1]) return argv[i + 1]!;
  }
  return env.KEYBRIDGE_SERVER_URL || DEFAULT_SERVER_URL;
}
