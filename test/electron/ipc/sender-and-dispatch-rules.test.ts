/**
 * The IPC gate (electron/ipc/sender.ts, electron/ipc/dispatch.ts) as rules (issue 12): only
 * the top frame of a registered window on app://keybridge may call; every argument is parsed
 * with the contract's schema before a handler runs; a bad call answers a coded error and never
 * throws; only unexpected errors are logged, and their text never reaches the renderer.
 * Handlers here are plain functions: the boundary under test is the parse-and-answer step.
 */
import assert from 'node:assert/strict';
import { test } from 'vitest';
import { APP_ORIGIN, type HandlerMap } from '../../../electron/ipc/contract';
import { dispatch, isInvokeChannel } from '../../../electron/ipc/dispatch';
import { ShellError } from '../../../electron/ipc/errors';
import { isTrustedSender, originOf } from '../../../electron/ipc/sender';

const trusted = new Set([7]);
const top = (frameUrl: string | null | undefined, webContentsId = 7) => ({
  frameUrl,
  webContentsId,
  topFrame: true,
});

test('the app origin is app://keybridge and custom-scheme origins are built from their parts', () => {
  assert.equal(APP_ORIGIN, 'app://keybridge');
  assert.equal(originOf('app://keybridge/index.html#/settings'), 'app://keybridge');
  assert.equal(originOf('app://keybridge.evil/index.html'), 'app://keybridge.evil');
  assert.equal(originOf('https://keybridge.localhost/x?y'), 'https://keybridge.localhost');
  assert.equal(originOf('http://127.0.0.1:5173/'), 'http://127.0.0.1:5173');
  assert.equal(originOf(''), null);
  assert.equal(originOf(null), null);
  assert.equal(originOf(undefined), null);
  assert.equal(originOf('not a url'), null);
});

test('a trusted sender is the top frame of a registered window on the app origin, nothing less', () => {
  assert.equal(isTrustedSender(top('app://keybridge/index.html'), trusted), true);
  assert.equal(
    isTrustedSender(top('app://keybridge/index.html', 8), trusted),
    false,
    'unknown window',
  );
  assert.equal(
    isTrustedSender({ ...top('app://keybridge/index.html'), topFrame: false }, trusted),
    false,
    'a child frame',
  );
  for (const url of [
    'app://keybridge.evil/index.html',
    'app://evil/index.html',
    'https://keybridge/index.html',
    'file:///index.html',
    'about:blank',
    null,
    undefined,
  ]) {
    assert.equal(isTrustedSender(top(url), trusted), false, String(url));
  }
  // The browser harness passes its own origin.
  assert.equal(
    isTrustedSender(top('http://127.0.0.1:5173/'), trusted, 'http://127.0.0.1:5173'),
    true,
  );
  assert.equal(isTrustedSender(top('app://keybridge/'), trusted, 'http://127.0.0.1:5173'), false);
});

/** Handlers that record what they were given; every channel the test does not use throws. */
function handlers(seen: unknown[]): HandlerMap {
  return new Proxy({} as HandlerMap, {
    get: (_t, channel: string) => async (args: unknown) => {
      seen.push([channel, args]);
      if (channel === 'app:info') return { version: '1.0.0' };
      if (channel === 'auth:signOut')
        throw new ShellError('not_signed_in', 'You are not signed in.');
      if (channel === 'account:me') throw new Error('secret-token-abc at /home/user/.keybridge');
      return null;
    },
  });
}

test('arguments are parsed before the handler: wrong shape, extra fields or extra values never reach it', async () => {
  const seen: unknown[] = [];
  const h = handlers(seen);
  const ctx = { senderId: 7 };
  const bad: [Parameters<typeof dispatch>[1], unknown[]][] = [
    ['qr:submitCode', [{ code: '12' }]],
    ['qr:submitCode', [{ code: '123456', extra: true }]],
    ['qr:submitCode', []],
    ['auth:password', [{ email: 'a@example.com', password: '' }]],
    ['app:info', [{ anything: 1 }]],
    ['app:info', [undefined, 'second']],
    ['sessions:revoke', [{ id: 42 }]],
  ];
  for (const [channel, args] of bad) {
    const r = await dispatch(h, channel, args, ctx);
    assert.equal(r.ok, false, `${channel} ${JSON.stringify(args)}`);
    assert.equal(!r.ok && r.error.code, 'invalid_arguments');
  }
  assert.deepEqual(seen, [], 'no handler ran');
  const tooMany = await dispatch(h, 'app:info', [undefined, undefined], ctx);
  assert.equal(!tooMany.ok && tooMany.error.message, 'Invalid request (too many arguments).');
});

test('a valid call reaches its handler with the parsed value and answers ok', async () => {
  const seen: unknown[] = [];
  const h = handlers(seen);
  assert.deepEqual(await dispatch(h, 'app:info', [], { senderId: 7 }), {
    ok: true,
    value: { version: '1.0.0' },
  });
  const r = await dispatch(h, 'qr:submitCode', [{ code: '123456' }], { senderId: 7 });
  assert.equal(r.ok, true);
  assert.deepEqual(seen, [
    ['app:info', undefined],
    ['qr:submitCode', { code: '123456' }],
  ]);
});

test('handler errors: known ones keep their code, unknown ones are logged and answered generically', async () => {
  const logged: [string, unknown][] = [];
  const log = (channel: string, error: unknown) => logged.push([channel, error]);
  const h = handlers([]);
  const known = await dispatch(h, 'auth:signOut', [], { senderId: 7 }, log);
  assert.deepEqual(known, {
    ok: false,
    error: { code: 'not_signed_in', message: 'You are not signed in.' },
  });
  assert.deepEqual(logged, [], 'an error we raised on purpose is not logged');
  const unknown = await dispatch(h, 'account:me', [], { senderId: 7 }, log);
  assert.equal(!unknown.ok && unknown.error.code, 'internal');
  assert.ok(!JSON.stringify(unknown).includes('secret-token-abc'), 'the text stays in main');
  assert.equal(logged.length, 1);
  assert.equal(logged[0]?.[0], 'account:me');
  // Without a logger it still answers (the default swallows).
  assert.equal((await dispatch(h, 'account:me', [], { senderId: 7 })).ok, false);
});

test('only the contract’s own channels are invoke channels', () => {
  assert.equal(isInvokeChannel('app:info'), true);
  assert.equal(isInvokeChannel('qr:submitCode'), true);
  for (const c of ['toString', '__proto__', 'constructor', 'app:nope', '', 42, null, undefined]) {
    assert.equal(isInvokeChannel(c), false, String(c));
  }
  // Not a string, even one that turns into a channel name when used as a key.
  const lookalike = { toString: () => 'app:info' };
  assert.equal(isInvokeChannel(lookalike), false, 'an object that stringifies to a channel');
  assert.equal(isInvokeChannel(['app:info']), false, 'an array of one channel name');
});
