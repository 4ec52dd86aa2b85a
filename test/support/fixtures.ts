/**
 * The kit as vitest fixtures (`test.extend`), for the e2e files:
 *   world          one real server (relay attached), one Chromium for the software phones and
 *                  keychain entries of this run only (test/support/world.ts); set up for the
 *                  file's first test that asks for it, stopped after the file's last test
 *   launchDesktop  the desktop app against the world's server with a keychain entry of its
 *                  own (options override), closed when the test ends
 *   newPhone       another software phone (own browser context and authenticator) in the
 *                  world's Chromium, signed in to nobody, closed when the test ends
 * `worldTest(options)` gives a file its `test`; options go to the server (test/support/server.ts),
 * e.g. shorter relay lifetimes.
 */
import { test } from 'vitest';
import type { Desktop, LaunchDesktopOptions } from './desktop';
import { createPhone, type Phone } from './phone';
import type { TestServerOptions } from './server';
import { startWorld, type World } from './world';

export type LaunchDesktop = (options?: Partial<LaunchDesktopOptions>) => Promise<Desktop>;
export type NewPhone = () => Promise<Phone>;

export function worldTest(serverOptions: TestServerOptions = {}) {
  return test.extend<{
    $file: { world: World };
    $test: { launchDesktop: LaunchDesktop; newPhone: NewPhone };
  }>({
    world: [
      // vitest reads which fixtures a function needs from its first parameter: none here.
      // eslint-disable-next-line no-empty-pattern
      async ({}, use) => {
        const world = await startWorld(serverOptions);
        try {
          await use(world);
        } finally {
          await world.close();
        }
      },
      { scope: 'file' },
    ],
    launchDesktop: async ({ world, onTestFinished }, use) => {
      await use((options) => world.launchDesktop({ onTestFinished }, options));
    },
    newPhone: async ({ world, onTestFinished }, use) => {
      await use(async () => {
        const phone = await createPhone({
          phoneOrigin: world.server.phoneOrigin,
          browser: world.browser,
        });
        onTestFinished(() => phone.close());
        return phone;
      });
    },
  });
}
