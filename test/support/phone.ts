/**
 * The "software phone": a phone-sized Chromium page with its own virtual authenticator (its
 * passkey provider), driving the real phone web app at /m/ the way a person would. Tests of the
 * server, the tunnel and the desktop use it as the phone half of every flow.
 *
 * Selectors are the app's stable data-testid values and accessible names (server/phone/).
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  addVirtualAuthenticator,
  launchChromium,
  type VirtualAuthenticator,
  type VirtualAuthenticatorOptions,
} from './chromium';

/** A phone browser, so the server's name fallback and the sessions list read like a phone. */
export const PHONE_USER_AGENT =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Mobile Safari/537.36';

const AUTOFILL_PROBE = `(() => {
  const creds = navigator.credentials;
  const realGet = creds.get.bind(creds);
  window.__kbPendingAutofill = 0;
  creds.get = function (options) {
    const p = realGet(options);
    if (options && options.mediation === 'conditional') {
      window.__kbPendingAutofill += 1;
      p.then(
        function () { window.__kbPendingAutofill -= 1; },
        function () { window.__kbPendingAutofill -= 1; },
      );
    }
    return p;
  };
})();`;

export type CreatePhoneOptions = {
  /** http://exchange.localhost:<port> — the relying party's origin, where passkeys work */
  phoneOrigin?: string;
  /** alias of phoneOrigin */
  serverUrl?: string;
  /** share one Chromium between phones; otherwise the phone launches (and closes) its own */
  browser?: Browser;
  authenticator?: VirtualAuthenticatorOptions;
  userAgent?: string;
  /** the browser's language (navigator.languages, Accept-Language), e.g. 'zh-CN' */
  locale?: string;
};

export type PasskeyRowInfo = { id: string; name: string };

/** What the pair page showed before Approve, and the reverse code if one was asked. */
export type PairingApproval = {
  reverseCode?: string;
  app: string;
  device: string;
  desktopIp: string;
  /** the "different network" warning was on screen */
  networkWarning: boolean;
  /** add-passkey: the account the review named ("Add a passkey to <email>?") */
  account?: string;
};

export type Phone = {
  page: Page;
  context: BrowserContext;
  authenticator: VirtualAuthenticator;
  origin: string;
  /** Content-Security-Policy violations the pages reported (console), for "none" assertions. */
  cspViolations: string[];
  /** Opens a path of the phone app, e.g. '/m/security'. */
  open(path: string): Promise<void>;
  signUp(email: string, password: string): Promise<void>;
  /** Password sign-in; pass totp when the account has an authenticator app. */
  signIn(email: string, password: string, totp?: string): Promise<void>;
  /** "Sign in with a passkey" button (modal, usernameless). */
  signInWithPasskey(): Promise<void>;
  /** Opens Sign in and lets the autofill (conditional UI) request pick this phone's passkey. */
  signInWithAutofill(): Promise<void>;
  /** Opens Sign in with the autofill request pending but not answered. */
  openSignIn(): Promise<void>;
  /**
   * Runs an action that ends on the Sign in page (sign out, a revoked session) and waits until
   * that page's autofill request is pending, without letting the virtual authenticator answer it.
   */
  holdAutofill(action: () => Promise<unknown>): Promise<void>;
  signOut(): Promise<void>;
  /** Enrols the authenticator app; returns the secret shown under the QR and the recovery codes. */
  enrolTotp(
    codeFor: (secret: string) => string,
    password?: string,
  ): Promise<{ secret: string; recoveryCodes: string[] }>;
  /**
   * Creates a passkey on this phone from the Security page, answering the security
   * verification with password (+ totp) if asked. Returns the new row.
   */
  enrolPasskey(password: string, totp?: string): Promise<PasskeyRowInfo>;
  /** Answers an open security-verification dialog. */
  verify(password: string, totp?: string): Promise<void>;
  /** Answers "Confirm it's you" with this phone's passkey (the first choice when it has one). */
  verifyWithPasskey(): Promise<void>;
  passkeyRows(): Promise<PasskeyRowInfo[]>;
  /**
   * Opens a QR link (…/m/pair#…) and approves the sign-in. When the page shows a reverse code
   * (phone and desktop on different networks) it is returned; expectCode asserts it appears.
   * Add-passkey: sign the phone in first (signIn); the review appears only after the desktop
   * confirmed the phone, so this waits for it (run it alongside the desktop's "Yes").
   */
  approvePairing(link: string, opts?: { expectCode?: boolean }): Promise<PairingApproval>;
  /** After approvePairing returned a reverse code: waits until the page says it is done. */
  waitForPairingDone(): Promise<void>;
  /** Opens a QR link and presses Deny. */
  denyPairing(link: string): Promise<void>;
  close(): Promise<void>;
};

