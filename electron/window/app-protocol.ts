/**
 * The app:// protocol that serves the built renderer (not file://: Electron
 * checklist item 18). Plain function from a request URL to a Response, so path handling and
 * headers are tested under Node; main.ts only passes it to protocol.handle.
 */
import { realpath as realpathCallback } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { CustomScheme } from 'electron';
import { RENDERER_CSP } from './csp';

export const APP_SCHEME = 'app';
export const APP_HOST = 'keybridge';
export const APP_ENTRY_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/**
 * Registered before `ready` so app:// behaves like https (secure context, relative URLs,
 * storage). supportFetchAPI: Vite's `<script type="module">` is loaded in CORS mode, which a
 * custom scheme only serves with it (the page's own fetch() stays blocked by connect-src
 * 'none'). corsEnabled stays off, so no other origin can read app:// responses. `satisfies`,
 * not `as const`: Stryker 9.6 never mutates code under a TypeScript `as` expression.
 */
export const APP_SCHEME_PRIVILEGES = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: false },
} satisfies CustomScheme;

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

export const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': RENDERER_CSP,
  'x-content-type-options': 'nosniff',
  'cross-origin-opener-policy': 'same-origin',
  'referrer-policy': 'no-referrer',
};

/** Maps app://keybridge/<path> to a file under root, or null when it is not ours to serve. */
export function resolveAppPath(requestUrl: string, root: string): string | null {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return null;
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return null;
  let pathname: string;
  try {
    pathname = decodeURIComponent(url.pathname);
  } catch {
    return null;
  }
  if (pathname.includes('\0')) return null;
  const rel = pathname === '/' || pathname === '' ? 'index.html' : pathname.replace(/^\/+/, '');
  const resolved = path.resolve(root, rel);
  const rootWithSep = path.resolve(root) + path.sep;
  // Refuse anything outside the renderer directory (../, encoded %2e%2e, absolute paths).
  if (!resolved.startsWith(rootWithSep)) return null;
  return resolved;
}

// The callback form: Electron's asar wrapper patches fs.realpath, so paths inside app.asar
// resolve like any other.
const realpath = promisify(realpathCallback);

/**
 * The file's real path when it still lies inside the real root, else null. resolveAppPath only
 * compares names: a symlink inside the renderer folder (a tampered install, a dev checkout)
 * would otherwise serve whatever it points at, e.g. /etc/hostname.
 */
async function realFileInside(file: string, root: string): Promise<string | null> {
  try {
    const [realFile, realRoot] = await Promise.all([realpath(file), realpath(root)]);
    return realFile.startsWith(realRoot + path.sep) ? realFile : null;
  } catch {
    return null;
  }
}

export async function serveAppRequest(requestUrl: string, root: string): Promise<Response> {
  const named = resolveAppPath(requestUrl, root);
  const file = named && (await realFileInside(named, root));
  if (!file) return new Response('Not found', { status: 404, headers: SECURITY_HEADERS });
  try {
    const body = await readFile(file);
    const type = MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
    return new Response(body, {
      status: 200,
      headers: { ...SECURITY_HEADERS, 'content-type': type },
    });
  } catch {
    return new Response('Not found', { status: 404, headers: SECURITY_HEADERS });
  }
}
