/** GET /api/activity: the account's security events, newest first. */
import type { RouteHandlers } from '../http/route-table';
import type { ServerContext } from '../context';
import { requireSession } from '../http/request-helpers';

/** What activityRoutes uses of the server's parts (server/app.ts passes them). */
export type ActivityDeps = Pick<ServerContext, 'accounts' | 'activity' | 'sessions'>;

export function activityRoutes(ctx: ActivityDeps): RouteHandlers<'activity'> {
  return {
    activity: async (request) => {
      const { user } = await requireSession(ctx, request);
      return { events: await ctx.activity.list(user.id) };
    },
  };
}