export async function createPhone(opts: CreatePhoneOptions): Promise<Phone> {
  const origin = (opts.phoneOrigin ?? opts.serverUrl ?? '').replace(/\/$/, '');
  if (!origin) throw new Error('createPhone needs phoneOrigin (http://exchange.localhost:<port>)');
  const ownBrowser = opts.browser ? null : await launchChromium();
  const browser = opts.browser ?? ownBrowser!;
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    userAgent: opts.userAgent ?? PHONE_USER_AGENT,
    colorScheme: 'light',
    ...(opts.locale ? { locale: opts.locale } : {}),
  });
  // Test-side probe (calls straight through to the real API): counts pending conditional-
  // mediation requests, so helpers know when the sign-in page's autofill request is waiting.
  // A string, not a function: the TypeScript loader would add helpers the page lacks.
  await context.addInitScript({ content: AUTOFILL_PROBE });
  const page = await context.newPage();
  const authenticator = await addVirtualAuthenticator(page, opts.authenticator);
  const cspViolations: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });

  const setPresence = (enabled: boolean) =>
    authenticator.cdp.send('WebAuthn.setAutomaticPresenceSimulation', {
      authenticatorId: authenticator.authenticatorId,
      enabled,
    });

  /**
   * Chromium's virtual authenticator answers an autofill (conditional) request at once, as if
   * the person had picked the passkey. To type a password or press the passkey button instead,
   * the autofill request must be made while presence is off (it then stays pending, as on a
   * real phone whose owner ignores the suggestion); presence comes back for the modal prompt.
   */
  const holdAutofill = async (action: () => Promise<unknown>) => {
    await setPresence(false);
    try {
      await action();
      await page.getByTestId('signin-page').waitFor();
      await page.waitForFunction(
        () => (window as unknown as { __kbPendingAutofill: number }).__kbPendingAutofill > 0,
      );
    } finally {
      await setPresence(true);
    }
  };

  const open = async (path: string) => {
    await page.goto(origin + path);
  };

  const waitSecurity = () => page.getByTestId('security-page').waitFor();

  const pairEndWords = async () => {
    const ended = page.getByTestId('pair-error');
    return `${await ended.getAttribute('data-reason')}: ${(await ended.textContent())?.trim()}`;
  };

  const phone: Phone = {
    page,
    context,
    authenticator,
    origin,
    cspViolations,
    open,

    async signUp(email, password) {
      await open('/m/signup');
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password', { exact: true }).fill(password);
      await page.getByRole('button', { name: 'Create account' }).click();
      await waitSecurity();
    },

    async signIn(email, password, totp) {
      await holdAutofill(() => open('/m/signin'));
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password', { exact: true }).fill(password);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      if (totp !== undefined) {
        const code = page.getByLabel('Authenticator code');
        await code.waitFor();
        await code.fill(totp);
        await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      }
      await waitSecurity();
    },

    async signInWithPasskey() {
      await holdAutofill(() => open('/m/signin'));
      await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
      await waitSecurity();
    },

    async signInWithAutofill() {
      await open('/m/signin');
      await waitSecurity();
    },

    holdAutofill,

    async openSignIn() {
      await holdAutofill(() => open('/m/signin'));
    },

    async signOut() {
      await holdAutofill(() => page.getByRole('button', { name: 'Sign out', exact: true }).click());
    },

    async enrolTotp(codeFor, password) {
      await page.getByRole('button', { name: 'Set up authenticator app' }).click();
      const dialog = page.getByTestId('stepup-dialog');
      const secretEl = page.getByTestId('totp-secret');
      await dialog.or(secretEl).first().waitFor();
      if (await dialog.isVisible()) {
        if (password === undefined) throw new Error('enrolTotp: verification asked, no password');
        await phone.verify(password);
      }
      const secret = (await page.getByTestId('totp-secret').textContent())!.replace(/\s+/g, '');
      await page.getByLabel('Code from your authenticator app').fill(codeFor(secret));
      await page.getByRole('button', { name: 'Verify' }).click();
      const codes = page.getByTestId('recovery-code');
      await codes.first().waitFor();
      const recoveryCodes = (await codes.allTextContents()).map((c) => c.trim());
      await page.getByRole('button', { name: 'I saved these codes' }).click();
      await page.getByTestId('totp-on').waitFor();
      return { secret, recoveryCodes };
    },

    async enrolPasskey(password, totp) {
      await waitSecurity();
      const before = new Set((await phone.passkeyRows()).map((r) => r.id));
      await page.getByRole('button', { name: 'Create a passkey' }).click();
      const dialog = page.getByTestId('stepup-dialog');
      const created = page.getByTestId('passkey-created');
      // Either the verification dialog opens, or (already verified) the passkey is made.
      await dialog.or(created).first().waitFor();
      if (await dialog.isVisible()) await phone.verify(password, totp);
      await created.waitFor();
      const rows = await phone.passkeyRows();
      const fresh = rows.find((r) => !before.has(r.id));
      if (!fresh) throw new Error('no new passkey row after creating a passkey');
      return fresh;
    },

    async verify(password, totp) {
      const dialog = page.getByTestId('stepup-dialog');
      await dialog.waitFor();
      // An account with a passkey is offered it first; the password is the fallback.
      const fallback = dialog.getByRole('button', { name: 'Use password instead' });
      if (await fallback.isVisible()) await fallback.click();
      await dialog.getByLabel('Password', { exact: true }).fill(password);
      if (totp !== undefined) await dialog.getByLabel('Authenticator code').fill(totp);
      await dialog.getByRole('button', { name: 'Verify' }).click();
      await dialog.waitFor({ state: 'detached' });
    },

    async verifyWithPasskey() {
      const dialog = page.getByTestId('stepup-dialog');
      await dialog.waitFor();
      await dialog.getByRole('button', { name: 'Use your passkey' }).click();
      await dialog.waitFor({ state: 'detached' });
    },

    async passkeyRows() {
      // The list is fetched after the page shows; read it once it has arrived.
      await page.locator('[data-testid="passkeys-section"][aria-busy="false"]').waitFor();
      const rows = page.getByTestId('passkey-row');
      return rows.evaluateAll((els) =>
        els.map((el) => ({
          id: el.getAttribute('data-passkey-id') ?? '',
          name: el.querySelector('[data-testid="passkey-name"]')?.textContent?.trim() ?? '',
        })),
      );
    },

    async approvePairing(link, o = {}) {
      await page.goto(link);
      const approve = page.getByRole('button', { name: 'Approve' });
      const ended = page.getByTestId('pair-error');
      await approve.or(ended).first().waitFor();
      if (await ended.isVisible()) throw new Error(`pairing ended: ${await pairEndWords()}`);
      const text = async (testId: string) =>
        ((await page.getByTestId(testId).textContent()) ?? '').trim();
      const shown = {
        app: await text('pair-app'),
        device: await text('pair-device'),
        desktopIp: await text('pair-desktop-ip'),
        networkWarning: await page.getByTestId('network-warning').isVisible(),
        ...((await page.getByTestId('pair-account-email').isVisible())
          ? { account: await text('pair-account-email') }
          : {}),
      };
      await approve.click();
      const code = page.getByTestId('reverse-code');
      const done = page.getByTestId('pair-done');
      const reviewError = page.getByTestId('pair-review').getByTestId('error');
      await code.or(done).or(ended).or(reviewError).first().waitFor();
      if (await ended.isVisible()) throw new Error(`pairing ended: ${await pairEndWords()}`);
      if (await reviewError.isVisible())
        throw new Error(`approval failed: ${(await reviewError.textContent())?.trim()}`);
      if (await code.isVisible()) {
        return { ...shown, reverseCode: (await code.textContent())!.replace(/\D/g, '') };
      }
      if (o.expectCode)
        throw new Error('expected a reverse code, but the pairing finished without one');
      return shown;
    },

    async waitForPairingDone() {
      const done = page.getByTestId('pair-done');
      const ended = page.getByTestId('pair-error');
      await done.or(ended).first().waitFor();
      if (await ended.isVisible()) throw new Error(`pairing ended: ${await pairEndWords()}`);
    },

    async denyPairing(link) {
      await page.goto(link);
      const deny = page.getByRole('button', { name: 'Deny' });
      const ended = page.getByTestId('pair-error');
      await deny.or(ended).first().waitFor();
      if (await ended.isVisible()) throw new Error(`pairing ended: ${await pairEndWords()}`);
      await deny.click();
      await page.getByTestId('pair-denied').waitFor();
    },

    async close() {
      await authenticator.remove().catch(() => {});
      await context.close().catch(() => {});
      if (ownBrowser) await ownBrowser.close();
    },
  };
  return phone;
}
