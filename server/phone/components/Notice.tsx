/** One place for failure and success words, so every error has the same look and a way forward. */
import type { ReactNode } from 'react';
import { t } from '../i18n';

export function ErrorNotice(props: {
  message: string;
  onRetry?: () => void;
  retryLabel?: string;
  /** machine-readable cause (error name or API code), for support and tests; never shown */
  code?: string;
  children?: ReactNode;
}) {
  return (
    <div className="notice notice-error" role="alert" data-testid="error" data-code={props.code}>
      <p>{props.message}</p>
      {props.children}
      {props.onRetry && (
        <button type="button" className="button secondary" onClick={props.onRetry}>
          {props.retryLabel ?? t('common.tryAgain')}
        </button>
      )}
    </div>
  );
}

export function SuccessNotice(props: {
  children: ReactNode;
  testId?: string;
  signalled?: boolean;
}) {
  return (
    <div
      className="notice notice-success"
      role="status"
      data-testid={props.testId}
      data-signalled={props.signalled === undefined ? undefined : String(props.signalled)}
    >
      {props.children}
    </div>
  );
}
