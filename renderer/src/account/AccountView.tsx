/** Who is signed in and how safe the account is, in the spirit of an exchange's security page. */
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import type { ChecklistItem, MeResponse } from '../../../server/protocol/api';
import type { SettingsSection } from '../settings/SettingsPane';
import { formatDate } from '../format';

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
const actionFor = {
  passkey: 'checklist.action.add',
  totp: 'checklist.action.setUp',
  recovery: 'checklist.action.setUp',
  sessions: 'checklist.action.review',
} as const satisfies Record<ChecklistItem['id'], string>;

function actionOf(item: ChecklistItem, t: TFunction): string {
  return item.done ? t('checklist.action.review') : t(actionFor[item.id]);
}

/**
 * The item's words, by its id and numbers: the server's `label` and `detail` are English and
 * only a fallback for a number it did not send.
 */
function wordsOf(
  item: ChecklistItem,
  me: MeResponse,
  t: TFunction,
): { label: string; detail: string } {
  const count = item.count;
  switch (item.id) {
    case 'passkey':
      return {
        label: t('checklist.passkey.label'),
        detail: !item.done
          ? t('checklist.passkey.todo')
          : count !== undefined
            ? t('checklist.passkey.done', { count })
            : item.detail,
      };
    case 'totp':
      return {
        label: t('checklist.totp.label'),
        detail: item.done ? t('checklist.totp.done') : t('checklist.totp.todo'),
      };
    case 'recovery':
      return {
        label: t('checklist.recovery.label'),
        detail: !me.totpEnabled
          ? t('checklist.recovery.todo')
          : count === undefined
            ? item.detail
            : count === 0
              ? t('checklist.recovery.none')
              : t('checklist.recovery.unused', { count }),
      };
    case 'sessions': {
      const label = t('checklist.sessions.label');
      if (count === undefined) return { label, detail: item.detail };
      if (item.unreviewed === undefined)
        return { label, detail: t('checklist.sessions.count', { count }) };
      if (count <= 1) return { label, detail: t('checklist.sessions.onlyThis') };
      return {
        label,
        detail:
          item.unreviewed === 0
            ? t('checklist.sessions.allReviewed', { count })
            : t('checklist.sessions.unreviewed', { count, unreviewed: item.unreviewed }),
      };
    }
  }
}

type Props = { me: MeResponse; onOpenSettings: (s: SettingsSection) => void };

export function AccountView({ me, onOpenSettings }: Props) {
  const { t } = useTranslation();
  const done = me.checklist.filter((c) => c.done).length;
  return (
    <>
      <section className="card" aria-labelledby="account-title">
        <h1 id="account-title">{t('account.title')}</h1>
        <dl className="facts">
          <dt>{t('account.signedInAs')}</dt>
          <dd data-testid="account-email">{me.user.email}</dd>
          <dt>{t('account.signedInWith')}</dt>
          <dd>{t(`account.method.${me.session.method}`)}</dd>
          <dt>{t('account.memberSince')}</dt>
          <dd>{formatDate(me.user.createdAt)}</dd>
          <dt>{t('account.passkeys')}</dt>
          <dd>{me.passkeyCount}</dd>
          <dt>{t('account.sessions')}</dt>
          <dd>{me.sessionCount}</dd>
        </dl>
      </section>
      <section className="card" aria-labelledby="checklist-title">
        <div className="card-header">
          <div>
            <h2 id="checklist-title">{t('checklist.title')}</h2>
            <p className="muted small">
              {done === me.checklist.length
                ? t('checklist.allDone')
                : t('checklist.progress', { done, total: me.checklist.length })}
            </p>
          </div>
        </div>
        <ul className="checklist" aria-label={t('checklist.title')}>
          {me.checklist.map((item) => {
            const words = wordsOf(item, me, t);
            return (
              <li key={item.id}>
                <span
                  className={`check-icon ${item.done ? 'done' : item.id === 'sessions' ? 'review' : 'todo'}`}
                  aria-hidden="true"
                >
                  {item.done ? '✓' : item.id === 'sessions' ? '•' : '!'}
                </span>
                <div className="row-main">
                  <div className="row-title">
                    {words.label}
                    <span className="visually-hidden">
                      {item.done ? t('checklist.done') : t('checklist.todo')}
                    </span>
                  </div>
                  <div className="meta">{words.detail}</div>
                </div>
                <div className="row-actions">
                  <button
                    type="button"
                    aria-label={t('checklist.actionLabel', {
                      action: actionOf(item, t),
                      item: words.label,
                    })}
                    onClick={() => onOpenSettings(sectionFor[item.id])}
                  >
                    {actionOf(item, t)}
                  </button>
                </div>
              </li>
            );
          })}
        </ul>
      </section>
    </>
  );
}
