/**
 * The phone that opened a QR, as the server named it from its browser ("Chrome on Android"),
 * next to a phone icon. Only this readable name reaches the renderer (electron/ipc/qr-view.ts).
 */
import { useTranslation } from 'react-i18next';
import type { QrPhoneView } from '../../../electron/ipc/contract';
import { sayServerDeviceName } from '../format';
import { PhoneIcon } from '../ui/icons';

export function PhoneName({ phone }: { phone: QrPhoneView }) {
  const { t } = useTranslation();
  return (
    <span className="phone-name" data-testid="qr-phone-device">
      <PhoneIcon />
      <span>{phone.device ? sayServerDeviceName(phone.device) : t('qr.unknownPhone')}</span>
    </span>
  );
}
