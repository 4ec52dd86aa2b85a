/** A labelled input; the label is the accessible name tests and screen readers use. */
import { useId, type InputHTMLAttributes } from 'react';
import { t } from '../i18n';

export function Field(
  props: { label: string; hint?: string } & InputHTMLAttributes<HTMLInputElement>,
) {
  const { label, hint, ...input } = props;
  const id = useId();
  const hintId = `${id}-hint`;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} aria-describedby={hint ? hintId : undefined} {...input} />
      {hint && (
        <p className="hint" id={hintId}>
          {hint}
        </p>
      )}
    </div>
  );
}

type KindProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'value' | 'onChange'> & {
  label?: string;
  hint?: string;
  value: string;
  onValue: (value: string) => void;
};

/** A required Field with a kind's defaults (label, type, autofill hint); props override them. */
function fieldKind(defaults: () => { label: string } & InputHTMLAttributes<HTMLInputElement>) {
  return function KindField({ onValue, ...props }: KindProps) {
    const d = defaults();
    return (
      <Field
        {...d}
        onChange={(e) => onValue(e.target.value)}
        required
        {...props}
        label={props.label ?? d.label}
      />
    );
  };
}

// The fields several forms ask for (sign in, sign up, "Confirm it's you"), spelled once.

export const EmailField = fieldKind(() => ({
  label: t('field.email'),
  type: 'email',
  name: 'email',
  autoComplete: 'username',
}));

export const PasswordField = fieldKind(() => ({
  label: t('field.password'),
  type: 'password',
  autoComplete: 'current-password',
}));

/** An authenticator app's code or a recovery code; callers trim it when they send it. */
export const AuthenticatorCodeField = fieldKind(() => ({
  label: t('field.authenticatorCode'),
  inputMode: 'numeric',
  autoComplete: 'one-time-code',
}));
