/**
 * The session store's token rules (server/sessions/session-store.ts) on a real SQLite file,
 * each as the rule a wrong change would break (issue 12): a desktop access token lives 15
 * minutes, a refresh token 30 days and not a moment longer; a refused refresh (expired,
 * unknown, revoked session) changes nothing; a revoked session never refreshes; two racing
 * refreshes with one token leave one live branch of the family; reuse after the grace
 * revokes it. The HTTP side of the same rules: test/server/refresh-grace.test.ts.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { KyselyPlugin } from 'kysely';
import { test, type TestContext } from 'vitest';
import { AccountStore } from '../../../server/accounts/account-store';
import { openDatabase, type Db } from '../../../server/db/database';
import {
  ACCESS_TOKEN_TTL_MS,
  REFRESH_REUSE_GRACE_MS,
  REFRESH_TOKEN_TTL_MS,
  SessionStore,
  WEB_SESSION_TTL_MS,
  refreshSuccessorKey,
} from '../../../server/sessions/session-store';
import { FrozenClock } from '../../support/frozen-clock';
import { sha256 } from '../../../server/util/random';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

async function setup(t: TestContext) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keybridge-refresh-'));
  const db = await openDatabase(dir);
  t.onTestFinished(async () => {
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const clock = new FrozenClock();
  const store = new SessionStore(db, clock);
  const user = await new AccountStore(db).create('r@example.com', 'x', clock.now());
  assert.ok(user);
  const desktop = async () => {
    const issued = await store.create({
      userId: user.id,
      client: 'desktop',
      device: 'laptop',
      method: 'password',
      passkeyId: null,
      ip: '127.0.0.1',
      userAgent: null,
    });
    assert.equal(issued.kind, 'desktop');
    if (issued.kind !== 'desktop') throw new Error('unreachable');
    return issued;
  };
  /** Every row of both tables: a refusal must leave them exactly as they were. */
  const snapshot = async () => ({
    sessions: await db.selectFrom('sessions').selectAll().orderBy('id').execute(),
    refresh: await db.selectFrom('refresh_tokens').selectAll().orderBy('token_hash').execute(),
  });
  const liveRefreshTokens = async (sessionId: string) =>
    (
      await db
        .selectFrom('refresh_tokens')
        .select('token_hash')
        .where('session_id', '=', sessionId)
        .where('used_at', 'is', null)
        .execute()
    ).map((r) => r.token_hash);
  return { dir, db, clock, store, user, desktop, snapshot, liveRefreshTokens };
}

test('the lifetimes are the rule: 15-minute access, 30-day refresh, 7-day web, 30 s grace', () => {
  assert.equal(ACCESS_TOKEN_TTL_MS, 15 * MINUTE);
  assert.equal(REFRESH_TOKEN_TTL_MS, 30 * DAY);
  assert.equal(WEB_SESSION_TTL_MS, 7 * DAY);
  assert.equal(REFRESH_REUSE_GRACE_MS, 30_000);
});

test('a desktop access token works for 15 minutes, and so does each refreshed one', async (t) => {
  const { clock, store, desktop } = await setup(t);
  const issued = await desktop();
  assert.equal(issued.expiresIn, 15 * 60);
  assert.equal(issued.session.token_expires_at, clock.now() + 15 * MINUTE);
  clock.advance(15 * MINUTE - 1);
  assert.ok(await store.authenticate(issued.accessToken), 'still valid a moment before');
  clock.advance(1);
  assert.equal(await store.authenticate(issued.accessToken), undefined, 'expired at 15 min');

  const r = await store.refresh(issued.refreshToken);
  assert.ok(r.ok);
  assert.equal(r.expiresIn, 15 * 60);
  clock.advance(15 * MINUTE - 1);
  assert.ok(await store.authenticate(r.accessToken));
  clock.advance(1);
  assert.equal(await store.authenticate(r.accessToken), undefined, 'not 30 days');
});

