/**
 * Passkeys: what each one is (provider, synced or on this device only), when it was made and last
 * used, which one signed in this session; rename; add with the phone; delete after a security
 * verification, with an explicit second confirmation for the last one.
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
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
  const { t } = useTranslation();
  const section = useListSection(loadPasskeys, onChanged);
  const { data, clear, changed, failed } = section;
  const { withVerification } = useStepUp();
  const [renaming, setRenaming] = useState<PasskeyView | null>(null);
  const [deleting, setDeleting] = useState<PasskeyView | null>(null);
  const [adding, setAdding] = useState(false);

  async function beginAdd() {
    clear();
    const ok = await withVerification(t('passkeys.addReason'), async () => true);
    if (ok) setAdding(true);
  }

  const passkeys = data?.passkeys ?? [];
  const atLimit = data ? passkeys.length >= data.limit : false;

  return (
    <section className="card" aria-labelledby="passkeys-title">
      <div className="card-header">
        <div>
          <h2 id="passkeys-title">{t('passkeys.title')}</h2>
          <p className="muted small">{t('passkeys.intro')}</p>
        </div>
        <button
          type="button"
          className="primary"
          onClick={() => void beginAdd()}
          disabled={atLimit}
        >
          {t('passkeys.add')}
        </button>
      </div>

      <ListSectionBanners section={section} loadingText={t('passkeys.loading')} />
      {data && passkeys.length === 0 ? (
        <div className="banner warn">
          <strong>{t('passkeys.noneTitle')}</strong>
          {t('passkeys.noneBody')}
        </div>
      ) : null}
      {atLimit ? (
        <p className="small muted">{t('passkeys.atLimit', { limit: data?.limit })}</p>
      ) : null}

      <ul className="rows" aria-label={t('passkeys.listLabel')}>
        {passkeys.map((p) => (
          <li key={p.id} className="row" data-testid="passkey-row">
            <div className="row-main">
              <div className="row-title">
                <span>{p.name}</span>
                {p.usedForThisSession ? (
                  <span className="badge accent">{t('passkeys.thisSession')}</span>
                ) : null}
                <span className={`badge ${p.kind === 'synced' ? 'ok' : ''}`}>
                  {p.kind === 'synced' ? t('passkeys.synced') : t('passkeys.deviceOnly')}
                </span>
              </div>
              <div className="meta">
                {t('passkeys.meta', {
                  provider: p.providerName ?? t('passkeys.unknownProvider'),
                  created: formatAgo(p.createdAt),
                  used: formatAgo(p.lastUsedAt),
                })}
              </div>
            </div>
            <div className="row-actions">
              <button
                type="button"
                onClick={() => setRenaming(p)}
                aria-label={t('passkeys.renameLabel', { name: p.name })}
              >
                {t('passkeys.rename')}
              </button>
              <button
                type="button"
                className="danger"
                onClick={() => {
                  clear();
                  setDeleting(p);
                }}
                aria-label={t('passkeys.deleteLabel', { name: p.name })}
              >
                {t('passkeys.delete')}
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
            changed(t('passkeys.renamed', { name }));
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
            changed(t('passkeys.deleted', { name }));
          }}
          onError={(e) => {
            setDeleting(null);
            failed(e);
          }}
        />
      ) : null}

      {adding ? (
        <Dialog title={t('passkeys.addTitle')} onClose={() => setAdding(false)}>
          <p className="small muted">{t('passkeys.addIntro')}</p>
          <QrFlowPanel
            purpose="add-passkey"
            start={startAdd}
            onClose={() => setAdding(false)}
            onDone={({ passkey }) => {
              setAdding(false);
              changed(
                passkey ? t('passkeys.addedNamed', { name: passkey.name }) : t('passkeys.added'),
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
  const { t } = useTranslation();
  const [name, setName] = useState(passkey.name);
  const { busy, error, submit } = useSubmit(async () => {
    await call(api().renamePasskey({ id: passkey.id, name: name.trim() }));
    onRenamed(name.trim());
  });

  return (
    <Dialog title={t('passkeys.renameTitle')} onClose={onClose}>
      <form onSubmit={submit}>
        {error ? <ErrorBanner error={error} /> : null}
        <TextField
          id="passkey-name"
          label={t('passkeys.nameField')}
          maxLength={64}
          value={name}
          onValue={setName}
          autoFocus
          hint={t('passkeys.nameHint')}
        />
        <div className="button-row">
          <button type="submit" className="primary" disabled={busy || !name.trim()}>
            {t('passkeys.saveName')}
          </button>
          <button type="button" onClick={onClose}>
            {t('passkeys.cancel')}
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
  const { t } = useTranslation();
  const { withVerification } = useStepUp();
  // For the last passkey the person must confirm twice: this dialog, then an explicit checkbox.
  const [understood, setUnderstood] = useState(false);
  const [busy, setBusy] = useState(false);

  async function remove() {
    setBusy(true);
    try {
      const done = await withVerification(t('passkeys.deleteReason', { name: passkey.name }), () =>
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
    <Dialog title={t('passkeys.deleteTitle', { name: passkey.name })} onClose={onClose}>
      <p>{t('passkeys.deleteBody')}</p>
      {isLast ? (
        <div className="banner warn" role="alert">
          <strong>{t('passkeys.lastTitle')}</strong>
          {t('passkeys.lastBody')}
          <div className="field">
            <label>
              <input
                type="checkbox"
                checked={understood}
                onChange={(e) => setUnderstood(e.target.checked)}
              />{' '}
              {t('passkeys.lastAck')}
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
          {t('passkeys.deleteConfirm')}
        </button>
        <button type="button" onClick={onClose}>
          {t('passkeys.keep')}
        </button>
      </div>
    </Dialog>
  );
}
