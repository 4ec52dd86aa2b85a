/**
 * The IPC contract's argument rules (electron/ipc/contract.ts `RequestSchemas`, issue 12): what
 * the main process lets through to a handler from the renderer, the least trusted part of the
 * app. Every channel is asserted as the rule it keeps, at the real boundary (dispatch): valid
 * arguments reach the handler parsed; wrong types, missing and extra fields, empty and over-long
 * strings and malformed codes and ids answer `invalid_arguments` and the handler never runs.
 *
 * The modules are imported afresh inside every test (`fresh()`), not at the top: the schemas are
 * built when contract.ts loads, and under a per-module mutation run Stryker activates a mutant
 * only after the test file loaded, so a top-level import would always test the unmutated schemas
 * (scripts/mutation.sh's FRESH_IMPORT_MODULES).
 */
import assert from 'node:assert/strict';
import { test, vi } from 'vitest';
import type * as ContractModule from '../../../electron/ipc/contract';
import type { HandlerMap, InvokeChannel } from '../../../electron/ipc/contract';
import type * as DispatchModule from '../../../electron/ipc/dispatch';

type Fresh = typeof ContractModule & Pick<typeof DispatchModule, 'dispatch'>;

async function fresh(): Promise<Fresh> {
  vi.resetModules();
  const contract = await import('../../../electron/ipc/contract');
  // dispatch.ts imports the contract loaded just above: one fresh copy for both.
  const { dispatch } = await import('../../../electron/ipc/dispatch');
  return { ...contract, dispatch };
}

/**
 * Calls `channel` through dispatch once per sample with a handler that records what reached it:
 * each of `accept` must answer ok and reach the handler (as `parsed` says, when given), each of
 * `refuse` must answer invalid_arguments with the handler never run. `undefined` is a call
 * without arguments.
 */
async function holds(
  t: Fresh,
  channel: InvokeChannel,
  rule: { accept: unknown[]; refuse: unknown[]; parsed?: (sample: unknown) => unknown },
) {
  const seen: unknown[] = [];
  const handlers = Object.fromEntries(
    Object.keys(t.RequestSchemas).map((c) => [
      c,
      (args: unknown) => {
        seen.push(args);
        return Promise.resolve({ done: true });
      },
    ]),
  ) as unknown as HandlerMap;
  const call = (sample: unknown) =>
    t.dispatch(handlers, channel, sample === undefined ? [] : [sample], { senderId: 1 });

  for (const sample of rule.accept) {
    seen.length = 0;
    const r = await call(sample);
    assert.ok(r.ok, `${channel} refused ${JSON.stringify(sample)}`);
    assert.equal(seen.length, 1);
    if (rule.parsed) assert.deepEqual(seen[0], rule.parsed(sample));
  }
  for (const sample of rule.refuse) {
    seen.length = 0;
    const r = await call(sample);
    assert.ok(!r.ok, `${channel} accepted ${JSON.stringify(sample)}`);
    assert.equal(r.error.code, 'invalid_arguments', `${channel} ${JSON.stringify(sample)}`);
    assert.deepEqual(seen, [], `${channel} ran its handler for ${JSON.stringify(sample)}`);
  }
}

const NO_ARG_CHANNELS = [
  'app:info',
  'session:get',
  'session:restore',
  'keychain:status',
  'qr:start',
  'qr:cancel',
  'qr:copyLink',
  'auth:signOut',
  'auth:stepUpStart',
  'account:me',
  'passkeys:list',
  'passkeys:addStart',
  'totp:setup',
  'totp:disable',
  'sessions:list',
  'sessions:revokeOthers',
  'activity:list',
] as const;
const ARG_CHANNELS = [
  'qr:submitCode',
  'qr:confirmPhone',
  'auth:password',
  'auth:stepUp',
  'account:changePassword',
  'passkeys:rename',
  'passkeys:delete',
  'totp:confirm',
  'sessions:revoke',
  'shell:openExternal',
] as const;

/** Values of the wrong kind for any field or argument. */
const NOT_A_STRING = [1, true, null, [], {}];
const ID = 'AZaz09_-'; // 8 base64url characters, range ends included
const pw = (n: number) => 'p'.repeat(n);

test('the invoke channels are exactly these 27, one schema each, matching the preload methods', async () => {
  const t = await fresh();
  assert.deepEqual(
    Object.keys(t.RequestSchemas).sort(),
    [...NO_ARG_CHANNELS, ...ARG_CHANNELS].sort(),
  );
  assert.deepEqual(Object.keys(t.RequestSchemas).sort(), Object.values(t.ApiMethods).sort());
  for (const c of Object.keys(t.RequestSchemas) as InvokeChannel[]) {
    assert.equal(typeof t.RequestSchemas[c].safeParse, 'function', c);
  }
});

