/**
 * Issue 4: the desktop renderer is readable in light and dark system themes. The app is
 * launched with each system colour scheme; on the login screen and in every Settings section
 * the page's own computed styles give each visible text's colour and the backgrounds behind
 * it, and the WCAG 2 contrast ratio of body text, primary buttons, links and disabled
 * buttons must be at least 4.5:1. The two themes must really differ (the page background changes).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, test, type TestContext } from 'vitest';
import type { Page } from 'playwright-core';
import { confirmPhoneStep, openAddPasskey, signInWithPassword } from '../e2e/support/desktop-ui';
import { createPhone } from '../support/phone';
import { readQr } from '../support/read-qr';
import { PASSWORD, startWorld, type World } from '../support/world';

/**
 * Set to a directory (e.g. docs/screenshots) to save what the dialogs below look like in each
 * theme; the files in docs/screenshots/ were made this way.
 */
const SCREENSHOT_DIR = process.env.KEYBRIDGE_SCREENSHOT_DIR;

type Rgba = [number, number, number, number];
type Kind = 'text' | 'primary' | 'link';
/** What the page reports for one element with text of its own. */
type RawSample = {
  kind: Kind;
  text: string;
  color: string;
  backgrounds: string[];
  /** computed opacity of the element and each ancestor, innermost first */
  opacities: number[];
};
type Sample = { kind: Kind; text: string; ratio: number; fg: Rgba; bg: Rgba };

/**
 * Runs in the page. A string, not a function: the TypeScript loader would add helpers the
 * page lacks. For every visible, enabled element under `root` with a direct text node, it
 * returns its computed colour and the computed background colours from it up to <html>
 * (innermost first), so Node can composite them.
 */
const PROBE = (root: string) => `(() => {
  const root = document.querySelector(${JSON.stringify(root)});
  if (!root) return null;
  const out = [];
  for (const el of root.querySelectorAll('*')) {
    // Disabled controls too: "Verify code" waits disabled until six digits are typed, and
    // a person must still read what it will do.
    if (el.closest('svg, [aria-hidden="true"]')) continue;
    const own = Array.from(el.childNodes)
      .filter((n) => n.nodeType === 3)
      .map((n) => n.textContent.trim())
      .join(' ')
      .trim();
    if (!own) continue;
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (box.width === 0 || box.height === 0 || style.visibility !== 'visible') continue;
    const kind = el.closest('button.primary')
      ? 'primary'
      : el.closest('a, .link, button.linklike')
        ? 'link'
        : 'text';
    const backgrounds = [];
    const opacities = [];
    for (let n = el; n; n = n.parentElement) {
      const cs = getComputedStyle(n);
      backgrounds.push(cs.backgroundColor);
      opacities.push(Number(cs.opacity));
    }
    out.push({ kind, text: own.slice(0, 40), color: style.color, backgrounds, opacities });
  }
  return out;
})()`;

function parseColor(css: string): Rgba {
  const m = /^rgba?\(([^)]+)\)$/.exec(css.trim());
  if (!m) throw new Error(`unexpected computed colour ${css}`);
  const parts = m[1]!
    .split(/[,\s/]+/)
    .filter(Boolean)
    .map(Number);
  const [r, g, b, a = 1] = parts;
  return [r!, g!, b!, a];
}

/** `top` painted over the opaque `under` (source-over). */
function over(top: Rgba, under: Rgba): Rgba {
  const a = top[3];
  return [
    top[0] * a + under[0] * (1 - a),
    top[1] * a + under[1] * (1 - a),
    top[2] * a + under[2] * (1 - a),
    1,
  ];
}

