/**
 * The one client factory over the route table (routes.ts): `call(name, input)` fills the path
 * from the table, adds the query, and hands method, path, body and bearer token to a
 * transport, typed by the route's schemas. The desktop passes a node:http transport (source
 * address, proxy agents: electron/services/api-client.ts), the phone a fetch transport with
 * its cookie (server/phone/lib/api.ts). Each transport turns failures into its own error type.
 */
import {
  fillPath,
  routes,
  type BodyOf,
  type HttpMethod,
  type ParamsOf,
  type QueryOf,
  type ResponseOf,
  type RouteName,
} from './routes';

export type TransportRequest = {
  route: RouteName;
  method: HttpMethod;
  /** Path and query, e.g. /api/passkeys/abc?acknowledgeLastPasskey=true */
  path: string;
  /** JSON body to send; undefined = no body at all. */
  body?: unknown;
  /** Access token for an Authorization: Bearer header (the desktop); the phone uses its cookie. */
  bearer?: string;
};

/** Sends one request; resolves to the parsed JSON answer of a 2xx, rejects otherwise. */
export type Transport = (request: TransportRequest) => Promise<unknown>;

type Empty = Record<string, never>;
type Maybe<T> = [T] extends [never] ? { params?: never } : { params: T };
type MaybeQuery<T> = [T] extends [never] ? { query?: never } : { query?: Partial<T> };
/** Routes without a body schema still let a client send `{}` (some always did). */
type MaybeBody<T> = [T] extends [never] ? { body?: Empty } : { body: T };

export type CallInput<N extends RouteName> = Maybe<ParamsOf<N>> &
  MaybeQuery<QueryOf<N>> &
  MaybeBody<BodyOf<N>> & { bearer?: string };

export type RouteCall = <N extends RouteName>(
  name: N,
  ...input: Record<never, never> extends CallInput<N> ? [CallInput<N>?] : [CallInput<N>]
) => Promise<ResponseOf<N>>;

function queryString(query: Record<string, unknown> | undefined): string {
  if (!query) return '';
  const pairs = Object.entries(query)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  return pairs.length > 0 ? `?${pairs.join('&')}` : '';
}

export function createRouteClient(transport: Transport): RouteCall {
  return (async (name: RouteName, input: Partial<CallInput<RouteName>> = {}) => {
    const spec = routes[name];
    const { params, query, body, bearer } = input as {
      params?: Record<string, string>;
      query?: Record<string, unknown>;
      body?: unknown;
      bearer?: string;
    };
    const path = fillPath(spec.path, params) + queryString(query);
    return transport({ route: name, method: spec.method, path, body, bearer });
  }) as RouteCall;
}