test('a channel without arguments takes none: any value at all is refused', async () => {
  const t = await fresh();
  for (const channel of NO_ARG_CHANNELS) {
    await holds(t, channel, {
      accept: [undefined],
      refuse: [null, {}, { x: 1 }, [], '', 'x', 0, false],
    });
  }
});

test('qr:submitCode takes the six digits the phone shows, nothing else', async () => {
  const t = await fresh();
  await holds(t, 'qr:submitCode', {
    accept: [{ code: '012345' }, { code: '999999' }],
    parsed: (s) => s,
    refuse: [
      { code: '12345' },
      { code: '1234567' },
      { code: '12345a' },
      { code: ' 123456' },
      { code: '' },
      { code: 123456 },
      {},
      { code: '123456', triesLeft: 5 },
      '123456',
      null,
    ],
  });
});

test('qr:confirmPhone takes a yes or a no as a boolean, nothing else', async () => {
  const t = await fresh();
  await holds(t, 'qr:confirmPhone', {
    accept: [{ yes: true }, { yes: false }],
    parsed: (s) => s,
    refuse: [{ yes: 'true' }, { yes: 1 }, { yes: null }, {}, { yes: true, phone: 'x' }, true],
  });
});

test('auth:password: an email, a 1 to 256 character password and an optional second factor', async () => {
  const t = await fresh();
  const base = { email: 'ada@example.com', password: 'correct horse' };
  await holds(t, 'auth:password', {
    accept: [
      base,
      { ...base, password: pw(1) },
      { ...base, password: pw(2) },
      { ...base, password: pw(256) },
      { ...base, totp: '123456' },
      { ...base, totp: 'ab12-cd34-ef56' },
    ],
    refuse: [
      { ...base, password: '' },
      { ...base, password: pw(257) },
      ...NOT_A_STRING.map((password) => ({ ...base, password })),
      { email: base.email },
      { password: base.password },
      { ...base, email: 'not an email' },
      { ...base, email: '' },
      { ...base, email: `${'a'.repeat(243)}@example.com` },
      ...NOT_A_STRING.map((email) => ({ ...base, email })),
      { ...base, totp: '12345' },
      { ...base, totp: 'abcd-efgh' },
      { ...base, totp: 123456 },
      { ...base, remember: true },
      { ...base, token: 'x' },
      null,
      'ada@example.com',
    ],
  });
  // What reaches the handler is the parsed value: the email trimmed and lower-cased.
  await holds(t, 'auth:password', {
    accept: [{ email: '  Ada@Example.COM ', password: ' p ', totp: ' 123456 ' }],
    refuse: [],
    parsed: () => ({ email: 'ada@example.com', password: ' p ', totp: '123456' }),
  });
});

test('auth:stepUp: a 1 to 256 character password and an optional second factor, no account', async () => {
  const t = await fresh();
  await holds(t, 'auth:stepUp', {
    accept: [
      { password: pw(1) },
      { password: pw(2) },
      { password: pw(256) },
      { password: 'x', totp: '000000' },
      { password: 'x', totp: '0000-aaaa-9999' },
    ],
    parsed: (s) => s,
    refuse: [
      { password: '' },
      { password: pw(257) },
      ...NOT_A_STRING.map((password) => ({ password })),
      {},
      { totp: '123456' },
      { password: 'x', totp: '1234567' },
      { password: 'x', email: 'ada@example.com' },
      undefined,
    ],
  });
});

test('account:changePassword: a new password of 1 to 256, the current one optional and as long', async () => {
  const t = await fresh();
  await holds(t, 'account:changePassword', {
    accept: [
      { newPassword: pw(1) },
      { newPassword: pw(2) },
      { newPassword: pw(256) },
      { currentPassword: pw(1), newPassword: 'n' },
      { currentPassword: pw(2), newPassword: 'n' },
      { currentPassword: pw(256), newPassword: 'n' },
    ],
    parsed: (s) => s,
    refuse: [
      { newPassword: '' },
      { newPassword: pw(257) },
      ...NOT_A_STRING.map((newPassword) => ({ newPassword })),
      { currentPassword: '', newPassword: 'n' },
      { currentPassword: pw(257), newPassword: 'n' },
      ...NOT_A_STRING.map((currentPassword) => ({ currentPassword, newPassword: 'n' })),
      {},
      { currentPassword: 'c' },
      { newPassword: 'n', confirm: 'n' },
      undefined,
    ],
  });
});

