/**
 * No system keychain: Keybridge stops here, before any QR, because a sign-in it cannot keep
 * would make the person approve on the phone for nothing. One fix step for this system and
 * "Check again"; nothing is saved to disk meanwhile. The CLI stops the same way
 * (electron/cli/keybridge.ts, with the same fix step from electron/services/token-vault.ts).
 */
import { useEffect, useState } from 'react';
import { Trans, useTranslation } from 'react-i18next';
import { api } from '../bridge';

function fixStepKey(platform: string | null) {
  if (platform === 'darwin') return 'keychain.fixStep.darwin' as const;
  if (platform === 'win32') return 'keychain.fixStep.win32' as const;
  return 'keychain.fixStep.linux' as const;
}

export function KeychainNeeded({ checking, onCheck }: { checking: boolean; onCheck: () => void }) {
  const { t } = useTranslation();
  const [platform, setPlatform] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    void api()
      .getAppInfo()
      .then((r) => live && r.ok && setPlatform(r.value.platform));
    return () => {
      live = false;
    };
  }, []);
  return (
    <section
      className="card keychain-needed"
      aria-labelledby="keychain-title"
      data-testid="keychain-needed"
    >
      <h1 id="keychain-title">{t('keychain.title')}</h1>
      <p>{t('keychain.body')}</p>
      <p>
        <Trans
          i18nKey="keychain.fix"
          values={{ step: t(fixStepKey(platform)) }}
          components={{ strong: <strong /> }}
        />
      </p>
      <div className="button-row">
        <button type="button" className="primary" disabled={checking} onClick={onCheck}>
          {checking ? t('keychain.checking') : t('keychain.check')}
        </button>
      </div>
    </section>
  );
}
