/**
 * What the renderer hears when a call fails (electron/ipc/errors.ts), issue 12: a refused
 * argument names the field and zod's words, never the value (it may be a password); errors
 * the shell knows keep their code and words (a server's wait time too, a keychain's plain
 * words but never its raw D-Bus text); anything else is one generic sentence, so a stack, a
 * path or a token never crosses to the renderer. Through dispatch, the one door every call
 * takes (electron/ipc/dispatch.ts).
 */
import assert from 'node:assert/strict';
import { test, vi } from 'vitest';
import type { HandlerMap } from '../../../electron/ipc/contract';
import { dispatch } from '../../../electron/ipc/dispatch';
import { ShellError } from '../../../electron/ipc/errors';
import { ApiError } from '../../../electron/services/api-client';
import { KeychainUnavailableError } from '../../../electron/services/token-vault';

const ctx = { senderId: 7 };
const PASSWORD = 'hunter2-secret-password';

/** Every handler throws `error` (or answers when it is undefined). */
function throwing(error: unknown): HandlerMap {
  return new Proxy({} as HandlerMap, {
    get: () => async () => {
      if (error === undefined) return { done: true };
      throw error;
    },
  });
}

test('a refused argument names the field and the rule, never the value', async () => {
  const r = await dispatch(
    throwing(undefined),
    'auth:password',
    [{ email: PASSWORD, password: PASSWORD.repeat(20) }],
    ctx,
  );
  assert.equal(r.ok, false);
  assert.ok(!r.ok);
  assert.equal(r.error.code, 'invalid_arguments');
  assert.match(r.error.message, /^Invalid request \(email: .+; password: .+\)\.$/);
  assert.ok(!r.error.message.includes(PASSWORD), 'never the offending value');
  assert.deepEqual(Object.keys(r.error), ['code', 'message']);
});

test('a wrong argument as a whole is "arguments"; at most three problems are named', async () => {
  const whole = await dispatch(throwing(undefined), 'qr:submitCode', ['123456'], ctx);
  assert.ok(!whole.ok);
  assert.match(whole.error.message, /^Invalid request \(arguments: [^;]+\)\.$/);

  const noArgs = await dispatch(throwing(undefined), 'app:info', [{ x: 1 }], ctx);
  assert.ok(!noArgs.ok);
  assert.match(noArgs.error.message, /^Invalid request \(arguments: [^;]+\)\.$/);

  // Four problems (three wrong fields, one unknown key): the first three are named, in order.
  const many = await dispatch(
    throwing(undefined),
    'auth:password',
    [{ email: 1, password: 2, totp: 3, extra: PASSWORD }],
    ctx,
  );
  assert.ok(!many.ok);
  const named = many.error.message.replace(/^Invalid request \((.*)\)\.$/, '$1').split('; ');
  assert.deepEqual(
    named.map((part) => part.split(':')[0]),
    ['email', 'password', 'totp'],
    many.error.message,
  );
  assert.ok(!many.error.message.includes(PASSWORD));

  // A nested field is named by its whole path.
  const { z } = await import('zod');
  const nested = z
    .strictObject({ a: z.strictObject({ b: z.string() }) })
    .safeParse({ a: { b: 1 } });
  assert.equal(nested.success, false);
  const fromNested = await dispatch(throwing(nested.error), 'app:info', [], ctx);
  assert.ok(!fromNested.ok);
  assert.match(fromNested.error.message, /^Invalid request \(a\.b: [^;]+\)\.$/);
});

test('errors the shell raised on purpose keep their code and words', async () => {
  const r = await dispatch(
    throwing(new ShellError('not_signed_in', 'You are not signed in.')),
    'account:me',
    [],
    ctx,
  );
  assert.deepEqual(r, {
    ok: false,
    error: { code: 'not_signed_in', message: 'You are not signed in.' },
  });
  assert.equal(new ShellError('internal', 'x').name, 'ShellError');
});

test('a server refusal keeps its code and words, and its wait time only when it gave one', async () => {
  const limited = await dispatch(
    throwing(new ApiError(429, 'rate_limited', 'Too many attempts.', { retryAfterSeconds: 0 })),
    'auth:password',
    [{ email: 'a@example.com', password: 'p' }],
    ctx,
  );
  // Zero is a wait time too (retry now), not "none given".
  assert.deepEqual(limited, {
    ok: false,
    error: { code: 'rate_limited', message: 'Too many attempts.', retryAfterSeconds: 0 },
  });
  const waited = await dispatch(
    throwing(new ApiError(429, 'rate_limited', 'Too many attempts.', { retryAfterSeconds: 30 })),
    'account:me',
    [],
    ctx,
  );
  assert.ok(!waited.ok);
  assert.equal(waited.error.retryAfterSeconds, 30);
  const plain = await dispatch(
    throwing(
      new ApiError(401, 'invalid_credentials', 'Wrong email or password.', { issues: ['x'] }),
    ),
    'account:me',
    [],
    ctx,
  );
  assert.deepEqual(plain, {
    ok: false,
    error: { code: 'invalid_credentials', message: 'Wrong email or password.' },
  });
  assert.ok(!plain.ok && !('retryAfterSeconds' in plain.error), 'no wait time made up');
});

test('a keychain failure answers its plain words, never the raw D-Bus text', async () => {
  const raw = 'org.freedesktop.DBus.Error.ServiceUnknown at /run/user/1000/bus';
  const error = new KeychainUnavailableError(`no Secret Service is running [${raw}]`);
  const r = await dispatch(throwing(error), 'keychain:status', [], ctx);
  assert.deepEqual(r, {
    ok: false,
    error: { code: 'keychain_unavailable', message: error.message },
  });
  assert.ok(!JSON.stringify(r).includes(raw));
});

test('anything else is one generic sentence, whatever it carried', async () => {
  const logged: unknown[] = [];
  for (const thrown of [
    new Error(`token ${PASSWORD} at /home/user/.config/keybridge`),
    new TypeError('x is not a function'),
    `a string ${PASSWORD}`,
    { code: 'not_signed_in', message: 'an object that looks like ours' },
    null,
  ]) {
    const r = await dispatch(throwing(thrown), 'account:me', [], ctx, (_c, e) => logged.push(e));
    assert.deepEqual(r, {
      ok: false,
      error: {
        code: 'internal',
        message: 'Something went wrong inside Keybridge. Please try again.',
      },
    });
  }
  assert.equal(logged.length, 5, 'each kept for the main-process log');
});

// Imported afresh: FORBIDDEN_RESULT is built when errors.ts loads, and a mutation run
// activates a mutant only after this file loaded (docs/mutation.md, static mutants).
test('a caller that failed the sender check hears forbidden_sender, in words', async () => {
  vi.resetModules();
  const { FORBIDDEN_RESULT } = await import('../../../electron/ipc/errors');
  assert.deepEqual(FORBIDDEN_RESULT, {
    ok: false,
    error: { code: 'forbidden_sender', message: 'This window may not talk to Keybridge.' },
  });
});
