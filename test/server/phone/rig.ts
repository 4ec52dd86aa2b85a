/**
 * Shared setup for the phone web app tests: the real server (SQLite in a temp dir, a clock the
 * test can move so TOTP codes and expiries need no sleeping), one real Chromium, and helpers to
 * read what the API says from inside a phone's session.
 */
import type { TestContext } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import * as OTPAuth from 'otpauth';
import { startTestServer, type TestServer, type TestServerOptions } from '../../support/server';
import { launchChromium } from '../../support/chromium';
import { createPhone, type CreatePhoneOptions, type Phone } from '../../support/phone';
import { decodeQrPng } from '../../support/read-qr';
import { ManualClock } from '../../../server/util/clock';

export type Rig = {
  server: TestServer;
  browser: Browser;
  clock: ManualClock;
  phone(opts?: Omit<CreatePhoneOptions, 'phoneOrigin' | 'browser'>): Promise<Phone>;
};

export async function startRig(t: TestContext, opts: TestServerOptions = {}): Promise<Rig> {
  const clock = new ManualClock();
  const server = await startTestServer({ clock, logLevel: 'info', ...opts });
  t.onTestFinished(() => server.close());
  const browser = await launchChromium();
  t.onTestFinished(() => browser.close());
  return {
    server,
    browser,
    clock,
    async phone(o = {}) {
      const phone = await createPhone({ ...o, phoneOrigin: server.phoneOrigin, browser });
      t.onTestFinished(() => phone.close());
      return phone;
    },
  };
}

/**
 * The code an authenticator app shows. The server never accepts the same 30-second step twice,
 * so each call first moves the server's clock to the next step.
 */
export function nextTotp(clock: ManualClock, secret: string): string {
  clock.advance(30_000);
  return new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret) }).generate({
    timestamp: clock.now(),
  });
}

export type ApiAnswer<T = unknown> = { status: number; body: T };

/** Calls the API from inside the page, i.e. with that phone's session cookie. */
export async function apiFrom<T = unknown>(
  page: Page,
  method: string,
  path: string,
  body?: unknown,
): Promise<ApiAnswer<T>> {
  return page.evaluate(
    async ([m, p, b]) => {
      const res = await fetch(p as string, {
        method: m as string,
        credentials: 'same-origin',
        headers: b === undefined ? {} : { 'content-type': 'application/json' },
        body: b === undefined ? undefined : JSON.stringify(b),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
    [method, path, body] as const,
  );
}

/** Reads the QR on screen from its pixels, as an authenticator app's camera would. */
export async function readQrOnPage(page: Page, testId = 'qr'): Promise<string> {
  const png = await page.getByTestId(testId).screenshot();
  const text = decodeQrPng(png);
  if (!text) throw new Error('no readable QR code on the page');
  return text;
}