test('passkeys:rename: an 8 to 64 character id and a 1 to 64 character name, trimmed', async () => {
  const t = await fresh();
  await holds(t, 'passkeys:rename', {
    accept: [
      { id: ID, name: 'Laptop' },
      { id: 'a'.repeat(64), name: 'n'.repeat(64) },
    ],
    parsed: (s) => s,
    refuse: [
      { id: ID.slice(1), name: 'Laptop' },
      { id: 'a'.repeat(65), name: 'Laptop' },
      { id: `${ID}+`, name: 'Laptop' },
      { id: `${ID}/`, name: 'Laptop' },
      { id: 12345678, name: 'Laptop' },
      { id: ID, name: '' },
      { id: ID, name: '   ' },
      { id: ID, name: 'n'.repeat(65) },
      { id: ID, name: 'bad\nname' },
      { id: ID, name: 42 },
      { id: ID },
      { name: 'Laptop' },
      { id: ID, name: 'Laptop', userId: 'x' },
      undefined,
    ],
  });
  await holds(t, 'passkeys:rename', {
    accept: [{ id: ID, name: '  Work laptop \t' }],
    refuse: [],
    parsed: () => ({ id: ID, name: 'Work laptop' }),
  });
});

test('passkeys:delete: an id and an optional boolean acknowledgement of the last passkey', async () => {
  const t = await fresh();
  await holds(t, 'passkeys:delete', {
    accept: [
      { id: ID },
      { id: ID, acknowledgeLastPasskey: true },
      { id: ID, acknowledgeLastPasskey: false },
    ],
    parsed: (s) => s,
    refuse: [
      {},
      { id: 'short' },
      { id: 'a'.repeat(65) },
      { id: ID, acknowledgeLastPasskey: 'yes' },
      { id: ID, acknowledgeLastPasskey: 1 },
      { id: ID, acknowledgeLastPasskey: null },
      { id: ID, force: true },
      ID,
      undefined,
    ],
  });
});

test('totp:confirm takes a six-digit code (spaces trimmed), never a recovery code', async () => {
  const t = await fresh();
  await holds(t, 'totp:confirm', {
    accept: [{ code: '123456' }],
    parsed: (s) => s,
    refuse: [
      { code: '12345' },
      { code: '1234567' },
      { code: 'ab12-cd34-ef56' },
      { code: 123456 },
      {},
      { code: '123456', secret: 'x' },
      undefined,
    ],
  });
  await holds(t, 'totp:confirm', {
    accept: [{ code: ' 654321 ' }],
    refuse: [],
    parsed: () => ({ code: '654321' }),
  });
});

test('sessions:revoke takes one 8 to 64 character base64url id', async () => {
  const t = await fresh();
  await holds(t, 'sessions:revoke', {
    accept: [{ id: ID }, { id: '-'.repeat(64) }],
    parsed: (s) => s,
    refuse: [
      { id: ID.slice(1) },
      { id: '-'.repeat(65) },
      { id: `${ID}=` },
      { id: '' },
      ...NOT_A_STRING.map((id) => ({ id })),
      {},
      { id: ID, all: true },
      undefined,
    ],
  });
});

test('shell:openExternal takes one URL string of at most 2048 characters', async () => {
  const t = await fresh();
  const url = 'https://keybridge.example/help';
  await holds(t, 'shell:openExternal', {
    // The schema bounds the string; which origins may open is the handler's allow-list
    // (electron/window/external-links.ts), after this parse.
    accept: [{ url }, { url: `https://k.example/${'a'.repeat(2048 - 18)}` }],
    parsed: (s) => s,
    refuse: [
      { url: `https://k.example/${'a'.repeat(2048 - 17)}` },
      ...NOT_A_STRING.map((u) => ({ url: u })),
      {},
      { url, target: '_blank' },
      url,
      undefined,
    ],
  });
});

test('the preload surface is every method and subscription name, sorted', async () => {
  const t = await fresh();
  const names = [...Object.keys(t.ApiMethods), ...Object.keys(t.ApiEvents)];
  assert.equal(t.apiKeys.length, 30);
  assert.deepEqual(t.apiKeys, [...names].sort());
  assert.deepEqual(t.apiKeys.slice(0, 3), ['cancelQr', 'changePassword', 'confirmPhone']);
  assert.equal(t.apiKeys.at(-1), 'submitReverseCode');
});

test('the app origin the sender check trusts is app://keybridge', async () => {
  const t = await fresh();
  assert.equal(t.APP_ORIGIN, 'app://keybridge');
});
