/** One passkey: what it is, when it was made and last used, and rename / delete. */
import { useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import type { PasskeyView } from '../../protocol/api';
import { exactTime, whenWords } from '../lib/format';
import { useAction } from '../lib/use-action';
import { ErrorNotice } from '../components/Notice';
import { t } from '../i18n';

function KeyIcon() {
  return (
    <span className="passkey-icon" aria-hidden="true">
      <svg
        width="22"
        height="22"
        viewBox="0 0 24 24"
        fill="none"
        stroke="currentColor"
        strokeWidth="2"
      >
        <circle cx="8" cy="15" r="4" />
        <path d="M10.8 12.2 20 3M16 7l3 3M14 9l2 2" strokeLinecap="round" />
      </svg>
    </span>
  );
}

export function PasskeyRow(props: {
  passkey: PasskeyView;
  onRename: (name: string) => Promise<void>;
  onDelete: () => void;
}) {
  const p = props.passkey;
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(p.name);
  const { busy, error, setError, run } = useAction();
  const renameButton = useRef<HTMLButtonElement>(null);

  const close = () => {
    setEditing(false);
    setName(p.name);
    setError(null);
    // Back where the person was, for keyboards and screen readers.
    requestAnimationFrame(() => renameButton.current?.focus());
  };

  const save = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      await props.onRename(name);
      setEditing(false);
      requestAnimationFrame(() => renameButton.current?.focus());
    });
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key !== 'Escape' || busy) return;
    e.preventDefault();
    close();
  };

  return (
    <li className="card passkey" data-testid="passkey-row" data-passkey-id={p.id}>
      <div className="passkey-head">
        <KeyIcon />
        <div>
          <p className="passkey-name" data-testid="passkey-name">
            {p.name}
          </p>
          <p className="muted" data-testid="passkey-provider">
            {p.providerName ?? t('passkeys.unknownProvider')}
          </p>
        </div>
      </div>
      <div className="badges">
        {p.kind === 'synced' ? (
          <span className="badge" data-testid="passkey-kind" title={t('passkeys.syncedTitle')}>
            {t('passkeys.synced')}
          </span>
        ) : (
          <span className="badge" data-testid="passkey-kind" title={t('passkeys.deviceOnlyTitle')}>
            {t('passkeys.deviceOnly')}
          </span>
        )}
        {p.usedForThisSession && (
          <span className="badge badge-accent" data-testid="passkey-this-session">
            {t('passkeys.signedYouIn')}
          </span>
        )}
      </div>
      <dl className="facts">
        <dt>{t('passkeys.created')}</dt>
        <dd title={exactTime(p.createdAt)} data-testid="passkey-created-at">
          {whenWords(p.createdAt)}
        </dd>
        <dt>{t('passkeys.lastUsed')}</dt>
        <dd title={exactTime(p.lastUsedAt)} data-testid="passkey-last-used">
          {whenWords(p.lastUsedAt)}
        </dd>
      </dl>
      {editing ? (
        <form onSubmit={save} onKeyDown={onKeyDown} className="rename">
          <label htmlFor={`rename-${p.id}`}>{t('passkeys.nameLabel')}</label>
          <input
            id={`rename-${p.id}`}
            value={name}
            maxLength={64}
            onChange={(e) => setName(e.target.value)}
            autoFocus
            required
          />
          {error && <ErrorNotice message={error} />}
          <div className="actions">
            <button type="submit" className="button primary" disabled={busy}>
              {t('passkeys.save')}
            </button>
            <button type="button" className="button secondary" onClick={close} disabled={busy}>
              {t('common.cancel')}
            </button>
          </div>
        </form>
      ) : (
        <div className="actions">
          <button
            ref={renameButton}
            type="button"
            className="button secondary"
            aria-label={t('passkeys.renameLabel', { name: p.name })}
            onClick={() => setEditing(true)}
          >
            {t('passkeys.rename')}
          </button>
          <button
            type="button"
            className="button danger-outline"
            aria-label={t('passkeys.deleteLabel', { name: p.name })}
            onClick={props.onDelete}
          >
            {t('passkeys.delete')}
          </button>
        </div>
      )}
    </li>
  );
}