test('a web session lives 7 days and has no refresh token', async (t) => {
  const { db, clock, store, user } = await setup(t);
  const web = await store.create({
    userId: user.id,
    client: 'web',
    device: 'phone',
    method: 'passkey',
    passkeyId: null,
    ip: '127.0.0.1',
    userAgent: 'ua',
  });
  assert.equal(web.kind, 'web');
  if (web.kind !== 'web') return;
  assert.equal((await db.selectFrom('refresh_tokens').selectAll().execute()).length, 0);
  clock.advance(7 * DAY - 1);
  assert.ok(await store.authenticate(web.cookieToken));
  clock.advance(1);
  assert.equal(await store.authenticate(web.cookieToken), undefined);
});

test('a refresh token works until its 30th day and is refused from then on, changing nothing', async (t) => {
  const { clock, store, desktop, snapshot } = await setup(t);
  const early = await desktop();
  const late = await desktop();
  clock.advance(30 * DAY - 1);
  const ok = await store.refresh(early.refreshToken);
  assert.equal(ok.ok, true, 'a moment before 30 days');
  clock.advance(1);
  const before = await snapshot();
  const r = await store.refresh(late.refreshToken);
  assert.deepEqual(r, { ok: false, reason: 'invalid' });
  assert.deepEqual(await snapshot(), before, 'refused without any write');
  assert.ok(await store.authenticate(ok.ok ? ok.accessToken : ''), 'the other session is fine');
});

test('a refreshed refresh token gets its own 30 days from the refresh', async (t) => {
  const { clock, store, desktop } = await setup(t);
  const issued = await desktop();
  clock.advance(10 * DAY);
  const r1 = await store.refresh(issued.refreshToken);
  assert.ok(r1.ok);
  clock.advance(30 * DAY - 1);
  const r2 = await store.refresh(r1.refreshToken);
  assert.equal(r2.ok, true, '40 days after sign-in, 30 days minus a moment after the refresh');
  const r3 = r2.ok ? r2.refreshToken : '';
  clock.advance(30 * DAY);
  assert.deepEqual(await store.refresh(r3), { ok: false, reason: 'invalid' });
});

test('an unknown refresh token is refused and changes nothing', async (t) => {
  const { store, desktop, snapshot } = await setup(t);
  const issued = await desktop();
  const before = await snapshot();
  assert.deepEqual(await store.refresh('not-a-token'), { ok: false, reason: 'invalid' });
  assert.deepEqual(await store.refresh(issued.accessToken), { ok: false, reason: 'invalid' });
  assert.deepEqual(await snapshot(), before);
});

test('a revoked session never refreshes, even with its unspent token, and nothing changes', async (t) => {
  const { db, store, desktop, snapshot, liveRefreshTokens } = await setup(t);
  const issued = await desktop();
  const keep = await desktop();
  await store.revoke(issued.session.id);
  assert.deepEqual(await liveRefreshTokens(issued.session.id), [], 'its tokens are gone');
  // Even if the token row were still there (a revoke racing the refresh), the session decides.
  await db
    .insertInto('refresh_tokens')
    .values({
      token_hash: sha256(issued.refreshToken),
      session_id: issued.session.id,
      created_at: 0,
      expires_at: Number.MAX_SAFE_INTEGER,
      used_at: null,
    })
    .execute();
  const before = await snapshot();
  assert.deepEqual(await store.refresh(issued.refreshToken), { ok: false, reason: 'invalid' });
  assert.deepEqual(await snapshot(), before);
  assert.equal(await store.authenticate(issued.accessToken), undefined);
  assert.ok(await store.authenticate(keep.accessToken), 'revoking one session leaves the others');
  const r = await store.refresh(keep.refreshToken);
  assert.equal(r.ok, true);
});

