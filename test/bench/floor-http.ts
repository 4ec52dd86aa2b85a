/**
 * The floor under any sign-in server on Node at all: floor.ts's two routes on bare node:http,
 * with no framework. Each request body is read and JSON-parsed, the options come from
 * @simplewebauthn/server as in floor.ts, and pino writes one line per request (Fastify writes
 * two). There is no verification, no state and no check, and no routing beyond the two paths.
 * Beside floor.ts, it measures about what leaving Fastify would save (for a minimal Fastify
 * app; Fastify's second log line per request included): a real server would add back body
 * limits, content-type checks, error mapping and security headers.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { generateAuthenticationOptions } from '@simplewebauthn/server';
import { floorEndpoints } from './floor';

const BODY_LIMIT = 64 * 1024;

export async function startFloorHttp(opts: { rpId: string; logLevel: string }) {
  const log = pino({ level: opts.logLevel });

  const answer = async (url: string | undefined): Promise<[number, unknown]> => {
    if (url === '/api/auth/passkey/options') {
      const options = await generateAuthenticationOptions({
        rpID: opts.rpId,
        userVerification: 'required',
        timeout: 180_000,
      });
      return [200, { attemptId: randomBytes(16).toString('base64url'), options }];
    }
    // Like floor.ts: the load generator only needs a 200 with a refresh token.
    if (url === '/api/auth/passkey/verify')
      return [
        200,
        {
          accessToken: randomBytes(32).toString('base64url'),
          refreshToken: randomBytes(32).toString('base64url'),
          expiresIn: 900,
        },
      ];
    if (url === '/readyz') return [200, { ok: true }];
    return [404, { error: 'not found' }];
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > BODY_LIMIT) req.destroy();
      else chunks.push(chunk);
    });
    req.on('end', () => {
      void (async () => {
        let status: number;
        let body: unknown;
        try {
          if (req.method === 'POST') JSON.parse(Buffer.concat(chunks).toString('utf8'));
          [status, body] = await answer(req.url);
        } catch {
          [status, body] = [400, { error: 'bad request' }];
        }
        const text = JSON.stringify(body);
        res.writeHead(status, {
          'content-type': 'application/json; charset=utf-8',
          'content-length': Buffer.byteLength(text),
        });
        res.end(text);
        log.info({ method: req.method, url: req.url, status }, 'request');
      })();
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    ...floorEndpoints(opts.rpId, port),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
