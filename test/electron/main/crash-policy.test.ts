/**
 * The main process's policy for errors nobody handled (electron/shell/crash-policy.ts), on a
 * stand-in process object: a stray rejection is logged and told in plain words (at most once a
 * minute) and the app goes on; an uncaught exception is logged, told, and the app exits. No
 * secret from an error message reaches the log, and none reaches the person (fixed wording).
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'vitest';
import {
  BACKGROUND_NOTICE,
  describeError,
  FATAL_NOTICE,
  installCrashPolicy,
  type UserNotice,
} from '../../../electron/shell/crash-policy';

const QR_LINK = 'https://exchange.localhost/m/pair?x=1#v1.c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0';
const TOKEN = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ';

function setup() {
  const proc = new EventEmitter();
  const logs: string[] = [];
  const told: UserNotice[] = [];
  const exits: number[] = [];
  let clock = 0;
  const policy = installCrashPolicy(proc as never, {
    log: (l) => logs.push(l),
    tell: (n) => told.push(n),
    exit: (c) => exits.push(c),
    now: () => clock,
  });
  return { proc, logs, told, exits, policy, advance: (ms: number) => (clock += ms) };
}

test('a rejection nobody handled: one scrubbed log line, plain words, the app goes on', () => {
  const s = setup();
  const error = Object.assign(new Error(`could not reach ${QR_LINK} with Bearer ${TOKEN}`), {
    code: 'ECONNRESET',
  });
  s.proc.emit('unhandledRejection', error, Promise.resolve());
  assert.equal(s.logs.length, 1);
  assert.match(s.logs[0]!, /^\[keybridge\] unhandled rejection: Error \[ECONNRESET\]: /);
  assert.match(s.logs[0]!, /https:\/\/exchange\.localhost\//, 'the origin stays: it helps');
  for (const secret of ['c2VjcmV0', 'pair?x=1', TOKEN, 'eyJzdWIi']) {
    assert.equal(s.logs[0]!.includes(secret), false, secret);
  }
  assert.deepEqual(s.told, [BACKGROUND_NOTICE]);
  assert.deepEqual(s.exits, [], 'no exit for a background failure');

  // A burst of them is told once; after a quiet minute, again.
  s.proc.emit('unhandledRejection', new Error('again'), Promise.resolve());
  s.proc.emit('unhandledRejection', 'a string reason', Promise.resolve());
  assert.equal(s.told.length, 1);
  assert.equal(s.logs.length, 3, 'every one is logged');
  assert.match(s.logs[2]!, /Error: a string reason$/);
  s.advance(60_000);
  s.proc.emit('unhandledRejection', new Error('later'), Promise.resolve());
  assert.equal(s.told.length, 2);
});

test('an uncaught exception: logged, told plainly once, the app exits with 1', () => {
  const s = setup();
  s.proc.emit('uncaughtException', new TypeError(`boom ${TOKEN}`));
  s.proc.emit('uncaughtException', new Error('second, while closing'));
  assert.deepEqual(s.told, [FATAL_NOTICE]);
  assert.deepEqual(s.exits, [1]);
  assert.equal(s.logs.length, 2);
  assert.match(s.logs[0]!, /^\[keybridge\] uncaught exception: TypeError: boom \[redacted\]$/);
  // No stack, no message in what the person reads.
  for (const n of s.told) assert.doesNotMatch(n.message, /boom|TypeError|at /);
});

test('describeError: name and message only, never a stack or a long opaque value', () => {
  const e = new Error(`refresh failed for ${TOKEN}`);
  assert.equal(describeError(e), 'Error: refresh failed for [redacted]');
  assert.equal(describeError(null), 'Error: no message');
  assert.equal(describeError({ name: 'X', message: 42 }), 'X: no message');
  assert.ok(describeError(new Error('x'.repeat(5000))).length < 320);
});
