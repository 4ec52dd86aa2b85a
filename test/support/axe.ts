/**
 * The axe-core accessibility audit of whatever a page shows now. axe is given to the page
 * with page.evaluate (DevTools), not a <script>: the renderer's CSP rightly refuses scripts
 * that are not its own. Answers the serious and critical findings, one line each.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const AXE_SOURCE = fs.readFileSync(
  createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
  'utf8',
);

type Finding = { id: string; impact: string | null; help: string; targets: string[] };

export async function seriousAxeFindings(page: Page): Promise<string[]> {
  const loaded = await page.evaluate(`typeof window.axe === 'object'`);
  if (!loaded) await page.evaluate(`${AXE_SOURCE}\n;void 0`);
  const findings = (await page.evaluate(`window.axe
    .run(document, { resultTypes: ['violations'] })
    .then((r) => r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.slice(0, 3).map((n) => String(n.target)),
    })))`)) as Finding[];
  return findings
    .filter((f) => f.impact === 'serious' || f.impact === 'critical')
    .map((f) => `${f.impact} ${f.id}: ${f.help} (${f.targets.join(', ')})`);
}