function luminance([r, g, b]: Rgba): number {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

function contrast(a: Rgba, b: Rgba): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

/** Effective background: the layers from <html> inwards, over the canvas of the <html> colour. */
function effectiveBackground(layers: string[]): Rgba {
  const parsed = layers.map(parseColor);
  const firstOpaque = parsed.findIndex((c) => c[3] === 1);
  if (firstOpaque === -1) throw new Error(`no opaque background behind text: ${layers.join(' ')}`);
  let bg = parsed[firstOpaque]!;
  for (let i = firstOpaque - 1; i >= 0; i--) bg = over(parsed[i]!, bg);
  return bg;
}

async function measure(page: Page, root: string): Promise<Sample[]> {
  const raw = (await page.evaluate(PROBE(root))) as RawSample[] | null;
  assert.ok(raw, `${root} is on screen`);
  return raw.map((s) => {
    // A see-through element (opacity < 1, e.g. a faded disabled button) is painted, text and
    // background together, and then blended into what is behind it: both sides fade.
    const faded = s.opacities.findIndex((o) => o < 1);
    if (faded === -1 || faded === s.backgrounds.length - 1) {
      const bg = effectiveBackground(s.backgrounds);
      const fg = over(parseColor(s.color), bg);
      return { kind: s.kind, text: s.text, fg, bg, ratio: contrast(fg, bg) };
    }
    const behind = effectiveBackground(s.backgrounds.slice(faded + 1));
    let inner = behind;
    for (let i = faded; i >= 0; i--) inner = over(parseColor(s.backgrounds[i]!), inner);
    const innerFg = over(parseColor(s.color), inner);
    const alpha = s.opacities[faded]!;
    const blend = (c: Rgba): Rgba => over([c[0], c[1], c[2], alpha], behind);
    const fg = blend(innerFg);
    const bg = blend(inner);
    return { kind: s.kind, text: s.text, fg, bg, ratio: contrast(fg, bg) };
  });
}

function assertReadable(t: TestContext, samples: Sample[], where: string, needsAction: boolean) {
  const lowest = Math.min(...samples.map((s) => s.ratio));
  void t.annotate(`${where}: ${samples.length} texts, lowest contrast ${lowest.toFixed(2)}:1`);
  const kinds = new Set(samples.map((s) => s.kind));
  assert.ok(kinds.has('text'), `${where}: body text measured`);
  if (needsAction)
    assert.ok(kinds.has('primary') || kinds.has('link'), `${where}: a primary button or link`);
  const hex = (c: Rgba) =>
    '#' +
    c
      .slice(0, 3)
      .map((v) => Math.round(v).toString(16).padStart(2, '0'))
      .join('');
  const low = samples
    .filter((s) => s.ratio < 4.5)
    .map((s) => `${s.kind} “${s.text}” ${hex(s.fg)} on ${hex(s.bg)} = ${s.ratio.toFixed(2)}:1`);
  assert.deepEqual(low, [], `${where}: every text at least 4.5:1`);
}

let world: World;
let email: string;
beforeAll(async () => {
  world = await startWorld();
  email = `themes-${randomBytes(5).toString('hex')}@example.com`;
  const res = await fetch(`${world.server.url}/api/accounts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  assert.equal(res.status < 300, true, `account created (${res.status})`);
});
afterAll(async () => {
  await world?.close();
});

const pageBackground = (page: Page) =>
  page.evaluate('getComputedStyle(document.documentElement).backgroundColor') as Promise<string>;

async function checkTheme(t: TestContext, colorScheme: 'light' | 'dark') {
  const { page } = await world.launchDesktop(t, { colorScheme });
  assert.equal(
    await page.evaluate(`matchMedia('(prefers-color-scheme: ${colorScheme})').matches`),
    true,
    `the renderer sees the ${colorScheme} system theme`,
  );

  await page.getByTestId('login-qr').waitFor();
  assertReadable(t, await measure(page, 'body'), `${colorScheme} login`, true);
  const background = await pageBackground(page);

  await page.getByRole('button', { name: 'Sign in with password instead' }).click();
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  assertReadable(t, await measure(page, 'body'), `${colorScheme} password sign-in`, true);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByTestId('account-email').filter({ hasText: email }).waitFor();

  await page.getByRole('button', { name: 'Settings' }).click();
  const nav = page.getByRole('navigation', { name: 'Settings sections' });
  const ready: Record<string, () => Promise<void>> = {
    Passkeys: () => page.getByText('No passkeys yet').waitFor(),
    'Authenticator app': () => page.getByRole('heading', { name: 'Authenticator app' }).waitFor(),
    Password: () => page.getByRole('heading', { name: 'Password' }).waitFor(),
    Sessions: () => page.getByTestId('session-row').first().waitFor(),
    Activity: () =>
      page.getByRole('list', { name: 'Security events' }).getByRole('listitem').first().waitFor(),
  };
  for (const [section, loaded] of Object.entries(ready)) {
    await nav.getByRole('button', { name: section }).click();
    await loaded();
    // Primary actions live in Passkeys (Add a passkey) and Authenticator app (Set up).
    const needsAction = section === 'Passkeys' || section === 'Authenticator app';
    assertReadable(
      t,
      await measure(page, 'body'),
      `${colorScheme} Settings › ${section}`,
      needsAction,
    );
  }
  return background;
}

// The two themes, kept apart so each reports on its own, then compared.
const backgrounds: Partial<Record<'light' | 'dark', string>> = {};
test('light theme: login and Settings text at least 4.5:1', async (t) => {
  backgrounds.light = await checkTheme(t, 'light');
});
test('dark theme: login and Settings text at least 4.5:1', async (t) => {
  backgrounds.dark = await checkTheme(t, 'dark');
});
test('the dark theme is not the light one', () => {
  assert.ok(backgrounds.light && backgrounds.dark, 'both themes were measured');
  assert.notEqual(
    backgrounds.dark,
    backgrounds.light,
    'the page background changes with the theme',
  );
  assert.ok(
    luminance(parseColor(backgrounds.dark)) < luminance(parseColor(backgrounds.light)),
    'the dark background is darker',
  );
});

// The solid danger button only appears inside the delete dialog, which the screens above
// never open; it once had white text on the dark theme's light red (2.5:1).
for (const scheme of ['light', 'dark'] as const) {
  test(`${scheme}: the delete-passkey dialog is readable`, async (t) => {
    const { email: owner, phone } = await world.newAccount();
    const name = (await phone.passkeyRows())[0]!.name;
    const { page } = await world.launchDesktop(t, { colorScheme: scheme });
    await page.getByRole('button', { name: 'Sign in with password instead' }).click();
    await page.getByLabel('Email', { exact: true }).fill(owner);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByTestId('account-email').filter({ hasText: owner }).waitFor();
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByTestId('passkey-row').first().waitFor();
    await page.getByRole('button', { name: `Delete ${name}` }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await dialog.getByLabel('I understand, delete my last passkey').check();
    assertReadable(t, await measure(page, 'dialog'), `${scheme} delete dialog`, false);
  });
}

// "Is this your phone?" only appears once a phone has opened an add-passkey code.
for (const scheme of ['light', 'dark'] as const) {
  test(`${scheme}: the add-passkey "Is this your phone?" step is readable`, async (t) => {
    const { email } = await world.newAccount();
    const { page } = await world.launchDesktop(t, { colorScheme: scheme });
    await signInWithPassword(page, email);
    const dialog = await openAddPasskey(page);
    const link = await readQr(page);
    const tablet = await createPhone({
      phoneOrigin: world.server.phoneOrigin,
      browser: world.browser,
    });
    t.onTestFinished(() => tablet.close());
    await tablet.signIn(email, PASSWORD);
    await tablet.page.goto(link);
    const step = confirmPhoneStep(dialog);
    await step.group.waitFor();
    await step.device.waitFor();
    assertReadable(t, await measure(page, 'dialog'), `${scheme} confirm-phone step`, false);
    if (SCREENSHOT_DIR) {
      fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
      await dialog.screenshot({
        path: path.join(SCREENSHOT_DIR, `add-passkey-confirm-phone-${scheme}.png`),
      });
    }
    await step.no.click();
    await dialog.getByText('Stopped. No one can use the old code.').waitFor();
  });
}

// The reverse-code step only appears when phone and desktop are on different networks; its
// "Verify code" button is disabled until six digits are typed (it once faded to 2.6:1 in dark).
for (const scheme of ['light', 'dark'] as const) {
  test(`${scheme}: the reverse-code step and its disabled "Verify code" are readable`, async (t) => {
    const { phone } = await world.newAccount();
    const { page } = await world.launchDesktop(t, {
      colorScheme: scheme,
      localAddress: '127.0.0.2',
    });
    const link = await readQr(page);
    await phone.page.goto('about:blank');
    await phone.approvePairing(link, { expectCode: true });
    const form = page.getByRole('form', { name: 'Check with your phone' });
    await form.waitFor();
    const verify = form.getByRole('button', { name: 'Verify code' });
    assert.equal(await verify.isDisabled(), true, 'disabled before six digits');
    const samples = await measure(page, 'form[aria-label="Check with your phone"]');
    assert.ok(
      samples.some((s) => s.text === 'Verify code'),
      'the disabled button was measured',
    );
    assertReadable(t, samples, `${scheme} reverse-code step`, false);
  });
}
