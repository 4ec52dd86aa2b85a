/** GET /api/activity: the account's security events, newest first. */
import type { RouteHandlers } from '../http/route-table';
import type { ServerParts } from '../composition-root';
import { requireSession } from '../http/request-helpers';

/** The parts of the server activityRoutes uses; server/app.ts hands over exactly these. */
export const activityUses = [
  'accounts',
  'activity',
  'sessions',
] as const satisfies readonly (keyof ServerParts)[];
export type ActivityDeps = Pick<ServerParts, (typeof activityUses)[number]>;

export function activityRoutes(ctx: ActivityDeps): RouteHandlers<'activity'> {
  return {
    activity: async (request) => {
      const { user } = await requireSession(ctx, request);
      return { events: await ctx.activity.list(user.id) };
    },
  };
}
