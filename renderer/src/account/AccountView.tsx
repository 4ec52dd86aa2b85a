/** Who is signed in and how safe the account is, in the spirit of an exchange's security page. */
import type { ChecklistItem, MeResponse } from '../../../server/protocol/api';
import type { SettingsSection } from '../settings/SettingsPane';
import { formatDate } from '../format';

const methodWords = { password: 'your password', passkey: 'a passkey', qr: 'your phone (QR code)' };

const sectionFor: Record<ChecklistItem['id'], SettingsSection> = {
  passkey: 'passkeys',
  totp: 'authenticator',
  recovery: 'authenticator',
  sessions: 'sessions',
};

/**
 * What the button says when the item is not done yet: the step itself. A done item, and the
 * sessions item always, say "Review": being signed in on a phone and here is healthy, not
 * something to fix.
 */
const actionFor: Record<ChecklistItem['id'], string> = {
  passkey: 'Add',
  totp: 'Set up',
  recovery: 'Set up',
  sessions: 'Review',
};

function actionOf(item: ChecklistItem): string {
  return item.done ? 'Review' : actionFor[item.id];
}

type Props = { me: MeResponse; onOpenSettings: (s: SettingsSection) => void };

export function AccountView({ me, onOpenSettings }: Props) {
  const done = me.checklist.filter((c) => c.done).length;
  return (
    <>
      <section className="card" aria-labelledby="account-title">
        <h1 id="account-title">Your account</h1>
        <dl className="facts">
          <dt>Signed in as</dt>
          <dd data-testid="account-email">{me.user.email}</dd>
          <dt>Signed in with</dt>
          <dd>{methodWords[me.session.method]}</dd>
          <dt>Member since</dt>
          <dd>{formatDate(me.user.createdAt)}</dd>
          <dt>Passkeys</dt>
          <dd>{me.passkeyCount}</dd>
          <dt>Active sessions</dt>
          <dd>{me.sessionCount}</dd>
        </dl>
      </section>
      <section className="card" aria-labelledby="checklist-title">
        <div className="card-header">
          <div>
            <h2 id="checklist-title">Security checklist</h2>
            <p className="muted small">
              {done === me.checklist.length ? 'All done' : `${done} of ${me.checklist.length} done`}
            </p>
          </div>
        </div>
        <ul className="checklist" aria-label="Security checklist">
          {me.checklist.map((item) => (
            <li key={item.id}>
              <span
                className={`check-icon ${item.done ? 'done' : item.id === 'sessions' ? 'review' : 'todo'}`}
                aria-hidden="true"
              >
                {item.done ? '✓' : item.id === 'sessions' ? '•' : '!'}
              </span>
              <div className="row-main">
                <div className="row-title">
                  {item.label}
                  <span className="visually-hidden">{item.done ? '(done)' : '(to do)'}</span>
                </div>
                <div className="meta">{item.detail}</div>
              </div>
              <div className="row-actions">
                <button
                  type="button"
                  aria-label={`${actionOf(item)}: ${item.label}`}
                  onClick={() => onOpenSettings(sectionFor[item.id])}
                >
                  {actionOf(item)}
                </button>
              </div>
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}
