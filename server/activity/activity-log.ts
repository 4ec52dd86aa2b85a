/**
 * The account's security events (GET /api/activity). Details are small labels (method,
 * passkey id and name, reason, session id) and never secrets.
 */
import type { ActivityEvent, ActivityType } from '../protocol/api';
import type { Db } from '../db/database';
import type { Clock } from '../util/clock';
import { randomId } from '../util/random';
import { insertRowQuery } from '../db/reusable-query';

// Every sign-in records one, so compiled once (server/db/reusable-query.ts).
const insertEvent = insertRowQuery('activity', [
  'id',
  'user_id',
  'type',
  'at',
  'ip',
  'user_agent',
  'details',
] as const);

export type Details = Record<string, string | number | boolean | null>;
export type RequestMeta = { ip: string; userAgent: string | null };

export class ActivityLog {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** The same log over `db` (a transaction: server/db/commit-together.ts). */
  on(db: Db): ActivityLog {
    return new ActivityLog(db, this.clock);
  }

  async record(
    userId: string,
    type: ActivityType,
    meta: RequestMeta | null,
    details: Details = {},
  ): Promise<void> {
    await insertEvent(this.db, {
      id: randomId(),
      user_id: userId,
      type,
      at: this.clock.now(),
      ip: meta?.ip ?? null,
      user_agent: meta?.userAgent ?? null,
      details: JSON.stringify(details),
    });
  }

  async list(userId: string, limit = 100): Promise<ActivityEvent[]> {
    const rows = await this.db
      .selectFrom('activity')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('seq', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      type: r.type as ActivityType,
      at: new Date(r.at).toISOString(),
      ip: r.ip,
      userAgent: r.user_agent,
      details: JSON.parse(r.details) as Details,
    }));
  }
}
