/**
 * Writes that belong to one event commit together: a sign-in's passkey counter, its session,
 * its refresh token and its activity entry are one transaction, so they are stored all or not
 * at all, and SQLite makes one commit (one WAL append) per sign-in instead of four.
 *
 * Inside `work`, use only the stores it is handed: on SQLite a transaction holds the one
 * connection, so a query through the server's own stores would wait for it forever.
 */
import type { Db } from './database';
import type { ActivityLog } from '../activity/activity-log';
import type { PasskeyStore } from '../passkeys/passkey-store';
import type { SessionStore } from '../sessions/session-store';

/** The stores a sign-in writes to, each bound to the same transaction. */
export type TogetherStores = {
  readonly sessions: SessionStore;
  readonly activity: ActivityLog;
  readonly passkeys: PasskeyStore;
};

export type CommitTogether = <T>(work: (stores: TogetherStores) => Promise<T>) => Promise<T>;

export function commitTogether(db: Db, stores: TogetherStores): CommitTogether {
  return (work) =>
    db.transaction().execute((trx) =>
      work({
        sessions: stores.sessions.on(trx),
        activity: stores.activity.on(trx),
        passkeys: stores.passkeys.on(trx),
      }),
    );
}
