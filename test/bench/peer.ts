/**
 * The throughput bench's peer: the least a passkey sign-in service can be with the same
 * libraries (Fastify + @simplewebauthn/server), state in memory. Same ceremony as Keybridge's
 * POST /api/auth/passkey/options -> POST /api/auth/passkey/verify (usernameless, UV
 * required, one-use challenge, counter kept, a session token issued), and nothing else: no
 * database, no rate limits, no activity log, no body schema. It answers "what does the
 * ceremony itself cost here", so Keybridge's figure can be read as a ratio to it.
 */
import { createHash, randomBytes } from 'node:crypto';
import Fastify from 'fastify';
import pino from 'pino';
import {
  generateAuthenticationOptions,
  verifyAuthenticationResponse,
  type AuthenticationResponseJSON,
} from '@simplewebauthn/server';
import type { EnrollUser } from './ipc';

type Credential = { userHandle: string; publicKey: Uint8Array<ArrayBuffer>; counter: number };

export async function startPeer(opts: { rpId: string; logLevel: string }) {
  // Same logging as the real server gets in the bench (pino at the given level to stdout).
  const app = Fastify({ loggerInstance: pino({ level: opts.logLevel }), bodyLimit: 64 * 1024 });
  const challenges = new Map<string, { challenge: string; expiresAt: number }>();
  const credentials = new Map<string, Credential>();
  const sessions = new Map<string, string>();
  let origin = '';
  const refused = { error: { code: 'refused', message: 'not verified' } };

  app.post('/api/auth/passkey/options', async () => {
    const options = await generateAuthenticationOptions({
      rpID: opts.rpId,
      userVerification: 'required',
      timeout: 180_000,
    });
    const attemptId = randomBytes(16).toString('base64url');
    challenges.set(attemptId, { challenge: options.challenge, expiresAt: Date.now() + 180_000 });
    return { attemptId, options };
  });

  app.post('/api/auth/passkey/verify', async (request, reply) => {
    const body = request.body as { attemptId: string; response: AuthenticationResponseJSON };
    const attempt = challenges.get(body.attemptId);
    challenges.delete(body.attemptId);
    const cred = credentials.get(body.response.id);
    if (!attempt || attempt.expiresAt < Date.now() || !cred) return reply.code(400).send(refused);
    if (body.response.response.userHandle !== cred.userHandle) return reply.code(400).send(refused);
    try {
      const v = await verifyAuthenticationResponse({
        response: body.response,
        expectedChallenge: attempt.challenge,
        expectedOrigin: origin,
        expectedRPID: opts.rpId,
        credential: { id: body.response.id, publicKey: cred.publicKey, counter: cred.counter },
        requireUserVerification: true,
      });
      if (!v.verified) return reply.code(400).send(refused);
      cred.counter = v.authenticationInfo.newCounter;
    } catch {
      return reply.code(400).send(refused);
    }
    const accessToken = randomBytes(32).toString('base64url');
    const refreshToken = randomBytes(32).toString('base64url');
    sessions.set(createHash('sha256').update(refreshToken).digest('base64url'), cred.userHandle);
    return { accessToken, refreshToken, expiresIn: 900 };
  });

  app.get('/readyz', async () => ({ ok: true }));

  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;
  origin = `http://${opts.rpId}:${port}`;
  return {
    url: `http://127.0.0.1:${port}`,
    phoneOrigin: origin,
    enroll(users: EnrollUser[]) {
      return users.map((u) => {
        const userHandle = randomBytes(32).toString('base64url');
        credentials.set(u.credentialId, {
          userHandle,
          publicKey: new Uint8Array(Buffer.from(u.publicKeyCose, 'base64url')),
          counter: 0,
        });
        return { userHandle };
      });
    },
    close: () => app.close(),
  };
}
