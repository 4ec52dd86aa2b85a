/** The account's security events, newest first, in words. */
import { useEffect, useState } from 'react';
import type { ActivityEvent, ActivityType } from '../../protocol/api';
import { api } from '../lib/api';
import { exactTime, whenWords } from '../lib/format';
import { ErrorNotice } from '../components/Notice';

const WORDS: Record<ActivityType, string> = {
  'account.created': 'Account created',
  'signin.succeeded': 'Signed in',
  'signin.failed': 'Failed sign-in',
  'stepup.succeeded': 'Identity confirmed',
  'stepup.failed': 'Identity check failed',
  'passkey.added': 'Passkey added',
  'passkey.renamed': 'Passkey renamed',
  'passkey.removed': 'Passkey deleted',
  'passkey.counter_warning': 'Passkey warning: it may have been copied',
  'totp.enabled': 'Authenticator app turned on',
  'totp.disabled': 'Authenticator app turned off',
  'password.changed': 'Password changed',
  'recovery_code.used': 'Recovery code used',
  'session.revoked': 'Signed out from another session',
  'session.signed_out': 'Signed out',
  'refresh_token.reused': 'Desktop sign-in reused and stopped',
};

function detailWords(e: ActivityEvent): string {
  const d = e.details;
  const parts: string[] = [];
  if (typeof d.method === 'string') parts.push(`with ${d.method === 'qr' ? 'QR code' : d.method}`);
  if (typeof d.passkeyName === 'string') parts.push(`“${d.passkeyName}”`);
  if (typeof d.name === 'string' && e.type === 'passkey.renamed') parts.push(`to “${d.name}”`);
  if (e.ip) parts.push(`from ${e.ip}`);
  return parts.join(' ');
}

export function ActivitySection(props: { refreshKey: number }) {
  const [events, setEvents] = useState<ActivityEvent[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let live = true;
    api.activity().then(
      (r) => live && (setEvents(r.events), setError(null)),
      (err) => live && setError(err instanceof Error ? err.message : String(err)),
    );
    return () => {
      live = false;
    };
  }, [props.refreshKey, attempt]);

  return (
    <section className="section" aria-labelledby="activity-title" data-testid="activity-section">
      <h2 id="activity-title">Recent activity</h2>
      {error && <ErrorNotice message={error} onRetry={() => setAttempt((n) => n + 1)} />}
      <ul className="list compact">
        {events?.slice(0, 30).map((e) => (
          <li key={e.id} data-testid="activity-row" data-type={e.type}>
            <span
              className={
                e.type.endsWith('failed') || e.type.includes('warning') || e.type.includes('reused')
                  ? 'event warn'
                  : 'event'
              }
            >
              {WORDS[e.type] ?? e.type}
            </span>{' '}
            <span className="muted">{detailWords(e)}</span>
            <span className="when" title={exactTime(e.at)}>
              {whenWords(e.at)}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