test('two racing refreshes with one token: one live branch, and reuse later revokes the family', async (t) => {
  const { db, clock, store, desktop, liveRefreshTokens } = await setup(t);
  const issued = await desktop();
  const [a, b] = await Promise.all([
    store.refresh(issued.refreshToken),
    store.refresh(issued.refreshToken),
  ]);
  assert.ok(a.ok && b.ok, JSON.stringify([a, b]));
  assert.equal(a.refreshToken, b.refreshToken, 'the same successor, not two branches');
  assert.equal(a.accessToken, b.accessToken);
  assert.deepEqual(await liveRefreshTokens(issued.session.id), [sha256(a.refreshToken)]);
  // The stolen copy of the old token, presented after the grace: the whole family ends.
  clock.advance(REFRESH_REUSE_GRACE_MS + 1);
  const reuse = await store.refresh(issued.refreshToken);
  assert.equal(reuse.ok, false);
  assert.equal(!reuse.ok && reuse.reason, 'reused');
  const session = await db
    .selectFrom('sessions')
    .select('revoked_at')
    .where('id', '=', issued.session.id)
    .executeTakeFirstOrThrow();
  assert.equal(session.revoked_at, clock.now());
  assert.deepEqual(await liveRefreshTokens(issued.session.id), []);
  assert.equal(await store.authenticate(a.accessToken), undefined);
  assert.deepEqual(await store.refresh(a.refreshToken), { ok: false, reason: 'invalid' });
});

test('within the grace a retry gets the same pair with the time that is left, at the grace edge too', async (t) => {
  const { clock, store, desktop } = await setup(t);
  const issued = await desktop();
  const first = await store.refresh(issued.refreshToken);
  assert.ok(first.ok);
  clock.advance(REFRESH_REUSE_GRACE_MS);
  const retry = await store.refresh(issued.refreshToken);
  assert.ok(retry.ok, 'exactly at the end of the grace it is still a retry');
  assert.equal(retry.refreshToken, first.refreshToken);
  assert.equal(retry.expiresIn, 15 * 60 - 30, 'the successor expires 15 min after the spend');
  clock.advance(15 * MINUTE - REFRESH_REUSE_GRACE_MS - 1);
  assert.ok(await store.authenticate(retry.accessToken));
  clock.advance(1);
  assert.equal(await store.authenticate(retry.accessToken), undefined);
});

test('a retry whose successor the server never stored still installs it once, from the spend time', async (t) => {
  const { db, clock, store, desktop, liveRefreshTokens } = await setup(t);
  const issued = await desktop();
  const first = await store.refresh(issued.refreshToken);
  assert.ok(first.ok);
  // As if the request that spent the token died before writing the successor.
  await db
    .deleteFrom('refresh_tokens')
    .where('token_hash', '=', sha256(first.refreshToken))
    .execute();
  clock.advance(5_000);
  const retry = await store.refresh(issued.refreshToken);
  assert.ok(retry.ok);
  assert.equal(retry.refreshToken, first.refreshToken);
  assert.deepEqual(await liveRefreshTokens(issued.session.id), [sha256(first.refreshToken)]);
  const row = await db
    .selectFrom('refresh_tokens')
    .selectAll()
    .where('token_hash', '=', sha256(first.refreshToken))
    .executeTakeFirstOrThrow();
  assert.equal(row.expires_at, clock.now() - 5_000 + 30 * DAY, '30 days from the spend');
});

test('successors come from a key derived per secrets key: same key, same successor; no key, none', async (t) => {
  const a = refreshSuccessorKey(Buffer.alloc(32, 1));
  assert.equal(a.length, 32);
  assert.deepEqual(refreshSuccessorKey(Buffer.alloc(32, 1)), a);
  assert.notDeepEqual(refreshSuccessorKey(Buffer.alloc(32, 2)), a);
  assert.notDeepEqual(a, Buffer.alloc(32, 1), 'not the secrets key itself');
  // Two stores on one database with one key hand a racing pair the same successor.
  const { db, clock, desktop } = await setup(t);
  const issued = await desktop();
  const one = new SessionStore(db, clock, a);
  const two = new SessionStore(db, clock, a);
  const [r1, r2] = await Promise.all([
    one.refresh(issued.refreshToken),
    two.refresh(issued.refreshToken),
  ]);
  assert.ok(r1.ok && r2.ok);
  assert.equal(r1.refreshToken, r2.refreshToken);
  assert.notEqual(r1.accessToken, r1.refreshToken, 'access and refresh are derived apart');
});

