/** Liveness, readiness and the public client config. */
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context';
import type { ServerConfigResponse } from '../protocol/api';
import { databaseReachable } from '../db/database';

export function registerOpsRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get('/healthz', async () => ({ ok: true }));

  app.get('/readyz', async (_request, reply) => {
    const db = await databaseReachable(ctx.db);
    return reply.code(db ? 200 : 503).send({ ok: db, checks: { database: db } });
  });

  app.get('/api/config', async (): Promise<ServerConfigResponse> => ({
    rpId: ctx.config.rpId,
    phoneOrigin: ctx.phoneOrigin(),
    tunnelProtocol: 1,
  }));
}
