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

// The fields several forms ask for (sign in, sign up, "Confirm it's you"), spelled once.

export function EmailField({ label = 'Email', onValue, ...props }: KindProps) {
  return (
    <Field
      label={label}
      type="email"
      name="email"
      autoComplete="username"
      onChange={(e) => onValue(e.target.value)}
      required
      {...props}
    />
  );
}

export function PasswordField({ label = 'Password', onValue, ...props }: KindProps) {
  return (
    <Field
      label={label}
      type="password"
      autoComplete="current-password"
      onChange={(e) => onValue(e.target.value)}
      required
      {...props}
    />
  );
}

/** An authenticator app's code or a recovery code; callers trim it when they send it. */
export function AuthenticatorCodeField({
  label = 'Authenticator code',
  onValue,
  ...props
}: KindProps) {
  return (
    <Field
      label={label}
      inputMode="numeric"
      autoComplete="one-time-code"
      onChange={(e) => onValue(e.target.value)}
      required
      {...props}
    />
  );
}
