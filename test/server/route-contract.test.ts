/**
 * The route table (server/protocol/routes.ts) is the one HTTP contract: the server registers
 * every route from it and no /api route beside it, each client method of the desktop and the
 * phone is one of its routes, and the answer checker the server tests use
 * (support/contract-check.ts) refuses what the table does not allow.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'vitest';
import Fastify from 'fastify';
import { routes, routeFor, type RouteName, type RouteSpec } from '../../server/protocol/routes';
import { ApiErrorBody, ErrorCode } from '../../server/protocol/api';
import { createRouteClient, type TransportRequest } from '../../server/protocol/route-client';
import { installErrorHandling } from '../../server/http/errors';
import { createApiClient, desktopEndpoints } from '../../electron/services/api-client';
import { phoneEndpoints } from '../../server/phone/lib/api';
import { startTestServer } from '../support/server';
import { call, desktopLogin } from '../support/http';
import { accountWithPasskey } from './support/passkey-account';
import { ContractViolation, checkAnswer } from '../support/contract-check';

const names = Object.keys(routes) as RouteName[];
const spec = (name: RouteName): RouteSpec => routes[name];

test('every route of the table is registered on the server, once per method and path', async (t) => {
  const srv = await startTestServer();
  t.onTestFinished(() => srv.close());
  const seen = new Set<string>();
  for (const name of names) {
    const { method, path: url } = spec(name);
    assert.ok(srv.server.app.hasRoute({ method, url }), `${name}: ${method} ${url} not registered`);
    assert.ok(!seen.has(`${method} ${url}`), `${name}: ${method} ${url} twice in the table`);
    seen.add(`${method} ${url}`);
    assert.equal(routeFor(method, url.replace(/:[A-Za-z]+/g, 'abcdefgh')), name);
  }
  // A route the table lists answers through its handler, not the not-found handler.
  const config = await call(srv.url, '/api/config');
  assert.equal(config.status, 200);
});

test('no module registers an /api route beside the table', () => {
  const offenders: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'phone') walk(full);
      } else if (/\.ts$/.test(entry.name)) {
        const text = fs.readFileSync(full, 'utf8');
        const direct =
          /\bapp\.(get|post|put|patch|delete|head|all|route)\(\s*(\{\s*method[^}]*url:\s*)?'\/api/;
        if (direct.test(text)) offenders.push(full);
      }
    }
  };
  walk(path.join(import.meta.dirname, '../../server'));
  assert.deepEqual(offenders, []);
});

/** Records what a client would send instead of sending it; answers nothing. */
function recorder() {
  const sent: TransportRequest[] = [];
  const call = createRouteClient(async (request) => {
    sent.push(request);
    // Sign-ins must answer tokens for the desktop; any object will do for the rest.
    return { accessToken: 'a', refreshToken: 'r', expiresIn: 1, user: {}, sessionId: 's' };
  });
  return { sent, call };
}

async function routesCalledBy(
  endpoints: Record<string, unknown>,
  sent: TransportRequest[],
): Promise<Map<string, TransportRequest>> {
  const used = new Map<string, TransportRequest>();
  for (const [method, fn] of Object.entries(endpoints)) {
    if (typeof fn !== 'function') continue;
    const before = sent.length;
    // Plain strings for every argument: ids, tokens and codes are not checked by the client.
    await (fn as (...args: unknown[]) => Promise<unknown>)('abcdefgh', 'abcdefgh', 'abcdefgh');
    assert.equal(sent.length - before, 1, `${method} should send exactly one request`);
    used.set(method, sent[sent.length - 1]!);
  }
  return used;
}

function checkMapping(client: string, used: Map<string, TransportRequest>) {
  for (const [method, request] of used) {
    const route = spec(request.route);
    assert.equal(request.method, route.method, `${client}.${method}`);
    const bare = request.path.split('?')[0] ?? '';
    assert.equal(routeFor(request.method, bare), request.route, `${client}.${method}: ${bare}`);
    if (!('body' in route) || route.body === undefined) {
      assert.ok(
        request.body === undefined || JSON.stringify(request.body) === '{}',
        `${client}.${method} sends a body to ${request.route}, which takes none`,
      );
    }
  }
}

