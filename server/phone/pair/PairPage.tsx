/**
 * What the person sees on the phone after scanning: who asks (app, device), what the server
 * vouches for (the computer's IP and when it asked, whether the networks differ), Deny and
 * Approve side by side at the same size, the reverse code when the server issued one, and how
 * it ended. State comes from PairSession.
 */
import { useSyncExternalStore } from 'react';
import { clockTime, exactTime, whenWords } from '../lib/format';
import { timeLeftWords, useTimeLeft } from '../lib/use-time-left';
import type { JoinContext, PairSession, PairState } from './pair-session';
import { endWords, stepUpPairWords } from './words';
import { t } from '../i18n';

function Header() {
  return (
    <header className="topbar">
      <p className="brand">Keybridge</p>
    </header>
  );
}

function Safety() {
  return (
    <p className="pair-safety" data-testid="pair-safety">
      {t('pair.safety')} <strong>{t('pair.deny')}</strong>
      {t('pair.safetyEnd')}
    </p>
  );
}

function Facts(props: { context: JoinContext; app: string; device: string }) {
  const { context } = props;
  return (
    <dl className="facts" data-testid="pair-facts">
      <dt>{t('pair.facts.app')}</dt>
      <dd data-testid="pair-app">{props.app}</dd>
      <dt>{t('pair.facts.computer')}</dt>
      <dd data-testid="pair-device">{props.device}</dd>
      <dt>{t('pair.facts.ip')}</dt>
      <dd data-testid="pair-desktop-ip">{context.desktopIp}</dd>
      <dt>{t('pair.facts.asked')}</dt>
      <dd data-testid="pair-desktop-time" title={exactTime(context.createdAt)}>
        {t('pair.facts.askedAt', {
          when: whenWords(context.createdAt),
          time: clockTime(context.createdAt),
        })}
      </dd>
    </dl>
  );
}

function NetworkWarning() {
  return (
    <div className="notice notice-warning" role="note" data-testid="network-warning">
      <p>
        <strong>{t('pair.network.title')}</strong> {t('pair.network.body')}
      </p>
    </div>
  );
}

function Review(props: {
  state: Extract<PairState, { step: 'review' | 'signing' }>;
  session: PairSession;
}) {
  const { state, session } = props;
  const { request, context } = state;
  const create = request.kind === 'create';
  const stepUp = session.purpose === 'step-up';
  const busy = state.step === 'signing';
  return (
    <section data-testid="pair-review" data-kind={request.kind} data-purpose={session.purpose}>
      <h1>
        {stepUp ? (
          stepUpPairWords.title(request.display.device)
        ) : create ? (
          <>
            {t('pair.review.addTo')}{' '}
            <span className="pair-account">
              <span data-testid="pair-account-email">{state.account}</span>
              {t('pair.review.addToEnd')}
            </span>
          </>
        ) : (
          t('pair.review.signInTitle')
        )}
      </h1>
      <p className="lead">
        {stepUp
          ? stepUpPairWords.lead
          : create
            ? t('pair.review.addLead')
            : t('pair.review.signInLead')}
      </p>
      <div className="section">
        <Facts context={context} app={request.display.app} device={request.display.device} />
      </div>
      {!context.sameNetwork && <NetworkWarning />}
      <Safety />
      {state.step === 'review' && state.error && (
        <div className="notice notice-error" role="alert" data-testid="error">
          <p>{state.error.message}</p>
        </div>
      )}
      {busy && (
        <p className="pair-status" role="status">
          {t('pair.review.confirming')}
        </p>
      )}
      <div className="pair-actions">
        <button
          type="button"
          className="button danger"
          disabled={busy}
          onClick={() => void session.deny()}
        >
          {t('pair.deny')}
        </button>
        <button
          type="button"
          className="button primary"
          disabled={busy}
          onClick={() => void session.approve()}
        >
          {t('pair.approve')}
        </button>
      </div>
    </section>
  );
}

function groupCode(code: string) {
  return `${code.slice(0, 3)} ${code.slice(3)}`;
}

/** The account the server named, on its own line (a long email breaks anywhere). */
function AccountLine(props: { account?: string; prefix: string }) {
  if (!props.account) return null;
  return (
    <p data-testid="pair-account">
      {props.prefix} <strong className="pair-account-inline">{props.account}</strong>
    </p>
  );
}

/** How long the 6-digit code still works: the pairing ends then (server/tunnel/limits.ts). */
function CodeTimeLeft(props: { expiresAt: string }) {
  const left = useTimeLeft(props.expiresAt);
  if (left === null) return null;
  if (left === 0)
    return (
      <p className="pair-time-left" data-testid="code-time-left">
        {t('pair.code.runOut')}
      </p>
    );
  return (
    <p className="pair-time-left" data-testid="code-time-left" role="timer" aria-live="off">
      {timeLeftWords(left)}
    </p>
  );
}

