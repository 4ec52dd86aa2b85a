/** The account's security events, newest first, in words. */
import type { ActivityEvent, ActivityType } from '../../../server/protocol/api';
import { api, call } from '../bridge';
import { describeUserAgent, formatAgo } from '../format';
import { ListSectionBanners, useListSection } from './useListSection';

const loadActivity = () => call(api().listActivity());

const words: Record<ActivityType, string> = {
  'account.created': 'Account created',
  'signin.succeeded': 'Signed in',
  'signin.failed': 'Failed sign-in',
  'stepup.succeeded': 'Identity confirmed',
  'stepup.failed': 'Failed identity check',
  'passkey.added': 'Passkey added',
  'passkey.renamed': 'Passkey renamed',
  'passkey.removed': 'Passkey deleted',
  'passkey.counter_warning': 'Passkey warning: possible copy',
  'totp.enabled': 'Authenticator app turned on',
  'totp.disabled': 'Authenticator app turned off',
  'password.changed': 'Password changed',
  'recovery_code.used': 'Recovery code used',
  'session.revoked': 'Session signed out remotely',
  'session.signed_out': 'Signed out',
  'refresh_token.reused': 'Stolen session blocked',
};

const alarming = new Set<ActivityType>([
  'signin.failed',
  'stepup.failed',
  'passkey.counter_warning',
  'refresh_token.reused',
]);

function detail(e: ActivityEvent): string {
  const d = e.details;
  const parts: string[] = [];
  if (typeof d.passkeyName === 'string') parts.push(d.passkeyName);
  if (typeof d.method === 'string')
    parts.push(`with ${d.method === 'qr' ? 'phone (QR)' : d.method}`);
  if (typeof d.reason === 'string') parts.push(d.reason.replace(/_/g, ' '));
  return parts.join(' · ');
}

export function ActivitySection() {
  const section = useListSection(loadActivity);
  const { data, reload } = section;
  return (
    <section className="card" aria-labelledby="activity-title">
      <div className="card-header">
        <div>
          <h2 id="activity-title">Activity</h2>
          <p className="muted small">Security events on your account.</p>
        </div>
        <button type="button" onClick={reload}>
          Refresh
        </button>
      </div>
      <ListSectionBanners section={section} loadingText="Loading activity…" />
      <ul className="rows" aria-label="Security events">
        {(data?.events ?? []).map((e) => (
          <li key={e.id} className="row">
            <div className="row-main">
              <div className="row-title">
                <span>{words[e.type] ?? e.type}</span>
                {alarming.has(e.type) ? <span className="badge warn">Check this</span> : null}
              </div>
              <div className="meta">
                {formatAgo(e.at)}
                {e.ip ? ` · ${e.ip}` : ''}
                {e.userAgent ? ` · ${describeUserAgent(e.userAgent)}` : ''}
                {detail(e) ? ` · ${detail(e)}` : ''}
              </div>
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
