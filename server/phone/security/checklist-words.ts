/**
 * The checklist's words on the phone, by item id, in the page's language. The server's own
 * label and detail (English, server/accounts/me-route.ts) are the fallback for an item this
 * page does not know.
 */
import type { ChecklistItem, MeResponse } from '../../protocol/api';
import { t } from '../i18n';

/** The recovery item's count only travels inside the server's detail ("8 unused …"). */
const leadingCount = (detail: string) => {
  const n = /^\s*(\d+)/.exec(detail)?.[1];
  return n === undefined ? null : Number(n);
};

export function checklistWords(
  item: ChecklistItem,
  me: Pick<MeResponse, 'passkeyCount' | 'sessionCount' | 'totpEnabled'>,
): { label: string; detail: string } {
  switch (item.id) {
    case 'passkey':
      return {
        label: t('checklist.passkey.label'),
        detail:
          me.passkeyCount > 0
            ? t('checklist.passkey.count', { count: me.passkeyCount })
            : t('checklist.passkey.none'),
      };
    case 'totp':
      return {
        label: t('checklist.totp.label'),
        detail: me.totpEnabled ? t('checklist.totp.on') : t('checklist.totp.off'),
      };
    case 'recovery': {
      const unused = leadingCount(item.detail);
      return {
        label: t('checklist.recovery.label'),
        detail: !me.totpEnabled
          ? t('checklist.recovery.off')
          : unused === null
            ? item.detail
            : t('checklist.recovery.unused', { count: unused }),
      };
    }
    case 'sessions':
      return {
        label: t('checklist.sessions.label'),
        detail: t('checklist.sessions.count', { count: me.sessionCount }),
      };
    default:
      return { label: item.label, detail: item.detail };
  }
}
