/**
 * Where the account is signed in; this session marked; sign out one or all the others, each
 * after a confirmation, then a "Signed out" notice. Devices by their readable name
 * ("Chrome on Android") with a phone or computer icon, never the raw user agent.
 */
import type { TFunction } from 'i18next';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SessionView } from '../../../server/protocol/api';
import { api, call } from '../bridge';
import { describeUserAgent, deviceKindOf, formatAgo } from '../format';
import { Dialog } from '../ui/Dialog';
import { ComputerIcon, PhoneIcon } from '../ui/icons';
import { ListSectionBanners, useListSection } from './useListSection';

const loadSessions = () => call(api().listSessions());

function nameOf(s: SessionView, t: TFunction): string {
  return s.client === 'desktop'
    ? s.device || t('sessions.desktopApp')
    : describeUserAgent(s.userAgent);
}

type Pending = { kind: 'one'; session: SessionView } | { kind: 'others'; count: number };

export function SessionsSection({ onChanged }: { onChanged: () => void }) {
  const { t } = useTranslation();
  const section = useListSection(loadSessions, onChanged);
  const { data, run } = section;
  const [pending, setPending] = useState<Pending | null>(null);
  const sessions = data?.sessions ?? [];
  const others = sessions.filter((s) => !s.current).length;

  function confirm() {
    const p = pending;
    setPending(null);
    if (!p) return;
    if (p.kind === 'one') {
      void run(async () => {
        await call(api().revokeSession({ id: p.session.id }));
        return t('sessions.signedOutOne', { name: nameOf(p.session, t) });
      });
    } else {
      void run(async () => {
        const { revoked } = await call(api().revokeOtherSessions());
        return t('sessions.signedOutOthers', { count: revoked });
      });
    }
  }

  return (
    <section className="card" aria-labelledby="sessions-title">
      <div className="card-header">
        <div>
          <h2 id="sessions-title">{t('sessions.title')}</h2>
          <p className="muted small">{t('sessions.intro')}</p>
        </div>
        <button
          type="button"
          className="danger"
          disabled={others === 0}
          onClick={() => setPending({ kind: 'others', count: others })}
        >
          {t('sessions.signOutOthers')}
        </button>
      </div>
      <ListSectionBanners section={section} loadingText={t('sessions.loading')} />
      <ul className="rows" aria-label={t('sessions.listLabel')}>
        {sessions.map((s) => {
          const phone = s.client !== 'desktop' && deviceKindOf(s.userAgent) === 'phone';
          return (
            <li key={s.id} className="row" data-testid="session-row">
              <span className="device-icon" aria-hidden="true">
                {phone ? <PhoneIcon /> : <ComputerIcon />}
              </span>
              <div className="row-main">
                <div className="row-title">
                  <span data-testid="session-device">{nameOf(s, t)}</span>
                  {s.current ? (
                    <span className="badge accent">{t('sessions.thisComputer')}</span>
                  ) : null}
                  <span className="badge">{t(`sessions.method.${s.method}`)}</span>
                </div>
                <div className="meta">
                  {t('sessions.meta', {
                    ip: s.ip,
                    created: formatAgo(s.createdAt),
                    active: formatAgo(s.lastActiveAt),
                  })}
                </div>
              </div>
              <div className="row-actions">
                {s.current ? null : (
                  <button
                    type="button"
                    className="danger"
                    aria-label={t('sessions.signOutLabel', {
                      name: nameOf(s, t),
                      created: formatAgo(s.createdAt),
                    })}
                    onClick={() => setPending({ kind: 'one', session: s })}
                  >
                    {t('sessions.signOut')}
                  </button>
                )}
              </div>
            </li>
          );
        })}
      </ul>
      {pending ? (
        <Dialog
          title={
            pending.kind === 'one'
              ? t('sessions.confirmOne', { name: nameOf(pending.session, t) })
              : t('sessions.confirmOthers', { count: pending.count })
          }
          onClose={() => setPending(null)}
        >
          <p>
            {pending.kind === 'one'
              ? t('sessions.confirmOneBody')
              : t('sessions.confirmOthersBody')}
          </p>
          <div className="button-row">
            <button type="button" className="danger solid" onClick={confirm}>
              {t('sessions.signOut')}
            </button>
            <button type="button" onClick={() => setPending(null)}>
              {t('sessions.cancel')}
            </button>
          </div>
        </Dialog>
      ) : null}
    </section>
  );
}
