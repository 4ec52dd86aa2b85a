/**
 * Plain words for every way a QR sign-in can end early. Each reason has its own message so a
 * person knows what happened and what to do next (expired, used, cancelled, tampered and
 * wrong-version links are all different situations).
 */
import type { EndReason } from './pair-session';

/**
 * `neutral`: nothing went wrong that needs the person (no link yet, stopped on the computer,
 * timed out, already set up): said plainly, not in a red error card.
 */
export type EndTone = 'neutral' | 'error';

export const endWords: Record<EndReason, { title: string; body: string; tone: EndTone }> = {
  malformed: {
    title: "This link doesn't work",
    body: 'Part of the link is missing or damaged. In the Keybridge app on your computer, show a new QR code and scan it with your phone camera.',
    tone: 'error',
  },
  'wrong-version': {
    title: 'This QR code is from a different version of Keybridge',
    body: 'Update the Keybridge app on your computer, then scan the new QR code it shows.',
    tone: 'error',
  },
  'no-link': {
    title: 'Scan the QR code to continue',
    body: 'Open this page by scanning the QR code in the Keybridge app on your computer. For your safety the link only works once, so reloading this page does not bring it back.',
    tone: 'neutral',
  },
  unknown: {
    title: "We don't recognise this QR code",
    body: 'It may be old or from somewhere else. Show a new QR code in the Keybridge app on your computer and scan it again.',
    tone: 'error',
  },
  expired: {
    title: 'This QR code has expired',
    body: 'QR codes only work for a short time. Show a new one in the Keybridge app on your computer and scan it again.',
    tone: 'neutral',
  },
  used: {
    title: 'This QR code was already used',
    body: "Each QR code works once, on one phone. If you didn't scan it before, someone else may have: show a new QR code on your computer.",
    tone: 'error',
  },
  cancelled: {
    title: 'This sign-in was cancelled',
    body: 'It was stopped on your computer. Nothing was signed in.',
    tone: 'neutral',
  },
  tampered: {
    title: 'Stopped for your safety',
    body: 'The link or the connection was altered, so the messages did not check out. Nothing was signed in. Show a new QR code in the Keybridge app and scan it directly from your screen.',
    tone: 'error',
  },
  'peer-left': {
    title: 'Your computer disconnected',
    body: 'Nothing was signed in. Start again from the Keybridge app on your computer.',
    tone: 'neutral',
  },
  connection: {
    title: "Can't connect",
    body: 'Check your connection, then show a new QR code on your computer and scan it again.',
    tone: 'error',
  },
  shutdown: {
    title: 'The service is restarting',
    body: 'Wait a moment, then show a new QR code on your computer and scan it again.',
    tone: 'error',
  },
  'signed-out': {
    title: 'Sign in on this phone first',
    body: 'To add a passkey, this phone must be signed in to your exchange account. Sign in here, then scan the code on your computer again.',
    tone: 'neutral',
  },
  'wrong-account': {
    title: 'This phone is signed in to a different account',
    body: 'Nothing was added. Sign in on this phone to the account you are adding the passkey to, then scan the code again.',
    tone: 'neutral',
  },
  'already-registered': {
    title: 'This phone already has a passkey for this account.',
    body: 'Use another phone or a security key. Nothing was changed: the passkey on this phone still signs you in.',
    tone: 'neutral',
  },
  'stepup-wrong-account': {
    title: 'This passkey is for a different account',
    body: 'Nothing was confirmed. Use the passkey of the account your computer is signed in to, or confirm with your password on the computer.',
    tone: 'neutral',
  },
  failed: {
    title: "The sign-in didn't finish",
    body: 'Nothing was signed in. Try again from the Keybridge app on your computer.',
    tone: 'error',
  },
};

/** The words of a step-up (purpose `step-up`): the computer asks the phone to confirm it's you. */
export const stepUpPairWords = {
  title: (device: string) => `Confirm it's you on ${device}?`,
  lead: 'Your computer is signed in to your exchange account and asks your passkey to confirm it is you before a security change.',
  codePrefix: 'Confirming for',
  finishing: 'Confirming on your computer…',
  doneTitle: 'Confirmed on your computer',
  donePrefix: 'Your exchange account:',
  doneBody: 'You can finish the change on your computer now. You can close this page.',
  deniedBody:
    'Nothing was confirmed. If you did not start this, your account is safe: you can close this page.',
  /** Endings whose sign-in words would be wrong for a confirmation. */
  ended: {
    cancelled: {
      title: 'This confirmation was cancelled',
      body: 'It was stopped on your computer. Nothing was confirmed.',
      tone: 'neutral',
    },
    failed: {
      title: "The confirmation didn't finish",
      body: 'Nothing was confirmed. Try again from the Keybridge app on your computer, or confirm with your password there.',
      tone: 'error',
    },
  } as Partial<Record<EndReason, { title: string; body: string; tone: EndTone }>>,
};
