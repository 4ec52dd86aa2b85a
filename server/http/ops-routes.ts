/** Liveness, readiness and the public client config. */
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context';
import type { ServerConfigResponse } from '../protocol/api';
import { databaseReachable } from '../db/database';

export function registerOpsRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get('/healthz', async () => ({ ok: true }));

  app.get('/readyz', async (_request, reply) => {
    const entries = Object.entries(ctx.readyChecks);
    const [database, ...others] = await Promise.all([
      databaseReachable(ctx.db),
      ...entries.map(([, check]) => check().catch(() => false)),
    ]);
    const checks: Record<string, boolean> = { database };
    entries.forEach(([n], i) => (checks[n] = others[i] === true));
    const ok = Object.values(checks).every(Boolean);
    return reply.code(ok ? 200 : 503).send({ ok, checks });
  });

  app.get('/api/config', async (): Promise<ServerConfigResponse> => ({
    rpId: ctx.config.rpId,
    phoneOrigin: ctx.phoneOrigin(),
    tunnelProtocol: 1,
  }));
}
