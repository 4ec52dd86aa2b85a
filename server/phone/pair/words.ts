/**
 * Plain words for every way a QR sign-in can end early. Each reason has its own message so a
 * person knows what happened and what to do next (expired, used, cancelled, tampered and
 * wrong-version links are all different situations).
 */
import type { EndReason } from './pair-session';

export const endWords: Record<EndReason, { title: string; body: string }> = {
  malformed: {
    title: "This link doesn't work",
    body: 'Part of the link is missing or damaged. In the Keybridge app on your computer, show a new QR code and scan it with your phone camera.',
  },
  'wrong-version': {
    title: 'This QR code is from a different version of Keybridge',
    body: 'Update the Keybridge app on your computer, then scan the new QR code it shows.',
  },
  'no-link': {
    title: 'Scan the QR code to continue',
    body: 'Open this page by scanning the QR code in the Keybridge app on your computer. For your safety the link only works once, so reloading this page does not bring it back.',
  },
  unknown: {
    title: "We don't recognise this QR code",
    body: 'It may be old or from somewhere else. Show a new QR code in the Keybridge app on your computer and scan it again.',
  },
  expired: {
    title: 'This QR code has expired',
    body: 'QR codes only work for a short time. Show a new one in the Keybridge app on your computer and scan it again.',
  },
  used: {
    title: 'This QR code was already used',
    body: "Each QR code works once, on one phone. If you didn't scan it before, someone else may have: show a new QR code on your computer.",
  },
  cancelled: {
    title: 'This sign-in was cancelled',
    body: 'It was stopped on your computer. Nothing was signed in.',
  },
  tampered: {
    title: 'Stopped for your safety',
    body: 'The link or the connection was altered, so the messages did not check out. Nothing was signed in. Show a new QR code in the Keybridge app and scan it directly from your screen.',
  },
  'peer-left': {
    title: 'Your computer disconnected',
    body: 'Nothing was signed in. Start again from the Keybridge app on your computer.',
  },
  connection: {
    title: "Can't reach Keybridge",
    body: 'Check your connection, then show a new QR code on your computer and scan it again.',
  },
  shutdown: {
    title: 'Keybridge is restarting',
    body: 'Wait a moment, then show a new QR code on your computer and scan it again.',
  },
  'signed-out': {
    title: 'Sign in on this phone first',
    body: 'Sign in to your account on this phone first, then scan the code again.',
  },
  'wrong-account': {
    title: 'This phone is signed in to a different account',
    body: 'Nothing was added. Sign in on this phone to the account you are adding the passkey to, then scan the code again.',
  },
  'already-registered': {
    title: 'This phone already has a passkey for this account',
    body: 'This phone already has a passkey for this account; use another phone or a security key.',
  },
  failed: {
    title: "The sign-in didn't finish",
    body: 'Nothing was signed in. Try again from the Keybridge app on your computer.',
  },
};
