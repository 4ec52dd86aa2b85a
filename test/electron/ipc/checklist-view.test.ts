/**
 * The checklist's "Review where you are signed in" (electron/ipc/checklist-view.ts), on a real
 * file in a temp directory: a phone plus this computer is done once reviewed, the review holds
 * across a restart (a new instance on the same file), a later session undoes it, and a broken
 * file reads as "nothing reviewed" instead of a crash.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, test } from 'vitest';
import type { MeResponse, SessionView } from '../../../server/protocol/api';
import { createSessionReview } from '../../../electron/ipc/checklist-view';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kb-review-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const session = (id: string, current = false): SessionView => ({
  id,
  client: current ? 'desktop' : 'web',
  device: current ? 'This laptop' : '',
  method: 'password',
  ip: '127.0.0.1',
  userAgent: null,
  createdAt: new Date().toISOString(),
  lastActiveAt: new Date().toISOString(),
  current,
});

const me = (sessions: SessionView[]): MeResponse => ({
  user: { id: 'u1', email: 'a@example.com', createdAt: new Date().toISOString() },
  totpEnabled: false,
  passkeyCount: 1,
  sessionCount: sessions.length,
  elevatedUntil: null,
  session: { id: 'desk', method: 'password', passkeyId: null },
  webauthnUserId: 'w',
  checklist: [
    { id: 'passkey', label: 'Add a passkey', done: true, detail: '1 passkey' },
    {
      id: 'sessions',
      label: 'Review where you are signed in',
      done: false,
      detail: `${sessions.length} active sessions`,
    },
  ],
});

const sessionsItem = (m: MeResponse) => m.checklist.find((c) => c.id === 'sessions')!;

test('phone + this computer: not done until reviewed, then done, also after a restart', () => {
  const file = path.join(dir, 'review.json');
  const live = [session('desk', true), session('phone')];
  const review = createSessionReview({ file });
  assert.equal(sessionsItem(review.apply(me(live), live)).done, false);
  assert.match(sessionsItem(review.apply(me(live), live)).detail, /1 you have not reviewed/);

  review.seen('u1', live);
  const after = review.apply(me(live), live);
  assert.equal(sessionsItem(after).done, true);
  assert.match(sessionsItem(after).detail, /all reviewed/);
  assert.equal(after.checklist[0]!.done, true, 'the other items are left as the server said');

  const restarted = createSessionReview({ file });
  assert.equal(sessionsItem(restarted.apply(me(live), live)).done, true, 'remembered on disk');
  assert.doesNotMatch(fs.readFileSync(file, 'utf8'), /example\.com|token/i, 'ids only');

  const later = [...live, session('stranger')];
  assert.equal(sessionsItem(restarted.apply(me(later), later)).done, false, 'a new one undoes it');
  // Another account on the same computer has its own review.
  assert.equal(
    sessionsItem(restarted.apply({ ...me(live), user: { ...me(live).user, id: 'u2' } }, live)).done,
    false,
  );
});

test('a broken file reads as nothing reviewed; no file keeps the review for this run', () => {
  const file = path.join(dir, 'broken.json');
  fs.writeFileSync(file, '{"u1": "not a list"');
  const live = [session('desk', true), session('phone')];
  const review = createSessionReview({ file });
  assert.equal(sessionsItem(review.apply(me(live), live)).done, false);
  review.seen('u1', live);
  assert.equal(sessionsItem(createSessionReview({ file }).apply(me(live), live)).done, true);

  const memory = createSessionReview();
  memory.seen('u1', live);
  assert.equal(sessionsItem(memory.apply(me(live), live)).done, true);
});
