/**
 * Plain words for every way a QR sign-in can end early. Each reason has its own message so a
 * person knows what happened and what to do next (expired, used, cancelled, tampered and
 * wrong-version links are all different situations).
 */
import type { EndReason } from './pair-session';
import { t } from '../i18n';

/**
 * `neutral`: nothing went wrong that needs the person (no link yet, stopped on the computer,
 * timed out, already set up): said plainly, not in a red error card.
 */
export type EndTone = 'neutral' | 'error';

export const endWords: Record<EndReason, { title: string; body: string; tone: EndTone }> = {
  malformed: {
    title: t('pair.end.malformed.title'),
    body: t('pair.end.malformed.body'),
    tone: 'error',
  },
  'wrong-version': {
    title: t('pair.end.wrongVersion.title'),
    body: t('pair.end.wrongVersion.body'),
    tone: 'error',
  },
  'no-link': {
    title: t('pair.end.noLink.title'),
    body: t('pair.end.noLink.body'),
    tone: 'neutral',
  },
  unknown: {
    title: t('pair.end.unknown.title'),
    body: t('pair.end.unknown.body'),
    tone: 'error',
  },
  expired: {
    title: t('pair.end.expired.title'),
    body: t('pair.end.expired.body'),
    tone: 'neutral',
  },
  used: {
    title: t('pair.end.used.title'),
    body: t('pair.end.used.body'),
    tone: 'error',
  },
  cancelled: {
    title: t('pair.end.cancelled.title'),
    body: t('pair.end.cancelled.body'),
    tone: 'neutral',
  },
  tampered: {
    title: t('pair.end.tampered.title'),
    body: t('pair.end.tampered.body'),
    tone: 'error',
  },
  'peer-left': {
    title: t('pair.end.peerLeft.title'),
    body: t('pair.end.peerLeft.body'),
    tone: 'neutral',
  },
  connection: {
    title: t('pair.end.connection.title'),
    body: t('pair.end.connection.body'),
    tone: 'error',
  },
  shutdown: {
    title: t('pair.end.shutdown.title'),
    body: t('pair.end.shutdown.body'),
    tone: 'error',
  },
  'signed-out': {
    title: t('pair.end.signedOut.title'),
    body: t('pair.end.signedOut.body'),
    tone: 'neutral',
  },
  'wrong-account': {
    title: t('pair.end.wrongAccount.title'),
    body: t('pair.end.wrongAccount.body'),
    tone: 'neutral',
  },
  'already-registered': {
    title: t('pair.end.alreadyRegistered.title'),
    body: t('pair.end.alreadyRegistered.body'),
    tone: 'neutral',
  },
  'stepup-wrong-account': {
    title: t('pair.end.stepupWrongAccount.title'),
    body: t('pair.end.stepupWrongAccount.body'),
    tone: 'neutral',
  },
  failed: {
    title: t('pair.end.failed.title'),
    body: t('pair.end.failed.body'),
    tone: 'error',
  },
};

/** The words of a step-up (purpose `step-up`): the computer asks the phone to confirm it's you. */
export const stepUpPairWords = {
  title: (device: string) => t('pair.stepUp.title', { device }),
  lead: t('pair.stepUp.lead'),
  codePrefix: t('pair.stepUp.codePrefix'),
  finishing: t('pair.stepUp.finishing'),
  doneTitle: t('pair.stepUp.doneTitle'),
  donePrefix: t('pair.stepUp.donePrefix'),
  doneBody: t('pair.stepUp.doneBody'),
  deniedBody: t('pair.stepUp.deniedBody'),
  /** Endings whose sign-in words would be wrong for a confirmation. */
  ended: {
    cancelled: {
      title: t('pair.stepUp.cancelled.title'),
      body: t('pair.stepUp.cancelled.body'),
      tone: 'neutral',
    },
    failed: {
      title: t('pair.stepUp.failed.title'),
      body: t('pair.stepUp.failed.body'),
      tone: 'error',
    },
  } as Partial<Record<EndReason, { title: string; body: string; tone: EndTone }>>,
};
