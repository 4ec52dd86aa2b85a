/** GET /api/activity: the account's security events, newest first. */
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context';
import type { ActivityListResponse } from '../protocol/api';
import { requireSession } from '../http/request-helpers';

export function registerActivityRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get('/api/activity', async (request): Promise<ActivityListResponse> => {
    const { user } = await requireSession(ctx, request);
    return { events: await ctx.activity.list(user.id) };
  });
}
