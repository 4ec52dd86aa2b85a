/**
 * Passkeys: what each one is (provider, synced or on this device only), when it was made and last
 * used, which one signed in this session; rename; add with the phone; delete after a security
 * verification, with an explicit second confirmation for the last one.
 */
import { useState } from 'react';
import type { PasskeyView } from '../../../server/protocol/api';
import { api, asUiError, call, type UiError } from '../bridge';
import { formatAgo } from '../format';
import { QrFlowPanel } from '../login/QrFlowPanel';
import { Dialog } from '../ui/Dialog';
import { ErrorBanner } from '../ui/ErrorBanner';
import { TextField } from '../ui/fields';
import { useSubmit } from '../ui/useSubmit';
import { useStepUp } from './StepUp';
import { ListSectionBanners, useListSection } from './useListSection';

const loadPasskeys = () => call(api().listPasskeys());
const startAdd = () => api().startAddPasskey();

type Props = { onChanged: () => void };

export function PasskeysSection({ onChanged }: Props) {
  const section = useListSection(loadPasskeys, onChanged);
  const { data, clear, changed, failed } = section;
  const { withVerification } = useStepUp();
  const [renaming, setRenaming] = useState<PasskeyView | null>(null);
  const [deleting, setDeleting] = useState<PasskeyView | null>(null);
  const [adding, setAdding] = useState(false);

  async function beginAdd() {
    clear();
    const ok = await withVerification(
      'Adding a passkey lets a new device sign in as you.',
      async () => true,
    );
    if (ok) setAdding(true);
  }

  const passkeys = data?.passkeys ?? [];
  const atLimit = data ? passkeys.length >= data.limit : false;

  return (
    <section className="card" aria-labelledby="passkeys-title">
      <div className="card-header">
        <div>
          <h2 id="passkeys-title">Passkeys</h2>
          <p className="muted small">
            Passkeys sign you in with your phone’s fingerprint or face check. They only work on the
            exchange’s own site, so a fake site cannot use them.
          </p>
        </div>
        <button
          type="button"
          className="primary"
          onClick={() => void beginAdd()}
          disabled={atLimit}
        >
          Add a passkey
        </button>
      </div>

      <ListSectionBanners section={section} loadingText="Loading passkeys…" />
      {data && passkeys.length === 0 ? (
        <div className="banner warn">
          <strong>No passkeys yet</strong>
          Add one so you can sign in by scanning with your phone.
        </div>
      ) : null}
      {atLimit ? (
        <p className="small muted">
          You have {data?.limit} passkeys, the most an account can have.
        </p>
      ) : null}

      <ul className="rows" aria-label="Your passkeys">
        {passkeys.map((p) => (
          <li key={p.id} className="row" data-testid="passkey-row">
            <div className="row-main">
              <div className="row-title">
                <span>{p.name}</span>
                {p.usedForThisSession ? (
                  <span className="badge accent">Signed in this session</span>
                ) : null}
                <span className={`badge ${p.kind === 'synced' ? 'ok' : ''}`}>
                  {p.kind === 'synced' ? 'Synced' : 'This device only'}
                </span>
              </div>
              <div className="meta">
                {p.providerName ?? 'Unknown provider'} · Created {formatAgo(p.createdAt)} · Last
                used {formatAgo(p.lastUsedAt)}
              </div>
            </div>
            <div className="row-actions">
              <button type="button" onClick={() => setRenaming(p)} aria-label={`Rename ${p.name}`}>
                Rename
              </button>
              <button
                type="button"
                className="danger"
                onClick={() => {
                  clear();
                  setDeleting(p);
                }}
                aria-label={`Delete ${p.name}`}
              >
                Delete
              </button>
            </div>
          </li>
        ))}
      </ul>

      {renaming ? (
        <RenameDialog
          passkey={renaming}
          onClose={() => setRenaming(null)}
          onRenamed={(name) => {
            setRenaming(null);
            changed(`Renamed to “${name}”.`);
          }}
        />
      ) : null}

      {deleting ? (
        <DeleteDialog
          passkey={deleting}
          isLast={passkeys.length === 1}
          onClose={() => setDeleting(null)}
          onDeleted={() => {
            const name = deleting.name;
            setDeleting(null);
            changed(`Deleted “${name}”. It can no longer sign in.`);
          }}
          onError={(e) => {
            setDeleting(null);
            failed(e);
          }}
        />
      ) : null}

      {adding ? (
        <Dialog title="Add a passkey with your phone" onClose={() => setAdding(false)}>
          <p className="small muted">
            Scan this code with the phone that should hold the new passkey, signed in to your
            account on the exchange’s site. Keybridge asks you to confirm the phone before anything
            is added.
          </p>
          <QrFlowPanel
            purpose="add-passkey"
            start={startAdd}
            onClose={() => setAdding(false)}
            onDone={({ passkey }) => {
              setAdding(false);
              changed(
                passkey
                  ? `Passkey added. “${passkey.name}” is ready to sign in.`
                  : 'Passkey added. It is ready to sign in.',
              );
            }}
          />
        </Dialog>
      ) : null}
    </section>
  );
}

