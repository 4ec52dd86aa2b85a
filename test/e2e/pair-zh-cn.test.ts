/**
 * The QR approval page (/m/pair) in Simplified Chinese, driven by the real desktop app: the
 * review, done, and on different networks the warning, the 6-digit code with its time left
 * ("剩余 0:42") typed on the computer. The phone's tab was switched with `?lang=zh-CN`, which
 * the pair page keeps. No English UI text (test/support/no-english.ts): what the computer
 * named itself (app, device) is its data, not the page's words.
 */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { readQr } from '../support/read-qr';
import { worldTest } from '../support/fixtures';
import { assertChinese } from '../support/no-english';

const test = worldTest();

/** What the computer said about itself, shown as it is. */
async function computerNames(page: Page): Promise<string[]> {
  const text = async (id: string) => ((await page.getByTestId(id).textContent()) ?? '').trim();
  return [await text('pair-app'), await text('pair-device')];
}

test('the pair page in zh-CN: review, done, the 6-digit code across networks', async ({
  world,
  launchDesktop,
}) => {
  const { email, phone } = await world.newAccount();
  const { page } = phone;
  await phone.open('/m/security?lang=zh-CN');
  await page.getByRole('heading', { name: '安全' }).waitFor();

  // Same network: review, then done.
  {
    const desktop = await launchDesktop();
    await page.goto(await readQr(desktop.page));
    await page.getByRole('button', { name: '批准' }).waitFor();
    await assertChinese(page, 'pair review', await computerNames(page));
    await page.getByRole('button', { name: '批准' }).click();
    await page.getByTestId('pair-done').waitFor();
    await assertChinese(page, 'pair done');
    await desktop.page.getByTestId('account-email').filter({ hasText: email }).waitFor();
  }

  // Another network: the warning, then the code and its time left, typed on the computer.
  {
    const desktop = await launchDesktop({ localAddress: '127.0.0.2' });
    await page.goto(await readQr(desktop.page));
    await page.getByTestId('network-warning').waitFor();
    await assertChinese(page, 'pair review, other network', await computerNames(page));
    await page.getByRole('button', { name: '批准' }).click();
    const left = page.getByTestId('code-time-left');
    await left.waitFor();
    assert.match((await left.textContent()) ?? '', /^剩余 \d:\d\d$/);
    await assertChinese(page, 'the 6-digit code');
    const code = ((await page.getByTestId('reverse-code').textContent()) ?? '').replace(/\D/g, '');
    const input = desktop.page.getByLabel('Code from your phone', { exact: true });
    await input.fill(code);
    await input.press('Enter');
    await page.getByTestId('pair-done').waitFor();
    await desktop.page.getByTestId('account-email').filter({ hasText: email }).waitFor();
  }
});
