/** A labelled input; the label is the accessible name tests and screen readers use. */
import { useId, type InputHTMLAttributes } from 'react';

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
function fieldKind(defaults: { label: string } & InputHTMLAttributes<HTMLInputElement>) {
  return function KindField({ onValue, ...props }: KindProps) {
    return (
      <Field
        {...defaults}
        onChange={(e) => onValue(e.target.value)}
        required
        {...props}
        label={props.label ?? defaults.label}
      />
    );
  };
}

// The fields several forms ask for (sign in, sign up, "Confirm it's you"), spelled once.

export const EmailField = fieldKind({
  label: 'Email',
  type: 'email',
  name: 'email',
  autoComplete: 'username',
});

export const PasswordField = fieldKind({
  label: 'Password',
  type: 'password',
  autoComplete: 'current-password',
});

/** An authenticator app's code or a recovery code; callers trim it when they send it. */
export const AuthenticatorCodeField = fieldKind({
  label: 'Authenticator code',
  inputMode: 'numeric',
  autoComplete: 'one-time-code',
});
