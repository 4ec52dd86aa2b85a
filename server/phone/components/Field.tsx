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
