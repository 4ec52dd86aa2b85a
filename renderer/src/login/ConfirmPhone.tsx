/**
 * Adding a passkey: a phone opened the code, and nothing has been sent to it yet. Only the
 * person at this computer knows whether that is their phone, so they answer here before the
 * phone is asked to make a passkey. Yes and No look alike on purpose: neither is the default
 * a hurried click lands on.
 */
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { QrPhoneView } from '../../../electron/ipc/contract';
import { PhoneName } from './PhoneName';

type Props = {
  phone: QrPhoneView;
  onAnswer: (yes: boolean) => Promise<unknown>;
};

export function ConfirmPhone({ phone, onAnswer }: Props) {
  const { t } = useTranslation();
  const titleId = useId();
  const [busy, setBusy] = useState(false);

  async function answer(yes: boolean) {
    if (busy) return;
    setBusy(true);
    try {
      await onAnswer(yes);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="confirm-phone" role="group" aria-labelledby={titleId}>
      <h3 id={titleId}>{t('confirmPhone.title')}</h3>
      <p className="confirm-phone-device">
        <PhoneName phone={phone} />
      </p>
      <p className="small muted">{t('confirmPhone.body')}</p>
      <div className="button-row equal">
        <button type="button" disabled={busy} onClick={() => void answer(true)}>
          {t('confirmPhone.yes')}
        </button>
        <button type="button" disabled={busy} onClick={() => void answer(false)}>
          {t('confirmPhone.no')}
        </button>
      </div>
    </div>
  );
}
