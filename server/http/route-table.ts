/**
 * Registers the route table (server/protocol/routes.ts) on Fastify: method, path and success
 * status come from the table, the handler from the feature module that owns the route. The
 * composition in server/app.ts hands over one handler per route name, so a route in the table
 * without a handler (or a handler for no route) does not compile.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { routes, type ResponseOf, type RouteName, type RouteSpec } from '../protocol/routes';

export type RouteHandler<N extends RouteName> = (
  request: FastifyRequest,
  reply: FastifyReply,
) => Promise<ResponseOf<N>>;

/** Handlers keyed by route name; a module offers `RouteHandlers<'me'>`, app.ts all of them. */
export type RouteHandlers<N extends RouteName = RouteName> = { [K in N]: RouteHandler<K> };

export function registerRoutes(app: FastifyInstance, handlers: RouteHandlers): void {
  for (const name of Object.keys(routes) as RouteName[]) {
    const spec: RouteSpec = routes[name];
    const handler = handlers[name] as RouteHandler<RouteName>;
    app.route({
      method: spec.method,
      url: spec.path,
      handler: async (request, reply) => {
        const answer = await handler(request, reply);
        if (spec.status !== undefined) reply.code(spec.status);
        return answer;
      },
    });
  }
}
