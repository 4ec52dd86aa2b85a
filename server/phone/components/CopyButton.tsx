/** A button that copies text and says so ("Copied"), or says plainly when the phone would not. */
import { useState } from 'react';
import { t } from '../i18n';

export function CopyButton(props: {
  text: string;
  label: string;
  /** accessible name when the visible label is not enough ("Copy key") */
  ariaLabel?: string;
  className?: string;
  testId?: string;
}) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.text);
      setState('copied');
    } catch {
      // No clipboard permission (or none at all): the text is on screen to copy by hand.
      setState('failed');
    }
  };
  return (
    <>
      <button
        type="button"
        className={props.className ?? 'button secondary'}
        aria-label={props.ariaLabel}
        data-testid={props.testId}
        onClick={() => void copy()}
      >
        {state === 'copied' ? t('copy.copied') : props.label}
      </button>
      <span className="copy-status" role="status">
        {state === 'copied' ? t('copy.copiedStatus') : state === 'failed' ? t('copy.failed') : ''}
      </span>
    </>
  );
}
