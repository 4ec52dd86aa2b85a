/** Liveness, readiness and the public client config. */
import type { FastifyInstance } from 'fastify';
import type { ServerParts } from '../composition-root';
import { databaseReachable } from '../db/database';
import type { RouteHandlers } from './route-table';

/** The parts of the server opsRoutes uses; server/app.ts hands over exactly these. */
export const opsUses = ['config', 'phoneOrigin'] as const satisfies readonly (keyof ServerParts)[];
export type OpsDeps = Pick<ServerParts, (typeof opsUses)[number]>;

export function opsRoutes(ctx: OpsDeps): RouteHandlers<'health' | 'config'> {
  return {
    health: async () => ({ ok: true }),
    config: async () => ({
      rpId: ctx.config.rpId,
      phoneOrigin: ctx.phoneOrigin(),
      tunnelProtocol: 1,
    }),
  };
}

/**
 * /readyz is for the load balancer, not a client contract: its status (200 or 503) carries
 * the answer, so it stays outside the route table.
 */
/** The parts of the server registerReadiness uses; server/app.ts hands over exactly these. */
export const readinessUses = [
  'db',
  'readyChecks',
] as const satisfies readonly (keyof ServerParts)[];
export type ReadinessDeps = Pick<ServerParts, (typeof readinessUses)[number]>;

export function registerReadiness(app: FastifyInstance, ctx: ReadinessDeps): void {
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
}
