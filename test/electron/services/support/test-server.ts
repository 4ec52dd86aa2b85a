/**
 * Kept for callers written before server/app.ts wired the relay in (test/shell uses it):
 * startTestServer now brings the relay itself, so this is the same function.
 */
export { startTestServer as startServerWithRelay } from '../../../support/server';