function RenameDialog({
  passkey,
  onClose,
  onRenamed,
}: {
  passkey: PasskeyView;
  onClose: () => void;
  onRenamed: (name: string) => void;
}) {
  const [name, setName] = useState(passkey.name);
  const { busy, error, submit } = useSubmit(async () => {
    await call(api().renamePasskey({ id: passkey.id, name: name.trim() }));
    onRenamed(name.trim());
  });

  return (
    <Dialog title="Rename passkey" onClose={onClose}>
      <form onSubmit={submit}>
        {error ? <ErrorBanner error={error} /> : null}
        <TextField
          id="passkey-name"
          label="Passkey name"
          maxLength={64}
          value={name}
          onValue={setName}
          autoFocus
          hint="A name that tells you which device or app holds it."
        />
        <div className="button-row">
          <button type="submit" className="primary" disabled={busy || !name.trim()}>
            Save name
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function DeleteDialog({
  passkey,
  isLast,
  onClose,
  onDeleted,
  onError,
}: {
  passkey: PasskeyView;
  isLast: boolean;
  onClose: () => void;
  onDeleted: () => void;
  onError: (e: UiError) => void;
}) {
  const { withVerification } = useStepUp();
  // For the last passkey the person must confirm twice: this dialog, then an explicit checkbox.
  const [understood, setUnderstood] = useState(false);
  const [busy, setBusy] = useState(false);

  async function remove() {
    setBusy(true);
    try {
      const done = await withVerification(
        `Deleting “${passkey.name}” means it can no longer sign in to your account.`,
        () =>
          call(
            api().deletePasskey({
              id: passkey.id,
              ...(isLast ? { acknowledgeLastPasskey: true } : {}),
            }),
          ),
      );
      if (done) onDeleted();
      else setBusy(false);
    } catch (e) {
      onError(asUiError(e));
    }
  }

  return (
    <Dialog title={`Delete “${passkey.name}”?`} onClose={onClose}>
      <p>
        The phone or app that holds this passkey will no longer be able to sign in to your exchange
        account. You will be asked to confirm it is you.
      </p>
      {isLast ? (
        <div className="banner warn" role="alert">
          <strong>This is your last passkey.</strong>
          After deleting it you can only sign in with your password and authenticator code. If you
          have lost those too, you will be locked out.
          <div className="field">
            <label>
              <input
                type="checkbox"
                checked={understood}
                onChange={(e) => setUnderstood(e.target.checked)}
              />{' '}
              I understand, delete my last passkey
            </label>
          </div>
        </div>
      ) : null}
      <div className="button-row">
        <button
          type="button"
          className="danger solid"
          disabled={busy || (isLast && !understood)}
          onClick={() => void remove()}
        >
          Delete passkey
        </button>
        <button type="button" onClick={onClose}>
          Keep it
        </button>
      </div>
    </Dialog>
  );
}
