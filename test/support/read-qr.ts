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
 * Screenshots the login screen and decodes the QR from its pixels. Instead of retrying on a
 * timer, it waits for the condition that makes a new screenshot worth taking: the QR frame shows
 * a loaded image whose source differs from the last one tried (the QR is drawn asynchronously
 * and replaced when it expires). The source is only the trigger; the link comes from pixels.
 */
export async function readQr(page: Page, opts: ReadQrOptions = {}): Promise<string> {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const deadline = Date.now() + timeoutMs;
  let tried: string | null = null; // the image source whose pixels gave no acceptable link
  let unreadable = 0;
  let last = 'no QR visible';
  for (;;) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) break;
    let src: string;
    try {
      const handle = await page.waitForFunction(
        (previous) => {
          const img = document.querySelector('[data-testid="login-qr"] img');
          if (!(img instanceof HTMLImageElement)) return null;
          if (!img.complete || img.naturalWidth === 0 || img.src === previous) return null;
          return img.src;
        },
        tried,
        { timeout: remaining, polling: 'raf' },
      );
      src = (await handle.jsonValue()) as string;
    } catch (error) {
      if ((error as Error).name === 'TimeoutError') break;
      throw error;
    }
    // A screenshot of the page region, i.e. rendered pixels (taken after the next paint).
    const png = await page.screenshot({ fullPage: false, animations: 'disabled' });
    const text = decodeQrPng(png);
    if (text && text !== opts.notEqual) return text;
    last = text ? 'QR not refreshed yet' : 'no readable QR';
    // An unchanged QR is not tried again until its image is replaced. An unreadable one gets a
    // couple more screenshots (each waits for a fresh frame) before waiting for a new image.
    if (text || ++unreadable >= 3) {
      tried = src;
      unreadable = 0;
    }
  }
  throw new Error(`readQr: ${last} within ${timeoutMs} ms`);
}
