/**
 * Adding a passkey: a phone opened the code, and nothing has been sent to it yet. Only the
 * person at this computer knows whether that is their phone, so they answer here before the
 * phone is asked to make a passkey. Yes and No look alike on purpose: neither is the default
 * a hurried click lands on.
 */
import { useId, useState } from 'react';
import type { QrPhoneView } from '../../../electron/ipc/contract';
import { PhoneName } from './PhoneName';

type Props = {
  phone: QrPhoneView;
  onAnswer: (yes: boolean) => Promise<unknown>;
};

export function ConfirmPhone({ phone, onAnswer }: Props) {
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
      <h3 id={titleId}>Is this your phone?</h3>
      <p className="confirm-phone-device">
        <PhoneName phone={phone} />
      </p>
      <p className="small muted">
        A phone just scanned the code. Say yes only if it is the phone in your hand; if you did not
        scan it just now, say no and nothing is added.
      </p>
      <div className="button-row equal">
        <button type="button" disabled={busy} onClick={() => void answer(true)}>
          Yes, add the passkey
        </button>
        <button type="button" disabled={busy} onClick={() => void answer(false)}>
          No, cancel
        </button>
      </div>
    </div>
  );
}
