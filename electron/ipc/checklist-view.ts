/**
 * The security checklist's "Review where you are signed in", as the desktop shows it. The
 * server marks it done only with a single session, so a phone plus this desktop, the normal
 * state of the product, could never be finished. Here it is done when every other session
 * was on the list the last time the person looked at it (Settings › Sessions): the review is
 * remembered per account for as long as the app runs. A session that appears later undoes it.
 */
import type { ChecklistItem, MeResponse, SessionView } from '../../server/protocol/api';

export type SessionReview = {
  /** The person saw this list of the account's sessions. */
  seen(userId: string, sessions: readonly SessionView[]): void;
  /** `me` with its sessions item judged by the review; `sessions` is the live list. */
  apply(me: MeResponse, sessions: readonly SessionView[]): MeResponse;
};

export function createSessionReview(): SessionReview {
  const reviewed = new Map<string, Set<string>>();
  return {
    seen(userId, sessions) {
      const ids = reviewed.get(userId) ?? new Set<string>();
      for (const s of sessions) ids.add(s.id);
      reviewed.set(userId, ids);
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
