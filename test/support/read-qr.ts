/**
 * Reads the sign-in QR the way a phone camera would: from pixels on screen, not from the DOM.
 * A test that passes with this proves the QR a person scans carries the right link.
 */
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import type { Page } from 'playwright-core';

export type ReadQrOptions = {
  /** How long to wait for a readable QR (it may still be loading or refreshing). */
  timeoutMs?: number;
  /** Only accept a link different from this one (e.g. to wait for a refreshed QR). */
  notEqual?: string;
};

/** Decodes a PNG screenshot; returns the QR's text or null when none is readable. */
export function decodeQrPng(png: Buffer): string | null {
  const image = PNG.sync.read(png);
  const data = new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.length);
  const found = jsQR(data, image.width, image.height, { inversionAttempts: 'dontInvert' });
  return found?.data || null;
}

/**
 * Screenshots the login screen's QR area (the whole viewport if the QR frame is not found) and
 * decodes it. Retries until a QR is readable, because the QR is drawn asynchronously and is
 * replaced when it expires.
 */
export async function readQr(page: Page, opts: ReadQrOptions = {}): Promise<string> {
  const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
  const frame = page.getByTestId('login-qr');
  await frame.waitFor({ state: 'visible', timeout: opts.timeoutMs ?? 15_000 });
  let last = 'no QR visible';
  while (Date.now() < deadline) {
    // A screenshot of the page region, i.e. rendered pixels; the DOM's attributes are not read.
    const png = await page.screenshot({ fullPage: false, animations: 'disabled' });
    const text = decodeQrPng(png);
    if (text && text !== opts.notEqual) return text;
    last = text ? 'QR not refreshed yet' : 'no readable QR';
    // Wait for the next paint rather than a fixed sleep.
    await page.evaluate(
      () => new Promise<void>((resolve) => requestAnimationFrame(() => setTimeout(resolve, 50))),
    );
  }
  throw new Error(`readQr: ${last} within the timeout`);
}
