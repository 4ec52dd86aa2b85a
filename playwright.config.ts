/**
 * Playwright Test for the testers' kit (test/kit/*.spec.ts, fixtures in test/kit/fixtures.ts).
 * `npx playwright test` runs them against Debian's Chromium (no browser download); `npm test`
 * runs them after vitest, inside the same private D-Bus session (the desktop's keychain).
 */
import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './test/support/chromium';

export default defineConfig({
  testDir: 'test/kit',
  testMatch: '**/*.spec.ts',
  outputDir: 'test-results/playwright',
  workers: 1,
  forbidOnly: true,
  retries: 0,
  timeout: 60_000,
  reporter: 'list',
  use: {
    browserName: 'chromium',
    headless: true,
    launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS },
  },
});
