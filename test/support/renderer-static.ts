/**
 * A tiny static server for the built renderer (dist/renderer) on 127.0.0.1, sending the same
 * Content-Security-Policy as the app's app:// protocol, so the browser harness proves the UI
 * works under the policy it ships with.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RENDERER_CSP } from '../../electron/window/csp';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const RENDERER_DIST = path.join(REPO_ROOT, 'dist', 'renderer');

/** The same header the app:// protocol sends in Electron (electron/window/csp.ts). */
export { RENDERER_CSP } from '../../electron/window/csp';

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/** Builds dist/renderer when it is missing (a test run on a fresh checkout without `npm run build`). */
export async function ensureRendererBuilt(): Promise<void> {
  if (existsSync(path.join(RENDERER_DIST, 'index.html'))) return;
  await buildRenderer();
}

/** Builds dist/renderer from the current sources (the dev tool does this at every start). */
export async function buildRenderer(): Promise<void> {
  const { build } = await import('vite');
  await build({ configFile: path.join(REPO_ROOT, 'renderer', 'vite.config.ts'), logLevel: 'warn' });
}

export type StaticServer = { url: string; close(): Promise<void> };

export async function serveRenderer(root = RENDERER_DIST): Promise<StaticServer> {
  const server = http.createServer((req, res) => {
    void (async () => {
      const urlPath = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      const rel = urlPath === '/' ? 'index.html' : urlPath.replace(/^\/+/, '');
      const file = path.resolve(root, rel);
      // Nothing outside the bundle is served.
      if (!file.startsWith(root + path.sep) || (req.method !== 'GET' && req.method !== 'HEAD')) {
        res.writeHead(404).end();
        return;
      }
      try {
        const body = await readFile(file);
        res.writeHead(200, {
          'content-type': types[path.extname(file)] ?? 'application/octet-stream',
          'content-security-policy': RENDERER_CSP,
          'x-content-type-options': 'nosniff',
          'cache-control': 'no-store',
        });
        res.end(req.method === 'HEAD' ? undefined : body);
      } catch {
        res.writeHead(404).end();
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