test('every desktop and phone client method is one route of the table', async (t) => {
  const forDesktop = recorder();
  const desktop = await routesCalledBy(desktopEndpoints(forDesktop.call), forDesktop.sent);
  checkMapping('desktop', desktop);

  // The phone names its browser in passkey bodies; Node 20 has no navigator.
  const hadNavigator = 'navigator' in globalThis;
  if (!hadNavigator) {
    Object.defineProperty(globalThis, 'navigator', {
      value: { userAgent: 'contract-test' },
      configurable: true,
    });
    t.onTestFinished(() => void Reflect.deleteProperty(globalThis, 'navigator'));
  }
  const forPhone = recorder();
  const phone = await routesCalledBy(phoneEndpoints(forPhone.call), forPhone.sent);
  checkMapping('phone', phone);

  // Every route has a caller: a route no client uses is dead contract.
  const called = new Set([...desktop.values(), ...phone.values()].map((r) => r.route));
  assert.deepEqual(
    names.filter((n) => !called.has(n)),
    [],
  );
  // The desktop's renamed passkey and a delete that acknowledges the last one.
  assert.equal(desktop.get('renamePasskey')?.path, '/api/passkeys/abcdefgh');
  const once = recorder();
  await desktopEndpoints(once.call).deletePasskey('t', 'a/b', true);
  assert.equal(once.sent[0]?.path, '/api/passkeys/a%2Fb?acknowledgeLastPasskey=true');
});

test('the answer checker refuses what the table does not allow', () => {
  const config = { rpId: 'x', phoneOrigin: 'http://x', tunnelProtocol: 1 };
  assert.equal(checkAnswer('GET', '/api/config', 200, config), 'config');
  assert.throws(
    () => checkAnswer('GET', '/api/config', 200, { ...config, secret: 'leak' }),
    ContractViolation,
  );
  assert.throws(() => checkAnswer('GET', '/api/config', 201, config), /the table says 200/);
  assert.throws(
    () => checkAnswer('GET', '/api/me', 403, { error: { code: 'last_passkey', message: 'm' } }),
    /does not list/,
  );
  assert.throws(() => checkAnswer('GET', '/api/me', 401, { oops: true }), /not the error shape/);
  assert.equal(
    checkAnswer('GET', '/api/me', 401, { error: { code: 'unauthorized', message: 'm' } }),
    'me',
  );
  // Outside the table: /readyz answers its own 503 shape; an error body must still be the shape.
  assert.equal(checkAnswer('GET', '/readyz', 503, { ok: false, checks: {} }), undefined);
  assert.throws(() => checkAnswer('GET', '/nowhere', 404, { error: 'x' }), /not the error shape/);
  assert.equal(
    checkAnswer('PUT', '/api/nowhere', 404, { error: { code: 'not_found', message: 'm' } }),
    undefined,
  );
});

test("a bug answers 500 'internal', a code of the table's error schema", async (t) => {
  assert.ok(ErrorCode.options.includes('internal'));
  const app = Fastify({ logger: false });
  t.onTestFinished(() => app.close());
  installErrorHandling(app);
  app.get('/boom', async () => {
    throw new Error('a bug');
  });
  const res = await app.inject({ method: 'GET', url: '/boom' });
  assert.equal(res.statusCode, 500);
  const body = ApiErrorBody.parse(res.json());
  assert.equal(body.error.code, 'internal');
});

test('the desktop renames a passkey and gets the view the server sends', async (t) => {
  const srv = await startTestServer();
  t.onTestFinished(() => srv.close());
  const email = 'rename@example.com';
  await accountWithPasskey(srv.url, srv.phoneOrigin, email);
  const tokens = await desktopLogin(srv.url, email);
  const api = createApiClient({ serverUrl: srv.url });
  t.onTestFinished(() => api.close());
  const [passkey] = (await api.passkeys(tokens.accessToken)).passkeys;
  assert.ok(passkey, 'the account has its passkey');
  const renamed = await api.renamePasskey(tokens.accessToken, passkey.id, 'Work phone');
  assert.equal(renamed.id, passkey.id);
  assert.equal(renamed.name, 'Work phone');
  assert.equal(checkAnswer('PATCH', `/api/passkeys/${passkey.id}`, 200, renamed), 'renamePasskey');
});
