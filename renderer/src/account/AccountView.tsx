/** Who is signed in and how safe the account is, in the spirit of an exchange's security page. */
import type { ChecklistItem, MeResponse } from '../../../server/protocol/api';
import type { SettingsSection } from '../settings/SettingsPane';
import { formatDate } from '../format';

const methodWords = { password: 'your password', passkey: 'a passkey', qr: 'your phone (QR code)' };

const sectionFor: Record<ChecklistItem['id'], SettingsSection> = {
  passkey: 'passkeys',
  totp: 'two-factor',
  recovery: 'two-factor',
  sessions: 'sessions',
};

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
              {done} of {me.checklist.length} done
            </p>
          </div>
        </div>
        <ul className="checklist" aria-label="Security checklist">
          {me.checklist.map((item) => (
            <li key={item.id}>
              <span className={`check-icon ${item.done ? 'done' : 'todo'}`} aria-hidden="true">
                {item.done ? '✓' : '!'}
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
                  aria-label={`${item.done ? 'Review' : 'Fix'}: ${item.label}`}
                  onClick={() => onOpenSettings(sectionFor[item.id])}
                >
                  {item.done ? 'Review' : 'Fix'}
                </button>
              </div>
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}
