/**
 * The phone and this computer are on different networks: the server only completes the sign-in
 * when the person at this computer types the 6 digits the phone shows.
 */
import { useState, type FormEvent } from 'react';
import { SixDigitCodeField } from '../ui/fields';

type Props = {
  triesLeft: number | null;
  message: string | null;
  onSubmit: (code: string) => Promise<unknown>;
};

export function ReverseCodeForm({ triesLeft, message, onSubmit }: Props) {
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
    <form onSubmit={submit} className="card" aria-label="Check with your phone">
      <h2>Enter the code shown on your phone</h2>
      <p>
        Your phone is on a different network from this computer, so Keybridge needs one more check.
        Type the 6 digits your phone shows.
      </p>
      <p className="small muted">
        This code is only ever shown on your phone, on your exchange’s own page. If someone asks you
        to read it out or type it elsewhere, stop: they are trying to sign in as you.
      </p>
      {message ? (
        <div className="banner error" role="alert">
          {/* The server's words end in the tries left, which the field's hint already says. */}
          {triesLeft !== null ? 'That code is not the one on your phone.' : message}
        </div>
      ) : null}
      <SixDigitCodeField
        id="reverse-code"
        label="Code from your phone"
        value={code}
        onValue={setCode}
        autoFocus
        hint={
          triesLeft !== null
            ? `${triesLeft} ${triesLeft === 1 ? 'try' : 'tries'} left`
            : '6 digits, as your phone shows them (spaces are fine)'
        }
      />
      <button type="submit" className="primary" disabled={!valid || busy}>
        {busy ? 'Verifying…' : 'Verify code'}
      </button>
    </form>
  );
}