test('listLive: a lapsed desktop session is live while its refresh token is, newest first', async (t) => {
  const { clock, store, user, desktop } = await setup(t);
  const older = await desktop();
  clock.advance(MINUTE);
  const newer = await desktop();
  assert.deepEqual(
    (await store.listLive(user.id)).map((s) => s.id),
    [newer.session.id, older.session.id],
  );
  clock.advance(20 * MINUTE);
  assert.equal((await store.listLive(user.id)).length, 2, 'access lapsed, refresh alive');
  await store.revoke(older.session.id);
  assert.deepEqual(
    (await store.listLive(user.id)).map((s) => s.id),
    [newer.session.id],
  );
  clock.advance(30 * DAY);
  assert.deepEqual(await store.listLive(user.id), [], 'refresh token expired too');
  assert.deepEqual(await store.listLive('someone-else'), []);
});

test('a retry within the grace hands back the pair and writes nothing once the successor is stored', async (t) => {
  const { clock, store, desktop, snapshot } = await setup(t);
  const issued = await desktop();
  const first = await store.refresh(issued.refreshToken);
  assert.ok(first.ok);
  clock.advance(10_000);
  assert.ok(await store.authenticate(first.accessToken), 'the client used its new token');
  clock.advance(10_000);
  const before = await snapshot();
  const retry = await store.refresh(issued.refreshToken);
  assert.ok(retry.ok);
  assert.equal(retry.accessToken, first.accessToken);
  assert.deepEqual(await snapshot(), before, 'last activity and expiry stay as they were');
});

test('a refresh reports the session as stored, not the refresh token row joined to it', async (t) => {
  const { db, clock, store, desktop } = await setup(t);
  const issued = await desktop();
  clock.advance(DAY);
  const r1 = await store.refresh(issued.refreshToken);
  assert.ok(r1.ok);
  clock.advance(DAY);
  const stored = await db
    .selectFrom('sessions')
    .selectAll()
    .where('id', '=', issued.session.id)
    .executeTakeFirstOrThrow();
  const r2 = await store.refresh(r1.refreshToken);
  assert.ok(r2.ok);
  assert.deepEqual(r2.session, stored);
  assert.equal(r2.session.created_at, issued.session.created_at, 'created at sign-in');
});

test('step-up elevation: given at sign-in or by elevate, on that session only', async (t) => {
  const { clock, store, user, desktop } = await setup(t);
  const until = clock.now() + 5 * MINUTE;
  const elevated = await store.create({
    userId: user.id,
    client: 'web',
    device: 'phone',
    method: 'passkey',
    passkeyId: null,
    ip: '127.0.0.1',
    userAgent: null,
    elevatedUntil: until,
  });
  assert.equal(elevated.session.elevated_until, until);
  assert.equal(
    (await store.authenticate(elevated.kind === 'web' ? elevated.cookieToken : ''))?.elevated_until,
    until,
  );
  const a = await desktop();
  const b = await desktop();
  assert.equal(a.session.elevated_until, null, 'not elevated unless asked');
  await store.elevate(a.session.id, until + 1);
  assert.equal((await store.authenticate(a.accessToken))?.elevated_until, until + 1);
  assert.equal((await store.authenticate(b.accessToken))?.elevated_until, null);
});

test('successors are a fixed function of key and token: servers of two versions agree', async (t) => {
  // Pinned values: a rolling upgrade must not change what a retry in the grace gets back.
  const key = refreshSuccessorKey(Buffer.alloc(32, 7));
  assert.equal(key.toString('base64url'), 'DZj8zR5kcd5sB6C_qxt6ROooG8GajWA5HW-dD5m-2lY');
  const { db, clock, desktop } = await setup(t);
  const issued = await desktop();
  await db
    .insertInto('refresh_tokens')
    .values({
      token_hash: sha256('a-refresh-token'),
      session_id: issued.session.id,
      created_at: clock.now(),
      expires_at: clock.now() + DAY,
      used_at: null,
    })
    .execute();
  const r = await new SessionStore(db, clock, key).refresh('a-refresh-token');
  assert.ok(r.ok);
  assert.equal(r.accessToken, 'UyztkhkVHsjlc2NwW-8-N34eD9NXgtLOBYgoiZHWrRU');
  assert.equal(r.refreshToken, 'fbOi72MMjDS9qf4i064rl8EdZ9Is5RXkit8hn3zIjE0');
});

/**
 * The database as a second server process sees it (its own connection to the same file), held
 * still after its first query answers (it has read the token as unspent) until `release()`:
 * the rest of the world moves on meanwhile. This is the race a thief and the client run when
 * both present one stolen refresh token at once.
 */
