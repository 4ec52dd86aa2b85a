/**
 * Sessions: a cookie token for the phone web app, or a 15-minute access token plus a
 * rotating refresh token for the desktop. Only SHA-256 hashes of tokens are stored. A
 * session is also the refresh-token family: presenting a spent refresh token revokes it,
 * except within a short grace after it was spent (see refresh()).
 */
import type { ClientKind, SignInMethod } from '../protocol/api';
import type { Db } from '../db/database';
import type { SessionRow } from '../db/schema';
import type { Clock } from '../util/clock';
import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { randomId, randomToken, sha256 } from '../util/random';
import { insertRowQuery } from '../db/reusable-query';

// Every sign-in inserts one of each, so compiled once (server/db/reusable-query.ts). No
// `as const` on the column lists: Stryker 9.6 never mutates code under a TypeScript `as`
// expression, and insertRowQuery infers the literal names (its every-column check) without it.
const insertSession = insertRowQuery('sessions', [
  'id',
  'user_id',
  'client',
  'device',
  'method',
  'passkey_id',
  'ip',
  'user_agent',
  'token_hash',
  'token_expires_at',
  'created_at',
  'last_active_at',
  'elevated_until',
  'elevated_by',
  'revoked_at',
]);
const insertRefreshToken = insertRowQuery('refresh_tokens', [
  'token_hash',
  'session_id',
  'created_at',
  'expires_at',
  'used_at',
]);

export const ACCESS_TOKEN_TTL_MS = 15 * 60 * 1000;
export const REFRESH_TOKEN_TTL_MS = 30 * 24 * 60 * 60 * 1000;
export const WEB_SESSION_TTL_MS = 7 * 24 * 60 * 60 * 1000;
/**
 * How long after a refresh token was spent presenting it again returns the same successor
 * instead of revoking the family: long enough for a retry after a lost response or two
 * refreshes racing at wake-up, short enough that a stolen spent token is still caught.
 */
export const REFRESH_REUSE_GRACE_MS = 30 * 1000;

export type NewSession = {
  userId: string;
  client: ClientKind;
  device: string;
  method: SignInMethod;
  passkeyId: string | null;
  ip: string;
  userAgent: string | null;
  elevatedUntil?: number | null;
};

export type IssuedSession =
  | { kind: 'web'; session: SessionRow; cookieToken: string }
  | {
      kind: 'desktop';
      session: SessionRow;
      accessToken: string;
      refreshToken: string;
      expiresIn: number;
    };

export type RefreshOutcome =
  | { ok: true; session: SessionRow; accessToken: string; refreshToken: string; expiresIn: number }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'reused'; session: SessionRow };

/** A key for refresh successors only, derived from the secrets key (never the key itself). */
export function refreshSuccessorKey(secretsKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', secretsKey, '', 'keybridge refresh successor v1', 32));
}

