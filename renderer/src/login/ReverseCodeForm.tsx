/**
 * The phone and this computer are on different networks: the server only completes the sign-in
 * when the person at this computer types the 6 digits the phone shows.
 */
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { SixDigitCodeField } from '../ui/fields';

type Props = {
  triesLeft: number | null;
  message: string | null;
  onSubmit: (code: string) => Promise<unknown>;
};

export function ReverseCodeForm({ triesLeft, message, onSubmit }: Props) {
  const { t } = useTranslation();
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const valid = /^\d{6}$/.test(code);

  async function submit(ev: FormEvent) {
    ev.preventDefault();
    if (!valid || busy) return;
    setBusy(true);
    try {
      await onSubmit(code);
    } finally {
      setBusy(false);
      setCode('');
    }
  }

  return (
    <form onSubmit={submit} className="card" aria-label={t('reverseCode.label')}>
      <h2>{t('reverseCode.title')}</h2>
      <p>{t('reverseCode.why')}</p>
      <p className="small muted">{t('reverseCode.warning')}</p>
      {message ? (
        <div className="banner error" role="alert">
          {/* The server's words (English, and ending in the tries left, which the field's hint
              already says) are not shown: a message here only ever means a wrong code. */}
          {t('reverseCode.wrong')}
        </div>
      ) : null}
      <SixDigitCodeField
        id="reverse-code"
        label={t('reverseCode.field')}
        value={code}
        onValue={setCode}
        autoFocus
        hint={
          triesLeft !== null
            ? t('reverseCode.triesLeft', { count: triesLeft })
            : t('reverseCode.hint')
        }
      />
      <button type="submit" className="primary" disabled={!valid || busy}>
        {busy ? t('reverseCode.submitting') : t('reverseCode.submit')}
      </button>
    </form>
  );
}
