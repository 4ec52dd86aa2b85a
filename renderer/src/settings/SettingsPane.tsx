/** Settings: Passkeys, Authenticator app, Password, Sessions, Activity, with a keyboard-usable section list. */
import type { MeResponse } from '../../../server/protocol/api';
import { ActivitySection } from './ActivitySection';
import { PasskeysSection } from './PasskeysSection';
import { PasswordSection } from './PasswordSection';
import { SessionsSection } from './SessionsSection';
import { StepUpProvider } from './StepUp';
import { TwoFactorSection } from './TwoFactorSection';

export type SettingsSection = 'passkeys' | 'authenticator' | 'password' | 'sessions' | 'activity';

const sections: { id: SettingsSection; label: string }[] = [
  { id: 'passkeys', label: 'Passkeys' },
  { id: 'authenticator', label: 'Authenticator app' },
  { id: 'password', label: 'Password' },
  { id: 'sessions', label: 'Sessions' },
  { id: 'activity', label: 'Activity' },
];

type Props = {
  me: MeResponse;
  section: SettingsSection;
  onSection: (s: SettingsSection) => void;
  onChanged: () => void;
};

export function SettingsPane({ me, section, onSection, onChanged }: Props) {
  return (
    <StepUpProvider
      totpEnabled={me.totpEnabled}
      hasPasskeys={me.passkeyCount > 0}
      elevatedUntil={me.elevatedUntil}
      elevatedBy={me.elevatedBy}
    >
      <div className="settings">
        <nav className="settings-nav" aria-label="Settings sections">
          {sections.map((s) => (
            <button
              key={s.id}
              type="button"
              aria-current={section === s.id ? 'true' : undefined}
              onClick={() => onSection(s.id)}
            >
              {s.label}
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
