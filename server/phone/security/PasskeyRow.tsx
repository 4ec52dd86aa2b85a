/** One passkey: what it is, when it was made and last used, and rename / delete. */
import { useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import type { PasskeyView } from '../../protocol/api';
import { exactTime, whenWords } from '../lib/format';
import { useAction } from '../lib/use-action';
import { ErrorNotice } from '../components/Notice';

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
            {p.providerName ?? 'Unknown passkey provider'}
          </p>
        </div>
      </div>
      <div className="badges">
        {p.kind === 'synced' ? (
          <span
            className="badge"
            data-testid="passkey-kind"
            title="Backed up by your passkey provider"
          >
            Synced
          </span>
        ) : (
          <span className="badge" data-testid="passkey-kind" title="Lives only on one device">
            This device only
          </span>
        )}
        {p.usedForThisSession && (
          <span className="badge badge-accent" data-testid="passkey-this-session">
            Signed you in now
          </span>
        )}
      </div>
      <dl className="facts">
        <dt>Created</dt>
        <dd title={exactTime(p.createdAt)} data-testid="passkey-created-at">
          {whenWords(p.createdAt)}
        </dd>
        <dt>Last used</dt>
        <dd title={exactTime(p.lastUsedAt)} data-testid="passkey-last-used">
          {whenWords(p.lastUsedAt)}
        </dd>
      </dl>
      {editing ? (
        <form onSubmit={save} onKeyDown={onKeyDown} className="rename">
          <label htmlFor={`rename-${p.id}`}>Passkey name</label>
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
              Save
            </button>
            <button type="button" className="button secondary" onClick={close} disabled={busy}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <div className="actions">
          <button
            ref={renameButton}
            type="button"
            className="button secondary"
            aria-label={`Rename ${p.name}`}
            onClick={() => setEditing(true)}
          >
            Rename
          </button>
          <button
            type="button"
            className="button danger-outline"
            aria-label={`Delete ${p.name}`}
            onClick={props.onDelete}
          >
            Delete
          </button>
        </div>
      )}
    </li>
  );
}