export class SessionStore {
  /**
   * @param successorKey keys the derivation of a refresh token's successor (see refresh()).
   *   server/app.ts passes one derived from the secrets key, so every process sharing
   *   SECRETS_KEY derives the same successor; the random default serves one process only.
   */
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly successorKey: Buffer = randomBytes(32),
  ) {}

  /** The same store over `db` (a transaction: server/db/commit-together.ts). */
  on(db: Db): SessionStore {
    return new SessionStore(db, this.clock, this.successorKey);
  }

  /**
   * The tokens that follow `refreshToken`: HMAC(successorKey, purpose:refreshToken). Only
   * hashes are stored, so the server could not hand out the same new pair twice if they were
   * random. Derived, they can be recomputed by whoever presents the old token again within
   * the grace (a client that retries, or that raced itself), and only by them: without the
   * server's key the old token says nothing about its successor. A thief replaying a stolen
   * token inside the grace gets the same pair as the client, not a second live branch, so
   * the next rotation by either side still exposes the other as reuse.
   */
  private successor(refreshToken: string) {
    const derive = (purpose: string) =>
      createHmac('sha256', this.successorKey)
        .update(`${purpose}:${refreshToken}`)
        .digest('base64url');
    return { accessToken: derive('access'), refreshToken: derive('refresh') };
  }

  async create(s: NewSession): Promise<IssuedSession> {
    const now = this.clock.now();
    const token = randomToken();
    const session: SessionRow = {
      id: randomId(),
      user_id: s.userId,
      client: s.client,
      device: s.device,
      method: s.method,
      passkey_id: s.passkeyId,
      ip: s.ip,
      user_agent: s.userAgent,
      token_hash: sha256(token),
      token_expires_at: now + (s.client === 'desktop' ? ACCESS_TOKEN_TTL_MS : WEB_SESSION_TTL_MS),
      created_at: now,
      last_active_at: now,
      elevated_until: s.elevatedUntil ?? null,
      // A session born elevated chose or typed its password seconds ago (sign-up).
      elevated_by: s.elevatedUntil ? 'password' : null,
      revoked_at: null,
    };
    await insertSession(this.db, session);
    if (s.client === 'web') return { kind: 'web', session, cookieToken: token };
    const refreshToken = await this.issueRefreshToken(session.id, now);
    return {
      kind: 'desktop',
      session,
      accessToken: token,
      refreshToken,
      expiresIn: ACCESS_TOKEN_TTL_MS / 1000,
    };
  }

  private async issueRefreshToken(sessionId: string, now: number): Promise<string> {
    const token = randomToken();
    await insertRefreshToken(this.db, {
      token_hash: sha256(token),
      session_id: sessionId,
      created_at: now,
      expires_at: now + REFRESH_TOKEN_TTL_MS,
      used_at: null,
    });
    return token;
  }

  /** The live session a cookie or access token belongs to, or undefined. */
  async authenticate(token: string): Promise<SessionRow | undefined> {
    const now = this.clock.now();
    const session = await this.db
      .selectFrom('sessions')
      .selectAll()
      .where('token_hash', '=', sha256(token))
      .where('revoked_at', 'is', null)
      .where('token_expires_at', '>', now)
      .executeTakeFirst();
    if (!session) return undefined;
    await this.db
      .updateTable('sessions')
      .set({ last_active_at: now })
      .where('id', '=', session.id)
      .execute();
    return { ...session, last_active_at: now };
  }

  async refresh(refreshToken: string): Promise<RefreshOutcome> {
    const now = this.clock.now();
    const row = await this.db
      .selectFrom('refresh_tokens')
      .innerJoin('sessions', 'sessions.id', 'refresh_tokens.session_id')
      .selectAll('sessions')
      .select([
        'refresh_tokens.used_at as rt_used_at',
        'refresh_tokens.expires_at as rt_expires_at',
        'refresh_tokens.token_hash as rt_hash',
      ])
      .where('refresh_tokens.token_hash', '=', sha256(refreshToken))
      .executeTakeFirst();
    if (!row) return { ok: false, reason: 'invalid' };
    const { rt_used_at, rt_expires_at, rt_hash, ...session } = row;
    if (session.revoked_at !== null) return { ok: false, reason: 'invalid' };
    if (rt_used_at !== null) return this.presentedAgain(session, refreshToken, rt_used_at, now);
    if (rt_expires_at <= now) return { ok: false, reason: 'invalid' };
    // Spend the token with a conditional update: of two racing refreshes only one spends it;
    // the other finds it spent a moment ago and gets the same successor (presentedAgain).
    const spent = await this.db
      .updateTable('refresh_tokens')
      .set({ used_at: now })
      .where('token_hash', '=', rt_hash)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    if (Number(spent.numUpdatedRows) !== 1) {
      const again = await this.db
        .selectFrom('refresh_tokens')
        .select('used_at')
        .where('token_hash', '=', rt_hash)
        .executeTakeFirst();
      if (again?.used_at == null) return { ok: false, reason: 'invalid' }; // revoked meanwhile
      return this.presentedAgain(session, refreshToken, again.used_at, now);
    }
    const next = this.successor(refreshToken);
    await this.installSuccessor(session.id, next, now);
    return { ok: true, session, ...next, expiresIn: ACCESS_TOKEN_TTL_MS / 1000 };
  }

  /**
   * A spent refresh token came back. Within the grace, and while its successor has not been
   * spent in turn, it is a retry: the same successor pair. Otherwise it is reuse: the family
   * is revoked, so whoever holds the newer token is signed out too.
   */
  private async presentedAgain(
    session: SessionRow,
    refreshToken: string,
    spentAt: number,
    now: number,
  ): Promise<RefreshOutcome> {
    const next = this.successor(refreshToken);
    const successor =
      now - spentAt <= REFRESH_REUSE_GRACE_MS
        ? await this.db
            .selectFrom('refresh_tokens')
            .select('used_at')
            .where('token_hash', '=', sha256(next.refreshToken))
            .where('session_id', '=', session.id)
            .executeTakeFirst()
        : null;
    if (successor === null || successor?.used_at != null) {
      await this.revoke(session.id);
      return { ok: false, reason: 'reused', session };
    }
    // Missing: the request that spent the token has not stored it yet. Installing is
    // idempotent (same values from the same spentAt), so whichever writes first is fine.
    if (!successor) await this.installSuccessor(session.id, next, spentAt);
    const expiresAt = spentAt + ACCESS_TOKEN_TTL_MS;
    return {
      ok: true,
      session,
      ...next,
      expiresIn: Math.max(1, Math.floor((expiresAt - now) / 1000)),
    };
  }

  /** The successor's access token on the session and its refresh token, both from spentAt. */
  private async installSuccessor(
    sessionId: string,
    next: { accessToken: string; refreshToken: string },
    spentAt: number,
  ): Promise<void> {
    await this.db
      .updateTable('sessions')
      .set({
        token_hash: sha256(next.accessToken),
        token_expires_at: spentAt + ACCESS_TOKEN_TTL_MS,
        last_active_at: spentAt,
      })
      .where('id', '=', sessionId)
      .where('revoked_at', 'is', null)
      .execute();
    await this.db
      .insertInto('refresh_tokens')
      .values({
        token_hash: sha256(next.refreshToken),
        session_id: sessionId,
        created_at: spentAt,
        expires_at: spentAt + REFRESH_TOKEN_TTL_MS,
        used_at: null,
      })
      .onConflict((oc) => oc.column('token_hash').doNothing())
      .execute();
  }

  async revoke(sessionId: string): Promise<void> {
    await this.db
      .updateTable('sessions')
      .set({ revoked_at: this.clock.now() })
      .where('id', '=', sessionId)
      .where('revoked_at', 'is', null)
      .execute();
    await this.db
      .deleteFrom('refresh_tokens')
      .where('session_id', '=', sessionId)
      .where('used_at', 'is', null)
      .execute();
  }

  /** `by`: how it was confirmed; the password route asks for the current password unless 'passkey'. */
  async elevate(
    sessionId: string,
    until: number,
    by: 'password' | 'passkey' = 'password',
  ): Promise<void> {
    await this.db
      .updateTable('sessions')
      .set({ elevated_until: until, elevated_by: by })
      .where('id', '=', sessionId)
      .execute();
  }

  /** Live sessions of an account, newest activity first. */
  listLive(userId: string): Promise<SessionRow[]> {
    const now = this.clock.now();
    return this.db
      .selectFrom('sessions')
      .selectAll()
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .where((eb) =>
        eb.or([
          eb('token_expires_at', '>', now),
          // A desktop session whose access token lapsed is still alive while its refresh token is.
          eb.exists(
            eb
              .selectFrom('refresh_tokens')
              .select('token_hash')
              .whereRef('refresh_tokens.session_id', '=', 'sessions.id')
              .where('used_at', 'is', null)
              .where('expires_at', '>', now),
          ),
        ]),
      )
      .orderBy('last_active_at', 'desc')
      .execute();
  }
}
