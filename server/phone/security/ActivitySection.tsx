/** The account's security events, newest first, in words. */
import { useEffect, useState } from 'react';
import type { ActivityEvent, ActivityType } from '../../protocol/api';
import { api } from '../lib/api';
import { exactTime, whenWords } from '../lib/format';
import { ErrorNotice } from '../components/Notice';
import { t, type MessageKey } from '../i18n';

const WORDS: Record<ActivityType, MessageKey> = {
  'account.created': 'activity.type.accountCreated',
  'signin.succeeded': 'activity.type.signinSucceeded',
  'signin.failed': 'activity.type.signinFailed',
  'stepup.succeeded': 'activity.type.stepupSucceeded',
  'stepup.failed': 'activity.type.stepupFailed',
  'passkey.added': 'activity.type.passkeyAdded',
  'passkey.renamed': 'activity.type.passkeyRenamed',
  'passkey.removed': 'activity.type.passkeyRemoved',
  'passkey.counter_warning': 'activity.type.passkeyCounterWarning',
  'totp.enabled': 'activity.type.totpEnabled',
  'totp.disabled': 'activity.type.totpDisabled',
  'password.changed': 'activity.type.passwordChanged',
  'recovery_code.used': 'activity.type.recoveryCodeUsed',
  'session.revoked': 'activity.type.sessionRevoked',
  'session.signed_out': 'activity.type.sessionSignedOut',
  'refresh_token.reused': 'activity.type.refreshTokenReused',
};

const methodWords = (method: string) =>
  method === 'qr'
    ? t('activity.method.qr')
    : method === 'passkey'
      ? t('activity.method.passkey')
      : method === 'password'
        ? t('activity.method.password')
        : method;

function detailWords(e: ActivityEvent): string {
  const d = e.details;
  const parts: string[] = [];
  if (typeof d.method === 'string')
    parts.push(t('activity.with', { method: methodWords(d.method) }));
  if (typeof d.passkeyName === 'string') parts.push(t('activity.quoted', { name: d.passkeyName }));
  if (typeof d.name === 'string' && e.type === 'passkey.renamed')
    parts.push(t('activity.renamedTo', { name: d.name }));
  if (e.ip) parts.push(t('activity.from', { ip: e.ip }));
  return parts.join(t('activity.separator'));
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
      <h2 id="activity-title">{t('activity.title')}</h2>
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
              {e.type in WORDS ? t(WORDS[e.type]) : e.type}
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