async function heldAfterFirstQuery(t: TestContext, dir: string) {
  const db: Db = await openDatabase(dir);
  t.onTestFinished(() => db.destroy());
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let reached!: () => void;
  const arrived = new Promise<void>((r) => (reached = r));
  let first = true;
  const plugin: KyselyPlugin = {
    transformQuery: (args) => args.node,
    transformResult: async (args) => {
      if (first) {
        first = false;
        reached();
        await gate;
      }
      return args.result;
    },
  };
  return { db: db.withPlugin(plugin), arrived, release };
}

test('a refresh that loses the race to a successor already spent again revokes the family', async (t) => {
  const { dir, db, clock, store, desktop, liveRefreshTokens } = await setup(t);
  const key = refreshSuccessorKey(Buffer.alloc(32, 3));
  const fast = new SessionStore(db, clock, key);
  const held = await heldAfterFirstQuery(t, dir);
  const slow = new SessionStore(held.db, clock, key);
  const issued = await desktop();
  const late = slow.refresh(issued.refreshToken);
  await held.arrived; // it read the token as unspent
  const r1 = await fast.refresh(issued.refreshToken);
  assert.ok(r1.ok);
  const r2 = await fast.refresh(r1.refreshToken); // and the successor is spent in turn
  assert.ok(r2.ok);
  held.release();
  const outcome = await late;
  assert.equal(outcome.ok, false, 'no second branch from the spent token');
  assert.equal(!outcome.ok && outcome.reason, 'reused');
  assert.deepEqual(await liveRefreshTokens(issued.session.id), []);
  assert.equal(await store.authenticate(r2.accessToken), undefined, 'the family is revoked');
});

test('a refresh that finds its session revoked in the middle is refused, not half done', async (t) => {
  const { dir, clock, store, desktop, liveRefreshTokens } = await setup(t);
  const held = await heldAfterFirstQuery(t, dir);
  const slow = new SessionStore(held.db, clock);
  const issued = await desktop();
  const late = slow.refresh(issued.refreshToken);
  await held.arrived; // it read the token as unspent
  await store.revoke(issued.session.id); // signed out meanwhile: the token row is gone
  held.release();
  assert.deepEqual(await late, { ok: false, reason: 'invalid' });
  assert.deepEqual(await liveRefreshTokens(issued.session.id), []);
  assert.equal(await store.authenticate(issued.accessToken), undefined);
});

test('two refreshes racing inside the grace both get the one successor, whoever writes first', async (t) => {
  const { dir, db, clock, desktop, liveRefreshTokens } = await setup(t);
  const key = refreshSuccessorKey(Buffer.alloc(32, 4));
  const held = await heldAfterFirstQuery(t, dir);
  const slow = new SessionStore(held.db, clock, key);
  const fast = new SessionStore(db, clock, key);
  const issued = await desktop();
  const late = slow.refresh(issued.refreshToken);
  await held.arrived;
  const r1 = await fast.refresh(issued.refreshToken);
  held.release();
  const r2 = await late;
  assert.ok(r1.ok && r2.ok);
  assert.equal(r2.refreshToken, r1.refreshToken);
  assert.equal(r2.accessToken, r1.accessToken);
  assert.equal(r2.expiresIn, 15 * 60);
  assert.deepEqual(await liveRefreshTokens(issued.session.id), [sha256(r1.refreshToken)]);
});

test('a spent refresh token presented after its own expiry is still reuse: the family ends', async (t) => {
  const { clock, store, desktop, liveRefreshTokens } = await setup(t);
  const issued = await desktop();
  clock.advance(29 * DAY);
  const r1 = await store.refresh(issued.refreshToken);
  assert.ok(r1.ok);
  clock.advance(2 * DAY); // the old token's 30 days are over; its successor's are not
  const replay = await store.refresh(issued.refreshToken);
  assert.equal(!replay.ok && replay.reason, 'reused');
  assert.deepEqual(await liveRefreshTokens(issued.session.id), []);
  assert.deepEqual(await store.refresh(r1.refreshToken), { ok: false, reason: 'invalid' });
});
