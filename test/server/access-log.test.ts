/**
 * server/http/access-log.ts: one access line per request with method, path, client address,
 * status and time, and nothing else from the request (no headers, no body, no cookie); none at
 * a level above info. test/server/secrets-in-logs.test.ts searches every line for secrets.
 */
import assert from 'node:assert/strict';
import { afterEach, test } from 'vitest';
import { startTestServer, type TestServer } from '../support/server';
import { call } from '../support/http';

let srv: TestServer | undefined;
afterEach(async () => {
  await srv?.close();
  srv = undefined;
});

const lines = (logs: string) =>
  logs
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

test('one line per request, of fixed fields only', async () => {
  srv = await startTestServer({ logLevel: 'info' });
  const password = 'Access-log-passw0rd-never-logged';
  const res = await call(srv.url, '/api/auth/password', {
    body: { email: 'nobody@example.com', password, client: 'desktop' },
    headers: { cookie: 'kb_session=secret-cookie-value', authorization: 'Bearer secret-bearer' },
  });
  assert.equal(res.status >= 400 && res.status < 500, true, `status ${res.status}`);
  await call(srv.url, '/readyz');
  const access = lines(srv.logs()).filter((l) => l.msg === 'request completed');
  assert.equal(access.length, 2, JSON.stringify(access));
  const [login, ready] = access;
  assert.deepEqual(Object.keys(login!).sort(), [
    'hostname',
    'level',
    'msg',
    'pid',
    'req',
    'reqId',
    'res',
    'responseTime',
    'time',
  ]);
  assert.deepEqual(login!.req, {
    method: 'POST',
    url: '/api/auth/password',
    remoteAddress: '127.0.0.1',
  });
  assert.deepEqual(login!.res, { statusCode: res.status });
  assert.equal(typeof login!.responseTime, 'number');
  assert.deepEqual(ready!.req, { method: 'GET', url: '/readyz', remoteAddress: '127.0.0.1' });
  assert.equal(lines(srv.logs()).filter((l) => l.msg === 'incoming request').length, 0);
  for (const secret of [password, 'secret-cookie-value', 'secret-bearer'])
    assert.ok(!srv.logs().includes(secret), `${secret} was logged`);
});

test('no access lines above info', async () => {
  srv = await startTestServer({ logLevel: 'warn' });
  await call(srv.url, '/readyz');
  assert.equal(lines(srv.logs()).filter((l) => l.msg === 'request completed').length, 0);
});
