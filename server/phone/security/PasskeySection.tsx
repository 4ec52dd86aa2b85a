/**
 * Passkeys: create one on this phone (after the security verification), list, rename, delete.
 * After a delete the provider is told the full remaining list (Signal API), so the phone stops
 * offering the deleted passkey.
 */
import { useCallback, useEffect, useState } from 'react';
import type {
  MeResponse,
  PasskeyDeleteResponse,
  PasskeyListResponse,
  PasskeyView,
} from '../../protocol/api';
import { api } from '../lib/api';
import { createPasskey } from '../lib/passkey-flows';
import { signalAllAcceptedCredentials } from '../lib/signals';
import { describeWebAuthnError, type PlainError } from '../lib/webauthn-errors';
import { ErrorNotice, SuccessNotice } from '../components/Notice';
import { PasskeyRow } from './PasskeyRow';
import { DeletePasskeyDialog } from './DeletePasskeyDialog';
import { useStepUp } from './step-up';
import { t } from '../i18n';

export function PasskeySection(props: {
  me: MeResponse;
  rpId: string | null;
  onChanged: () => void;
}) {
  const { ensureStepUp, withStepUp } = useStepUp();
  const [list, setList] = useState<PasskeyListResponse | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  // One slot for the section's last outcome: a later success replaces an earlier error (and
  // the other way round), so an old red notice never sits next to a newer result.
  const [outcome, setOutcome] = useState<
    | { tone: 'error'; error: PlainError }
    | { tone: 'success'; text: string; testId: string; signalled?: boolean }
    | null
  >(null);
  const setNotice = (n: { text: string; testId: string; signalled?: boolean } | null) =>
    setOutcome(n && { tone: 'success', ...n });
  const setError = (error: PlainError | null) => setOutcome(error && { tone: 'error', error });
  const [deleting, setDeleting] = useState<PasskeyView | null>(null);
  const { onChanged } = props;

  const load = useCallback(async () => {
    try {
      const next = await api.passkeys();
      setList(next);
      setLoadError(null);
      return next;
    } catch (err) {
      setLoadError(err instanceof Error ? err.message : String(err));
      return null;
    }
  }, []);

  useEffect(() => {
    api.passkeys().then(setList, () => void load());
  }, [load]);

  const create = async () => {
    setError(null);
    setNotice(null);
    if (!(await ensureStepUp(t('passkeys.stepUpAdd')))) return;
    setCreating(true);
    try {
      const done = await withStepUp(t('passkeys.stepUpAdd'), () => createPasskey());
      if (done !== null) {
        await load();
        setNotice({
          text: t('passkeys.createdNotice'),
          testId: 'passkey-created',
        });
        onChanged();
      }
    } catch (err) {
      setError(describeWebAuthnError(err, 'create'));
    } finally {
      setCreating(false);
    }
  };

  const rename = async (id: string, name: string) => {
    await api.renamePasskey(id, name);
    setNotice({ text: t('passkeys.renamed', { name: name.trim() }), testId: 'passkey-renamed' });
    await load();
    onChanged();
  };

  const deleted = async (removed: PasskeyView, result: PasskeyDeleteResponse) => {
    setDeleting(null);
    setNotice({ text: t('passkeys.deleted', { name: removed.name }), testId: 'passkey-deleted' });
    await load();
    // The server's own list of what it still accepts, so the provider can drop the rest.
    const told =
      props.rpId !== null &&
      (await signalAllAcceptedCredentials(
        props.rpId,
        result.webauthnUserId,
        result.allAcceptedCredentialIds,
      ));
    setNotice({
      text: told
        ? t('passkeys.deletedSignalled', { name: removed.name })
        : t('passkeys.deletedNotSignalled', { name: removed.name }),
      testId: 'passkey-deleted',
      signalled: told,
    });
    onChanged();
  };

  const passkeys = list?.passkeys ?? [];
  const atLimit = list ? passkeys.length >= list.limit : false;

  return (
    <section
      className="section"
      aria-labelledby="passkeys-title"
      data-testid="passkeys-section"
      aria-busy={list === null}
    >
      <h2 id="passkeys-title">{t('passkeys.title')}</h2>
      <p className="muted">{t('passkeys.lead')}</p>
      {loadError && <ErrorNotice message={loadError} onRetry={() => void load()} />}
      {list && passkeys.length === 0 && (
        <p className="empty" data-testid="no-passkeys">
          {t('passkeys.none')}
        </p>
      )}
      <ul className="list">
        {passkeys.map((p) => (
          <PasskeyRow
            key={p.id}
            passkey={p}
            onRename={(name) => rename(p.id, name)}
            onDelete={() => {
              setNotice(null);
              setDeleting(p);
            }}
          />
        ))}
      </ul>
      {outcome?.tone === 'success' && (
        <SuccessNotice testId={outcome.testId} signalled={outcome.signalled}>
          {outcome.text}
        </SuccessNotice>
      )}
      {outcome?.tone === 'error' && (
        <ErrorNotice
          message={outcome.error.message}
          code={outcome.error.code}
          onRetry={outcome.error.canRetry ? () => void create() : undefined}
        />
      )}
      <button
        type="button"
        className="button primary block"
        onClick={() => void create()}
        disabled={creating || atLimit}
      >
        {creating ? t('passkeys.creating') : t('passkeys.create')}
      </button>
      {atLimit && <p className="hint">{t('passkeys.atLimit', { count: list?.limit ?? 0 })}</p>}
      {deleting && (
        <DeletePasskeyDialog
          passkey={deleting}
          isLast={passkeys.length === 1}
          totpEnabled={props.me.totpEnabled}
          onClose={() => setDeleting(null)}
          onDeleted={(result) => void deleted(deleting, result)}
        />
      )}
    </section>
  );
}
