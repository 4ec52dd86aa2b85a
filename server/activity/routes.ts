/** GET /api/activity: the account's security events, newest first. */
import type { RouteHandlers } from '../http/route-table';
import type { ServerContext } from '../context';
import { requireSession } from '../http/request-helpers';

export function activityRoutes(ctx: ServerContext): RouteHandlers<'activity'> {
  return {
    activity: async (request) => {
      const { user } = await requireSession(ctx, request);
      return { events: await ctx.activity.list(user.id) };
    },
  };
}
