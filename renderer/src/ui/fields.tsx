/**
 * The form fields the desktop app asks for in more than one place (sign-in, security
 * verification, the reverse code, authenticator app set-up), so each kind of input is spelled once:
 * its type, keyboard, autofill hint and clean-up of what was typed.
 */
import { useId, type InputHTMLAttributes, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

type InputProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'id' | 'value' | 'onChange'>;

type FieldProps = InputProps & {
  id: string;
  label: string;
  value: string;
  onValue: (value: string) => void;
  /** shown under the input and linked to it as its description */
  hint?: ReactNode;
};

/** A labelled input in the app's `.field` layout. */
export function TextField({ id, label, value, onValue, hint, ...input }: FieldProps) {
  const hintId = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="text"
        {...input}
        value={value}
        onChange={(e) => onValue(e.target.value)}
        aria-describedby={hint ? hintId : undefined}
      />
      {hint ? (
        <div className="hint" id={hintId}>
          {hint}
        </div>
      ) : null}
    </div>
  );
}

type KindProps = Omit<FieldProps, 'label'> & { label?: string };

export function EmailField({ label, ...props }: KindProps) {
  const { t } = useTranslation();
  return (
    <TextField label={label ?? t('fields.email')} type="email" autoComplete="username" {...props} />
  );
}

export function PasswordField({ label, ...props }: KindProps) {
  const { t } = useTranslation();
  return (
    <TextField
      label={label ?? t('fields.password')}
      type="password"
      autoComplete="current-password"
      {...props}
    />
  );
}

/** A code from an authenticator app (or a recovery code): any characters, trimmed. */
export function AuthenticatorCodeField({ label, onValue, ...props }: KindProps) {
  const { t } = useTranslation();
  return (
    <TextField
      label={label ?? t('fields.authenticatorCode')}
      inputMode="numeric"
      autoComplete="one-time-code"
      onValue={(v) => onValue(v.trim())}
      {...props}
    />
  );
}

/**
 * Exactly six digits (reverse code, authenticator set-up): anything else is dropped as typed.
 * No maxLength: the phone shows "637 524", and a paste of those 7 characters would be cut to
 * "63752" before the spaces are dropped.
 */
export function SixDigitCodeField({ onValue, ...props }: FieldProps) {
  return (
    <TextField
      className="code-input"
      inputMode="numeric"
      autoComplete="one-time-code"
      onValue={(v) => onValue(v.replace(/\D/g, '').slice(0, 6))}
      {...props}
    />
  );
}
