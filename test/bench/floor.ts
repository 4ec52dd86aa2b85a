/**
 * The throughput bench's floor: what the same two requests cost on this stack with no sign-in
 * at all. Fastify, the same logging as the peer, the same routes and bodies (each JSON body
 * parsed), fresh random options from @simplewebauthn/server and a fresh token pair, but no
 * verification, no state and no checks. Sign-ins per CPU-second against it say how much of a
 * server's CPU is spent below any sign-in logic (TCP connection, HTTP parsing and writing,
 * JSON, logging), which no change to Keybridge's own code can reduce.
 */
import { randomBytes } from 'node:crypto';
import Fastify from 'fastify';
import pino from 'pino';
import { generateAuthenticationOptions } from '@simplewebauthn/server';
import type { EnrollUser } from './ipc';

export async function startFloor(opts: { rpId: string; logLevel: string }) {
  const app = Fastify({ loggerInstance: pino({ level: opts.logLevel }), bodyLimit: 64 * 1024 });

  app.post('/api/auth/passkey/options', async () => {
    const options = await generateAuthenticationOptions({
      rpID: opts.rpId,
      userVerification: 'required',
      timeout: 180_000,
    });
    return { attemptId: randomBytes(16).toString('base64url'), options };
  });

  // Answers like a sign-in without checking anything: the bench's load generator only needs a
  // 200 with a refresh token.
  app.post('/api/auth/passkey/verify', async () => ({
    accessToken: randomBytes(32).toString('base64url'),
    refreshToken: randomBytes(32).toString('base64url'),
    expiresIn: 900,
  }));

  app.get('/readyz', async () => ({ ok: true }));

  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;
  return { ...floorEndpoints(opts.rpId, port), close: () => app.close() };
}

/**
 * A floor's addresses and its enrollment: a fresh user handle per credential, kept nowhere,
 * since a floor verifies nothing (also floor-http.ts).
 */
export function floorEndpoints(rpId: string, port: number) {
  return {
    url: `http://127.0.0.1:${port}`,
    phoneOrigin: `http://${rpId}:${port}`,
    enroll(list: EnrollUser[]) {
      return list.map(() => ({ userHandle: randomBytes(32).toString('base64url') }));
    },
  };
}
