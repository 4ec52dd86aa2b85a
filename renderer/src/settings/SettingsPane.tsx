/** Settings: Passkeys, Authenticator app, Password, Sessions, Activity, with a keyboard-usable section list. */
import { useTranslation } from 'react-i18next';
import type { MeResponse } from '../../../server/protocol/api';
import { ActivitySection } from './ActivitySection';
import { PasskeysSection } from './PasskeysSection';
import { PasswordSection } from './PasswordSection';
import { SessionsSection } from './SessionsSection';
import { StepUpProvider } from './StepUp';
import { TwoFactorSection } from './TwoFactorSection';

export type SettingsSection = 'passkeys' | 'authenticator' | 'password' | 'sessions' | 'activity';

const sections: readonly SettingsSection[] = [
  'passkeys',
  'authenticator',
  'password',
  'sessions',
  'activity',
];

type Props = {
  me: MeResponse;
  section: SettingsSection;
  onSection: (s: SettingsSection) => void;
  onChanged: () => void;
};

export function SettingsPane({ me, section, onSection, onChanged }: Props) {
  const { t } = useTranslation();
  return (
    <StepUpProvider
      totpEnabled={me.totpEnabled}
      hasPasskeys={me.passkeyCount > 0}
      elevatedUntil={me.elevatedUntil}
      elevatedBy={me.elevatedBy}
    >
      <div className="settings">
        <nav className="settings-nav" aria-label={t('settings.label')}>
          {sections.map((s) => (
            <button
              key={s}
              type="button"
              aria-current={section === s ? 'true' : undefined}
              onClick={() => onSection(s)}
            >
              {t(`settings.${s}`)}
            </button>
          ))}
        </nav>
        <div>
          {section === 'passkeys' ? <PasskeysSection onChanged={onChanged} /> : null}
          {section === 'authenticator' ? (
            <TwoFactorSection enabled={me.totpEnabled} onChanged={onChanged} />
          ) : null}
          {section === 'password' ? <PasswordSection onChanged={onChanged} /> : null}
          {section === 'sessions' ? <SessionsSection onChanged={onChanged} /> : null}
          {section === 'activity' ? <ActivitySection /> : null}
        </div>
      </div>
    </StepUpProvider>
  );
}
