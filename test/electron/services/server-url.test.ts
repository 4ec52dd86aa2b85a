/**
 * The one server-URL check shared by the CLI and the desktop app: good URLs become their origin,
 * anything else is a ServerUrlError with one plain message (never a bare "Invalid URL").
 */
import assert from 'node:assert/strict';
import { test } from 'vitest';
import { DEFAULT_SERVER_URL, serverUrlFrom } from '../../../electron/app-core';
import { parseServerUrl, ServerUrlError } from '../../../electron/services/server-url';

test('http(s) URLs become their origin', () => {
  assert.equal(parseServerUrl('http://127.0.0.1:8787'), 'http://127.0.0.1:8787');
  assert.equal(
    parseServerUrl('https://keys.example.com/some/path?q=1'),
    'https://keys.example.com',
  );
});

for (const raw of ['foo', '', 'ftp://example.com', 'javascript:alert(1)', '127.0.0.1:8787']) {
  test(`${JSON.stringify(raw)} is refused with a plain message`, () => {
    assert.throws(
      () => parseServerUrl(raw),
      (error: unknown) =>
        error instanceof ServerUrlError &&
        error.message.startsWith(`Not a server URL: ${raw} (expected http`) &&
        !/Invalid URL/.test(error.message),
    );
  });
}

test('the desktop app reads --server=, --server <url>, then KEYBRIDGE_SERVER_URL, then the default', () => {
  const env = { KEYBRIDGE_SERVER_URL: 'http://env.localhost:9000/' };
  assert.equal(serverUrlFrom(['--server=http://a.localhost:1/x'], env), 'http://a.localhost:1');
  assert.equal(serverUrlFrom(['--server', 'https://b.example'], env), 'https://b.example');
  assert.equal(serverUrlFrom([], env), 'http://env.localhost:9000');
  assert.equal(serverUrlFrom([], {}), DEFAULT_SERVER_URL);
});

test('the desktop app refuses a bad --server or KEYBRIDGE_SERVER_URL before any client is built', () => {
  assert.throws(() => serverUrlFrom(['--server=foo'], {}), ServerUrlError);
  assert.throws(() => serverUrlFrom([], { KEYBRIDGE_SERVER_URL: 'nope' }), ServerUrlError);
});
