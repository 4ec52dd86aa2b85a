/**
 * The login screen's side column: the words for what the person can do now. Scanning steps
 * while a code is shown; what to check on the phone once it scanned; why a code is asked
 * when the networks differ; what happens while the exchange is out of reach; what to try
 * after a failure; and in password mode, the password's own help.
 */
import type { QrView } from '../../../electron/ipc/contract';

type Props = {
  mode: 'qr' | 'password';
  view: QrView;
  /** wrong passwords so far on this screen */
  passwordFailures: number;
};

export function SideGuide({ mode, view, passwordFailures }: Props) {
  if (mode === 'password') {
    return (
      <>
        <p className="muted">
          Your email and password, and the code from your authenticator app if you set one up.
        </p>
        {passwordFailures >= 2 ? (
          <p className="small" data-testid="guide-password-trouble">
            Still not working? Your phone’s passkey signs you in without a password: choose “Use my
            phone instead”.
          </p>
        ) : (
          <p className="small muted">
            Signing in with your phone is quicker and cannot be phished: the passkey only works on
            the exchange’s own site.
          </p>
        )}
      </>
    );
  }
  switch (view.status) {
    case 'scanned':
    case 'verifying':
      return (
        <>
          <p className="muted">Your phone opened the code. Finish on the phone.</p>
          <ol className="steps">
            <li>Check that the computer your phone shows is this one.</li>
            <li>Approve with your fingerprint or face.</li>
          </ol>
          <p className="small muted">Not you? Press Cancel: nothing is signed in.</p>
        </>
      );
    case 'needs-code':
      return (
        <>
          <p className="muted">
            One more check, because your phone and this computer are on different networks.
          </p>
          <ol className="steps">
            <li>Look at your phone: it shows 6 digits.</li>
            <li>Type them here and press Verify code.</li>
          </ol>
          <p className="small muted">
            The code proves the phone that approved is next to this computer. Never read it out to
            anyone.
          </p>
        </>
      );
    case 'failed':
      if (view.code === 'server-unreachable')
        return (
          <>
            <p className="muted">
              Keybridge can’t reach the exchange, so it can’t show a code yet.
            </p>
            <ul className="steps">
              <li>Check this computer’s internet connection.</li>
              <li>Keybridge tries again by itself; you don’t need to restart it.</li>
              <li>If it keeps failing, the exchange may be down: try again later.</li>
            </ul>
          </>
        );
      if (view.code === 'expired')
        return (
          <>
            <p className="muted">
              Nobody scanned the code for a while, so Keybridge stopped showing codes.
            </p>
            <p className="small muted">Press “Show a new code” when your phone is ready.</p>
          </>
        );
      return (
        <>
          <p className="muted">That sign-in didn’t finish. Nothing was signed in.</p>
          <ul className="steps">
            <li>Start again with a new code and keep the phone’s page open until it says done.</li>
            <li>Or sign in with your password instead.</li>
          </ul>
        </>
      );
    case 'cancelled':
      return (
        <p className="muted">
          Stopped. Show a new code when you are ready, or sign in with your password.
        </p>
      );
    default:
      return (
        <>
          <p className="muted">Use the passkey on your phone. No password to type.</p>
          <ol className="steps">
            <li>Open the camera on your phone and point it at the code.</li>
            <li>Open the link on the exchange’s own site that appears.</li>
            <li>
              Check the computer details your phone shows, then approve with your fingerprint or
              face.
            </li>
          </ol>
          <p className="small muted">
            Each code works once and only for a minute. Keybridge never asks you to scan a code that
            someone sent you.
          </p>
        </>
      );
  }
}
