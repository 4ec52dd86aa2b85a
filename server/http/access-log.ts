/**
 * One access line per request, written when the response is sent, in the shape of Fastify's
 * "request completed" line (req.method/url, res.statusCode, responseTime) plus the client
 * address. Only these fixed fields are written, so the access logger needs no redaction
 * (server/logging.ts). URLs hold ids, never secrets (server/app.ts keeps secrets out of query
 * strings; tokens travel in headers and bodies).
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

export function installAccessLog(app: FastifyInstance, access: Logger): void {
  if (!access.isLevelEnabled('info')) return;
  app.addHook('onResponse', (request, reply, done) => {
    access.info(
      {
        reqId: request.id,
        req: { method: request.method, url: request.url, remoteAddress: request.ip },
        res: { statusCode: reply.statusCode },
        responseTime: reply.elapsedTime,
      },
      'request completed',
    );
    done();
  });
}
