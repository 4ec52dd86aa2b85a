/**
 * Where the account is signed in; this session marked; sign out one or all the others, each
 * after a confirmation, then a "Signed out" notice. Devices by their readable name
 * ("Chrome on Android") with a phone or computer icon, never the raw user agent.
 */
import { useState } from 'react';
import type { SessionView } from '../../../server/protocol/api';
import { api, call } from '../bridge';
import { describeUserAgent, deviceKindOf, formatAgo } from '../format';
import { Dialog } from '../ui/Dialog';
import { ComputerIcon, PhoneIcon } from '../ui/icons';
import { ListSectionBanners, useListSection } from './useListSection';

const loadSessions = () => call(api().listSessions());

const methodWords: Record<SessionView['method'], string> = {
  password: 'Password',
  passkey: 'Passkey',
  qr: 'Phone (QR)',
};

function nameOf(s: SessionView): string {
  return s.client === 'desktop' ? s.device || 'Desktop app' : describeUserAgent(s.userAgent);
}

type Pending = { kind: 'one'; session: SessionView } | { kind: 'others'; count: number };

export function SessionsSection({ onChanged }: { onChanged: () => void }) {
  const section = useListSection(loadSessions, onChanged);
  const { data, run } = section;
  const [pending, setPending] = useState<Pending | null>(null);
  const sessions = data?.sessions ?? [];
  const others = sessions.filter((s) => !s.current).length;

  function confirm() {
    const p = pending;
    setPending(null);
    if (!p) return;
    if (p.kind === 'one') {
      void run(async () => {
        await call(api().revokeSession({ id: p.session.id }));
        return `Signed out ${nameOf(p.session)}.`;
      });
    } else {
      void run(async () => {
        const { revoked } = await call(api().revokeOtherSessions());
        return `Signed out ${revoked} other session${revoked === 1 ? '' : 's'}.`;
      });
    }
  }

  return (
    <section className="card" aria-labelledby="sessions-title">
      <div className="card-header">
        <div>
          <h2 id="sessions-title">Sessions</h2>
          <p className="muted small">
            Everywhere your exchange account is signed in. Sign out anything you don’t recognise.
          </p>
        </div>
        <button
          type="button"
          className="danger"
          disabled={others === 0}
          onClick={() => setPending({ kind: 'others', count: others })}
        >
          Sign out all other sessions
        </button>
      </div>
      <ListSectionBanners section={section} loadingText="Loading sessions…" />
      <ul className="rows" aria-label="Your sessions">
        {sessions.map((s) => {
          const phone = s.client !== 'desktop' && deviceKindOf(s.userAgent) === 'phone';
          return (
            <li key={s.id} className="row" data-testid="session-row">
              <span className="device-icon" aria-hidden="true">
                {phone ? <PhoneIcon /> : <ComputerIcon />}
              </span>
              <div className="row-main">
                <div className="row-title">
                  <span data-testid="session-device">{nameOf(s)}</span>
                  {s.current ? <span className="badge accent">This computer</span> : null}
                  <span className="badge">{methodWords[s.method]}</span>
                </div>
                <div className="meta">
                  {s.ip} · Signed in {formatAgo(s.createdAt)} · Active {formatAgo(s.lastActiveAt)}
                </div>
              </div>
              <div className="row-actions">
                {s.current ? null : (
                  <button
                    type="button"
                    className="danger"
                    aria-label={`Sign out ${nameOf(s)}, signed in ${formatAgo(s.createdAt)}`}
                    onClick={() => setPending({ kind: 'one', session: s })}
                  >
                    Sign out
                  </button>
                )}
              </div>
            </li>
          );
        })}
      </ul>
      {pending ? (
        <Dialog
          title={
            pending.kind === 'one'
              ? `Sign out ${nameOf(pending.session)}?`
              : `Sign out ${pending.count} other session${pending.count === 1 ? '' : 's'}?`
          }
          onClose={() => setPending(null)}
        >
          <p>
            {pending.kind === 'one'
              ? 'That device will need to sign in again to use your exchange account.'
              : 'Every device except this computer will need to sign in again.'}
          </p>
          <div className="button-row">
            <button type="button" className="danger solid" onClick={confirm}>
              Sign out
            </button>
            <button type="button" onClick={() => setPending(null)}>
              Cancel
            </button>
          </div>
        </Dialog>
      ) : null}
    </section>
  );
}
