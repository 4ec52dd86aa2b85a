/** The account's security events, newest first, in words. */
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import type { ActivityEvent, ActivityType } from '../../../server/protocol/api';
import { api, call } from '../bridge';
import { describeUserAgent, formatAgo } from '../format';
import en from '../i18n/en.json';
import { ListSectionBanners, useListSection } from './useListSection';

const loadActivity = () => call(api().listActivity());

// Every event type has words (en.json `activity.type`): a new type without them does not build.
en.activity.type satisfies Record<ActivityType, string>;

function titleOf(type: ActivityType, t: TFunction): string {
  // An event type newer than this build: its code beats nothing.
  return Object.hasOwn(en.activity.type, type) ? t(`activity.type.${type}`) : type;
}

const methods = new Set(['password', 'passkey', 'qr']);

const alarming = new Set<ActivityType>([
  'signin.failed',
  'stepup.failed',
  'passkey.counter_warning',
  'refresh_token.reused',
]);

function detail(e: ActivityEvent, t: TFunction): string {
  const d = e.details;
  const parts: string[] = [];
  if (typeof d.passkeyName === 'string') parts.push(d.passkeyName);
  if (typeof d.method === 'string')
    parts.push(
      t('activity.withMethod', {
        method: methods.has(d.method)
          ? t(`activity.method.${d.method as 'password' | 'passkey' | 'qr'}`)
          : d.method,
      }),
    );
  // A failure's reason is a server code (wrong_password): its words, else the code itself.
  if (typeof d.reason === 'string')
    parts.push(
      Object.hasOwn(en.activity.reason, d.reason)
        ? t(`activity.reason.${d.reason as keyof typeof en.activity.reason}`)
        : d.reason.replace(/_/g, ' '),
    );
  return parts.join(' · ');
}

export function ActivitySection() {
  const { t } = useTranslation();
  const section = useListSection(loadActivity);
  const { data, reload } = section;
  return (
    <section className="card" aria-labelledby="activity-title">
      <div className="card-header">
        <div>
          <h2 id="activity-title">{t('activity.title')}</h2>
          <p className="muted small">{t('activity.intro')}</p>
        </div>
        <button type="button" onClick={reload}>
          {t('activity.refresh')}
        </button>
      </div>
      <ListSectionBanners section={section} loadingText={t('activity.loading')} />
      <ul className="rows" aria-label={t('activity.listLabel')}>
        {(data?.events ?? []).map((e) => (
          <li key={e.id} className="row">
            <div className="row-main">
              <div className="row-title">
                <span>{titleOf(e.type, t)}</span>
                {alarming.has(e.type) ? (
                  <span className="badge warn">{t('activity.checkThis')}</span>
                ) : null}
              </div>
              <div className="meta">
                {formatAgo(e.at)}
                {e.ip ? ` · ${e.ip}` : ''}
                {e.userAgent ? ` · ${describeUserAgent(e.userAgent)}` : ''}
                {detail(e, t) ? ` · ${detail(e, t)}` : ''}
              </div>
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
