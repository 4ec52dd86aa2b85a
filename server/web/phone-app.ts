/**
 * Serves the built phone web app (dist/phone) under /m/: real files by path, /m/pair ->
 * pair.html, every other /m/* -> index.html (client-side routes). The build is looked up per
 * request, so `npm run build` while the server runs is enough; without a build /m/ answers 503
 * saying so.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webmanifest': 'application/manifest+json',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

export const defaultPhoneDist = path.resolve(import.meta.dirname, '../../dist/phone');

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/**
 * The phone pages hold the Approve button for a sign-in, so they must not be framed
 * (clickjacking; app.ts also sends X-Frame-Options, nosniff and no-referrer on every
 * response), and they load nothing but their own bundle: scripts, styles and the
 * socket.io/API connections are all same-origin; QR images are data: URLs.
 */
export const PHONE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

function send(reply: FastifyReply, file: string, html: boolean) {
  const type = types[path.extname(file)] ?? 'application/octet-stream';
  reply.header('content-security-policy', PHONE_CSP);
  // HTML must be fresh (it names the hashed assets); hashed assets can be cached for long.
  reply.header('cache-control', html ? 'no-cache' : 'public, max-age=31536000, immutable');
  return reply.type(type).send(fs.createReadStream(file));
}

const SAFE_PATH = /^[A-Za-z0-9._~\-/]*$/;

export function registerPhoneApp(app: FastifyInstance, root: string = defaultPhoneDist): void {
  app.get('/m', (_request, reply) => reply.redirect('/m/'));
  app.get('/m/*', async (request, reply) => {
    // Fastify has already decoded the path once; decoding again would turn "/m/%25zz" into a
    // URIError (500) and let "%2e%2e" sneak past as "..". App routes and asset names use only
    // these characters, so anything else is no page of ours.
    const rel = (request.params as { '*'?: string })['*'] ?? '';
    if (!SAFE_PATH.test(rel) || rel.split('/').includes('..')) {
      return reply.code(404).send({ error: { code: 'not_found', message: 'No such page.' } });
    }
    if (!isFile(path.join(root, 'index.html'))) {
      return reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send(
          'The phone web app is not built yet. Run `npm run build` (or `npm start`), then reload this page.\n',
        );
    }
    const candidate = path.resolve(root, rel);
    // Only files inside the build directory, never ../ escapes.
    if (rel && candidate.startsWith(root + path.sep) && isFile(candidate))
      return send(reply, candidate, candidate.endsWith('.html'));
    if (rel === 'pair' || rel === 'pair/') {
      const pair = path.join(root, 'pair.html');
      if (isFile(pair)) return send(reply, pair, true);
    }
    // Missing assets get a 404 rather than index.html, so a broken build is obvious.
    if (/\.[a-z0-9]+$/i.test(rel) && !rel.endsWith('.html')) {
      return reply.code(404).send({ error: { code: 'not_found', message: 'No such file.' } });
    }
    return send(reply, path.join(root, 'index.html'), true);
  });
}
