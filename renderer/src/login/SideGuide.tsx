/**
 * The login screen's side column: the words for what the person can do now. Scanning steps
 * while a code is shown; what to check on the phone once it scanned; why a code is asked
 * when the networks differ; what happens while the exchange is out of reach; what to try
 * after a failure; and in password mode, the password's own help.
 */
import { useTranslation } from 'react-i18next';
import type { QrView } from '../../../electron/ipc/contract';

type Props = {
  mode: 'qr' | 'password';
  view: QrView;
  /** wrong passwords so far on this screen */
  passwordFailures: number;
};

export function SideGuide({ mode, view, passwordFailures }: Props) {
  const { t } = useTranslation();
  if (mode === 'password') {
    return (
      <>
        <p className="muted">{t('guide.password.intro')}</p>
        {passwordFailures >= 2 ? (
          <p className="small" data-testid="guide-password-trouble">
            {t('guide.password.trouble')}
          </p>
        ) : (
          <p className="small muted">{t('guide.password.quicker')}</p>
        )}
      </>
    );
  }
  switch (view.status) {
    case 'scanned':
    case 'verifying':
      return (
        <>
          <p className="muted">{t('guide.scanned.intro')}</p>
          <ol className="steps">
            <li>{t('guide.scanned.step1')}</li>
            <li>{t('guide.scanned.step2')}</li>
          </ol>
          <p className="small muted">{t('guide.scanned.notYou')}</p>
        </>
      );
    case 'needs-code':
      return (
        <>
          <p className="muted">{t('guide.needsCode.intro')}</p>
          <ol className="steps">
            <li>{t('guide.needsCode.step1')}</li>
            <li>{t('guide.needsCode.step2')}</li>
          </ol>
          <p className="small muted">{t('guide.needsCode.why')}</p>
        </>
      );
    case 'failed':
      if (view.code === 'server-unreachable')
        return (
          <>
            <p className="muted">{t('guide.unreachable.intro')}</p>
            <ul className="steps">
              <li>{t('guide.unreachable.step1')}</li>
              <li>{t('guide.unreachable.step2')}</li>
              <li>{t('guide.unreachable.step3')}</li>
            </ul>
          </>
        );
      if (view.code === 'expired')
        return (
          <>
            <p className="muted">{t('guide.expired.intro')}</p>
            <p className="small muted">{t('guide.expired.next')}</p>
          </>
        );
      return (
        <>
          <p className="muted">{t('guide.failed.intro')}</p>
          <ul className="steps">
            <li>{t('guide.failed.step1')}</li>
            <li>{t('guide.failed.step2')}</li>
          </ul>
        </>
      );
    case 'cancelled':
      return <p className="muted">{t('guide.cancelled')}</p>;
    default:
      return (
        <>
          <p className="muted">{t('guide.scan.intro')}</p>
          <ol className="steps">
            <li>{t('guide.scan.step1')}</li>
            <li>{t('guide.scan.step2')}</li>
            <li>{t('guide.scan.step3')}</li>
          </ol>
          <p className="small muted">{t('guide.scan.once')}</p>
        </>
      );
  }
}
