/**
 * Checks one HTTP answer against the route table (server/protocol/routes.ts): a success must
 * have the route's status and parse with its response schema; a failure must be the error
 * shape with a code the route lists (or one every route may answer). The server tests' `call`
 * (test/support/http.ts) runs it on every answer, so the table cannot drift from the server.
 */
import {
  errorCodesOf,
  routeFor,
  routes,
  type RouteName,
  type RouteSpec,
} from '../../server/protocol/routes';
import { ApiErrorBody } from '../../server/protocol/api';

export class ContractViolation extends Error {
  override readonly name = 'ContractViolation';
}

function describe(issues: { path: PropertyKey[]; message: string }[]): string {
  return issues
    .slice(0, 5)
    .map((i) => `${i.path.map(String).join('.') || '(body)'}: ${i.message}`)
    .join('; ');
}

/** Throws ContractViolation when the answer breaks the table; returns the route, if any. */
export function checkAnswer(
  method: string,
  pathAndQuery: string,
  status: number,
  body: unknown,
): RouteName | undefined {
  const path = pathAndQuery.split('?')[0] ?? '';
  const name = routeFor(method, path);
  const where = `${method.toUpperCase()} ${path}`;
  if (status >= 400) {
    if (!name) {
      // Outside the table (/readyz's 503, a static file under /m/): only an error body that
      // claims the error shape (the not-found handler's) is held to it.
      const claims = typeof body === 'object' && body !== null && 'error' in body;
      if (!claims) return undefined;
    } else if (typeof body !== 'object' || body === null) {
      throw new ContractViolation(`${where} answered ${status} without a JSON body`);
    }
    const parsed = ApiErrorBody.safeParse(body);
    if (!parsed.success) {
      throw new ContractViolation(
        `${where} answered ${status} with a body that is not the error shape: ${describe(parsed.error.issues)}`,
      );
    }
    // No route (unknown path or method): the not-found handler or a framework error answers.
    if (name && !errorCodesOf(name).includes(parsed.data.error.code)) {
      throw new ContractViolation(
        `${where} (${name}) answered code ${parsed.data.error.code}, which the table does not list`,
      );
    }
    return name;
  }
  if (!name) return undefined;
  const spec: RouteSpec = routes[name];
  const expected = spec.status ?? 200;
  if (status !== expected) {
    throw new ContractViolation(
      `${where} (${name}) answered ${status}, the table says ${expected}`,
    );
  }
  const parsed = spec.response.safeParse(body);
  if (!parsed.success) {
    throw new ContractViolation(
      `${where} (${name}) answered a body the table does not allow: ${describe(parsed.error.issues)}`,
    );
  }
  return name;
}
