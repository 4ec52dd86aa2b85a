/**
 * WCAG contrast from the colours the browser computed: the text colour of an element against
 * the first opaque background behind it (walking up its ancestors), as a person sees it.
 */
import type { Locator } from 'playwright-core';

export type Rgb = [number, number, number];

export function parseRgb(css: string): { rgb: Rgb; alpha: number } {
  const m = /rgba?\(([^)]+)\)/.exec(css);
  if (!m) throw new Error(`not an rgb() colour: ${css}`);
  const parts = m[1]!
    .split(/[\s,/]+/)
    .filter(Boolean)
    .map(Number);
  return { rgb: [parts[0]!, parts[1]!, parts[2]!], alpha: parts[3] ?? 1 };
}

export function luminance([r, g, b]: Rgb): number {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

export function contrastRatio(a: Rgb, b: Rgb): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** The element's computed text colour and the opaque background it sits on. */
export async function colours(el: Locator): Promise<{ text: string; background: string }> {
  return el.evaluate((node) => {
    const text = getComputedStyle(node).color;
    let n: Element | null = node;
    while (n) {
      const bg = getComputedStyle(n).backgroundColor;
      if (bg && !/rgba\(.*,\s*0\)$/.test(bg) && bg !== 'transparent')
        return { text, background: bg };
      n = n.parentElement;
    }
    // Nothing painted: the canvas colour the page's color-scheme gives.
    return { text, background: getComputedStyle(document.documentElement).backgroundColor };
  });
}

export async function contrastOf(el: Locator): Promise<number> {
  const c = await colours(el);
  return contrastRatio(parseRgb(c.text).rgb, parseRgb(c.background).rgb);
}