/** The "Signing in to" line's words, by what the pairing is for. */
function accountPrefix(request: { kind: 'get' | 'create' }, stepUp: boolean) {
  if (stepUp) return stepUpPairWords.codePrefix;
  return request.kind === 'get' ? t('pair.signingInTo') : t('pair.addingPasskeyTo');
}

function ShowCode(props: { state: Extract<PairState, { step: 'show-code' }>; stepUp: boolean }) {
  const { state } = props;
  return (
    <section data-testid="pair-code">
      <h1>{t('pair.code.title')}</h1>
      <AccountLine account={state.account} prefix={accountPrefix(state.request, props.stepUp)} />
      <p
        className="reverse-code"
        data-testid="reverse-code"
        aria-label={t('pair.code.label', { digits: state.code.split('').join(' ') })}
      >
        {groupCode(state.code)}
      </p>
      <CodeTimeLeft expiresAt={state.context.expiresAt} />
      <p>{t('pair.code.why')}</p>
      <p className="pair-safety">{t('pair.code.safety')}</p>
      <p className="pair-status" role="status">
        {t('pair.code.waiting')}
      </p>
    </section>
  );
}

function Done(props: { state: Extract<PairState, { step: 'done' }>; stepUp: boolean }) {
  const { state } = props;
  const create = state.kind === 'create';
  if (props.stepUp)
    return (
      <section
        className="pair-result"
        role="status"
        data-testid="pair-done"
        data-kind={state.kind}
        data-purpose="step-up"
      >
        <p className="pair-result-mark" aria-hidden="true">
          ✓
        </p>
        <h1>{stepUpPairWords.doneTitle}</h1>
        <AccountLine account={state.account} prefix={stepUpPairWords.donePrefix} />
        <p>{stepUpPairWords.doneBody}</p>
      </section>
    );
  return (
    <section className="pair-result" role="status" data-testid="pair-done" data-kind={state.kind}>
      <p className="pair-result-mark" aria-hidden="true">
        ✓
      </p>
      <h1>{create ? t('pair.done.addedTitle') : t('pair.done.signedInTitle')}</h1>
      <AccountLine
        account={state.account}
        prefix={create ? t('pair.done.addedAccount') : t('pair.done.signedInAccount')}
      />
      <p>{create ? t('pair.done.addedBody') : t('pair.done.signedInBody')}</p>
    </section>
  );
}

function Body(props: { state: PairState; session: PairSession }) {
  const { state, session } = props;
  const stepUp = session.purpose === 'step-up';
  switch (state.step) {
    case 'connecting':
      return (
        <p className="pair-status" role="status" data-testid="pair-connecting">
          {t('pair.connecting')}
        </p>
      );
    case 'waiting-request':
      return (
        <p className="pair-status" role="status" data-testid="pair-waiting">
          {t('pair.waitingRequest')}
        </p>
      );
    case 'review':
    case 'signing':
      return <Review state={state} session={session} />;
    case 'show-code':
      return <ShowCode state={state} stepUp={stepUp} />;
    case 'waiting-done':
      return (
        <section data-testid="pair-finishing">
          <p className="pair-status" role="status">
            {stepUp ? stepUpPairWords.finishing : t('pair.finishing')}
          </p>
          <AccountLine account={state.account} prefix={accountPrefix(state.request, stepUp)} />
        </section>
      );
    case 'done':
      return <Done state={state} stepUp={stepUp} />;
    case 'denied':
      return (
        <section className="notice notice-warning" role="status" data-testid="pair-denied">
          <h1>{t('pair.denied.title')}</h1>
          <p>{stepUp ? stepUpPairWords.deniedBody : t('pair.denied.body')}</p>
        </section>
      );
    case 'ended': {
      const words =
        (stepUp ? stepUpPairWords.ended[state.reason] : undefined) ?? endWords[state.reason];
      const neutral = words.tone === 'neutral';
      return (
        <section
          className={neutral ? 'pair-result' : 'notice notice-error'}
          role={neutral ? 'status' : 'alert'}
          data-testid="pair-error"
          data-reason={state.reason}
          data-tone={words.tone}
        >
          <h1>{words.title}</h1>
          <p>{words.body}</p>
          {state.reason === 'failed' && state.detail && (
            <p data-testid="pair-error-detail">{state.detail}</p>
          )}
          {state.reason === 'signed-out' && (
            <p>
              <a href="/m/" className="button primary" data-testid="pair-sign-in-link">
                {t('pair.signInHere')}
              </a>
            </p>
          )}
        </section>
      );
    }
  }
}

export function PairPage(props: { session: PairSession }) {
  const { session } = props;
  const state = useSyncExternalStore(
    (onChange) => session.subscribe(onChange),
    () => session.current,
  );
  return (
    <main className="page" data-testid="pair-page" data-step={state.step}>
      <Header />
      <Body state={state} session={session} />
    </main>
  );
}
