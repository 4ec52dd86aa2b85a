/**
 * The phone pages in Simplified Chinese, in real Chromium with the browser's language set to
 * zh-CN (navigator.languages and Accept-Language), against the real server: sign in, sign up,
 * the pair page without a link, Security (passkeys, authenticator app setup, password,
 * sessions and the sign-out confirmation, activity, "Confirm it's you"). On each, no English UI
 * text: no run of two or more Latin words once the person's own data (email, device and
 * passkey names, the authenticator key) and the names that stay as they are (Keybridge,
 * Google Authenticator) are taken out; axe finds nothing serious on any of them. `<html lang>`
 * says zh-CN; `?lang=` forces a language for the tab.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'vitest';
import type { PasskeyListResponse, SessionListResponse } from '../../../server/protocol/api';
import { apiFrom, startRig } from './rig';
import { step } from '../../support/vitest';
import { assertChinese } from '../../support/no-english';

const PASSWORD = 'correct horse battery staple';

test('the phone pages speak zh-CN when the browser does', async (t) => {
  const rig = await startRig(t);
  const phone = await rig.phone({ locale: 'zh-CN' });
  const { page } = phone;
  const email = `zh-${randomBytes(5).toString('hex')}@example.com`;

  await step(t, 'signed out: sign in, sign up, the pair page without a link', async () => {
    await phone.open('/m/signin');
    await page.getByRole('button', { name: '使用通行密钥登录' }).waitFor();
    await assertChinese(page, 'sign in');
    await phone.open('/m/signup');
    await page.getByRole('button', { name: '创建账户' }).waitFor();
    await assertChinese(page, 'sign up');
    await phone.open('/m/pair');
    await page.locator('[data-testid="pair-error"][data-reason="no-link"]').waitFor();
    await assertChinese(page, 'pair page without a link');
  });

  // The person's own data, as the server has it, is not UI text.
  const data = async () => {
    const sessions = await apiFrom<SessionListResponse>(page, 'GET', '/api/sessions');
    const passkeys = await apiFrom<PasskeyListResponse>(page, 'GET', '/api/passkeys');
    return [
      ...(sessions.body.sessions ?? []).map((s) => s.device),
      ...(passkeys.body.passkeys ?? []).flatMap((p) => [p.name, p.providerName ?? '']),
    ];
  };

  await step(t, 'signed up: Security with a passkey, sessions and activity', async () => {
    await phone.open('/m/signup');
    await page.getByLabel('邮箱').fill(email);
    await page.getByLabel('密码', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: '创建账户' }).click();
    await page.getByTestId('security-page').waitFor();
    await page.getByRole('button', { name: '创建通行密钥' }).click();
    await page.getByTestId('passkey-created').waitFor();
    await page.getByTestId('activity-row').first().waitFor();
    await assertChinese(page, 'Security', await data());
  });

  await step(t, 'authenticator app setup', async () => {
    await page.getByRole('button', { name: '设置身份验证器应用' }).click();
    const secret = page.getByTestId('totp-secret');
    await secret.waitFor();
    await assertChinese(page, 'authenticator app setup', [
      ...(await data()),
      ((await secret.textContent()) ?? '').trim(),
    ]);
    await page.getByTestId('totp-section').getByRole('button', { name: '取消' }).click();
  });

  await step(t, 'another session: the sign-out confirmation and its notice', async () => {
    const other = await rig.phone({ locale: 'zh-CN' });
    // Its sign-in helper reads English labels: sign in by the Chinese ones instead.
    await other.openSignIn();
    await other.page.getByLabel('邮箱').fill(email);
    await other.page.getByLabel('密码', { exact: true }).fill(PASSWORD);
    await other.page.getByRole('button', { name: '登录', exact: true }).click();
    await other.page.getByTestId('security-page').waitFor();
    await page.reload();
    const rows = page.getByTestId('session-row');
    await rows.nth(1).waitFor();
    await page.getByRole('button', { name: '退出其他所有会话' }).waitFor({ state: 'detached' });
    await rows.filter({ hasNotText: '这部手机' }).getByRole('button').click();
    await page.getByTestId('signout-dialog').waitFor();
    await assertChinese(page, 'sign-out confirmation', await data());
    const names = await data();
    await page.getByTestId('signout-dialog').getByRole('button', { name: '退出登录' }).click();
    await page.getByTestId('session-signed-out').waitFor();
    await assertChinese(page, 'signed-out notice', names);
  });

  await step(t, 'password: a refusal in words; "Confirm it\'s you"', async () => {
    const section = page.getByTestId('password-section');
    await section.getByLabel('当前密码').fill(PASSWORD);
    await section.getByLabel('新密码', { exact: true }).fill('a brand new long passphrase');
    await section.getByLabel('确认新密码').fill('something else entirely');
    await section.getByRole('button', { name: '更改密码' }).click();
    await section.getByTestId('error').waitFor();
    await assertChinese(page, 'password mismatch', await data());
    rig.clock.advance(10 * 60_000); // the sign-up's verification runs out
    await section.getByLabel('确认新密码').fill('a brand new long passphrase');
    await section.getByRole('button', { name: '更改密码' }).click();
    const sheet = page.getByTestId('stepup-dialog');
    // The account has a passkey: it is offered first, the password is the fallback.
    await sheet.getByRole('button', { name: '使用通行密钥' }).waitFor();
    await assertChinese(page, '"Confirm it\'s you" with the passkey', await data());
    await sheet.getByRole('button', { name: '改用密码' }).click();
    await sheet.getByLabel('密码', { exact: true }).waitFor();
    await assertChinese(page, '"Confirm it\'s you" with the password', await data());
    await sheet.getByRole('button', { name: '取消' }).click();
  });

  await step(t, "a server error code in Chinese, not the server's English", async () => {
    await page.getByTestId('stepup-dialog').waitFor({ state: 'detached' });
    await page.getByRole('button', { name: '创建通行密钥' }).click();
    const dialog = page.getByTestId('stepup-dialog');
    await dialog.getByRole('button', { name: '改用密码' }).click();
    await dialog.getByLabel('密码', { exact: true }).fill('not the password');
    await dialog.getByRole('button', { name: '验证' }).click();
    await dialog.getByTestId('error').waitFor();
    assert.equal((await dialog.getByTestId('error').textContent())?.trim(), '密码不正确。请重试。');
  });
  assert.deepEqual(phone.cspViolations, []);
});

test('?lang= forces a language for the tab; the browser language is the default', async (t) => {
  const rig = await startRig(t);
  const phone = await rig.phone(); // an English browser
  const { page } = phone;
  await phone.open('/m/signin');
  await page.getByRole('button', { name: 'Sign in with a passkey' }).waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');

  await phone.open('/m/signin?lang=zh-CN');
  await page.getByRole('button', { name: '使用通行密钥登录' }).waitFor();
  await phone.open('/m/signup'); // remembered for the tab
  await page.getByRole('button', { name: '创建账户' }).waitFor();
  await phone.open('/m/pair?lang=en');
  await page.getByText('Scan the QR code to continue').waitFor();
  await phone.open('/m/signin');
  await page.getByRole('button', { name: 'Sign in with a passkey' }).waitFor();
});
