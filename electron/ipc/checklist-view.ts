/**
 * The security checklist's "Review where you are signed in", as the desktop shows it. The
 * server marks it done only with a single session, so a phone plus this desktop, the normal
 * state of the product, could never be finished. Here it is done when every other session
 * was on the list the last time the person looked at it (Settings › Sessions). The review is
 * remembered per account in `file` (the app's data directory) when one is given, so it holds
 * across restarts; it holds session ids only, which the renderer sees anyway, never a token.
 * A session that appears later undoes it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { ChecklistItem, MeResponse, SessionView } from '../../server/protocol/api';

/** What the file holds: account id -> session ids seen; anything else reads as nothing seen. */
const ReviewFile = z.record(z.string(), z.array(z.string()).max(1000));

function load(file: string | undefined): Map<string, Set<string>> {
  if (!file) return new Map();
  try {
    const parsed = ReviewFile.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
    if (!parsed.success) return new Map();
    return new Map(Object.entries(parsed.data).map(([k, v]) => [k, new Set(v)]));
  } catch {
    return new Map(); // no file yet, or unreadable: nothing reviewed
  }
}

/** Best effort: a review that cannot be saved is still remembered for this run. */
function save(file: string | undefined, reviewed: Map<string, Set<string>>) {
  if (!file) return;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const data = Object.fromEntries([...reviewed].map(([k, v]) => [k, [...v].slice(-1000)]));
    fs.writeFileSync(file, JSON.stringify(data), { mode: 0o600 });
  } catch {
    // read-only profile: keep going without it
  }
}

export type SessionReview = {
  /** The person saw this list of the account's sessions. */
  seen(userId: string, sessions: readonly SessionView[]): void;
  /** `me` with its sessions item judged by the review; `sessions` is the live list. */
  apply(me: MeResponse, sessions: readonly SessionView[]): MeResponse;
};

export function createSessionReview(options: { file?: string } = {}): SessionReview {
  const reviewed = load(options.file);
  return {
    seen(userId, sessions) {
      // Only the live ones: ended sessions never come back, so the file does not grow.
      reviewed.set(userId, new Set(sessions.map((s) => s.id)));
      save(options.file, reviewed);
    },
    apply(me, sessions) {
      const known = reviewed.get(me.user.id) ?? new Set<string>();
      const others = sessions.filter((s) => !s.current);
      const unreviewed = others.filter((s) => !known.has(s.id)).length;
      const count = sessions.length;
      const item: ChecklistItem = {
        id: 'sessions',
        label: 'Review where you are signed in',
        done: unreviewed === 0,
        count,
        unreviewed,
        detail:
          others.length === 0
            ? 'Only this computer is signed in.'
            : unreviewed === 0
              ? `${count} active sessions, all reviewed.`
              : `${count} active sessions; ${unreviewed} you have not reviewed yet.`,
      };
      return {
        ...me,
        checklist: me.checklist.map((c) => (c.id === 'sessions' ? item : c)),
      };
    },
  };
}
