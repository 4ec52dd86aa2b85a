/** An error in plain words with a way forward (retry), announced to screen readers. */
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { UiError } from '../bridge';
import { isRetryable, plainMessage } from '../errors';

type Props = {
  error: UiError;
  title?: string;
  onRetry?: () => void;
  retryLabel?: string;
  children?: ReactNode;
};

export function ErrorBanner({ error, title, onRetry, retryLabel, children }: Props) {
  const { t } = useTranslation();
  return (
    <div className="banner error" role="alert">
      {title ? <strong>{title}</strong> : null}
      <span>{plainMessage(error)}</span>
      {children}
      {onRetry && isRetryable(error.code) ? (
        <div className="button-row">
          <button type="button" onClick={onRetry}>
            {retryLabel ?? t('errors.tryAgain')}
          </button>
        </div>
      ) : null}
    </div>
  );
}
