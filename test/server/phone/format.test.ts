/** The phone's time words (docs/glossary.md, Times): relative up to a day, then "1 Dec 2026". */
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { clockTime, whenWords } from '../../../server/phone/lib/format';
import { timeLeftWords } from '../../../server/phone/lib/use-time-left';

const NOW = Date.parse('2026-12-01T22:00:00Z');
const ago = (ms: number) => new Date(NOW - ms).toISOString();

test('relative while recent, then day, short month and year, never the time of day', () => {
  assert.equal(whenWords(ago(10_000), NOW), 'just now');
  assert.equal(whenWords(ago(60_000), NOW), '1 minute ago');
  assert.equal(whenWords(ago(5 * 60_000), NOW), '5 minutes ago');
  assert.equal(whenWords(ago(3 * 3_600_000), NOW), '3 hours ago');
  assert.equal(whenWords('2026-11-03T12:00:00Z', NOW), '3 Nov 2026');
  assert.equal(whenWords(null, NOW), 'never');
});

test('time left counts minutes and seconds, never below zero', () => {
  assert.equal(timeLeftWords(119_001), '2:00 left');
  assert.equal(timeLeftWords(61_000), '1:01 left');
  assert.equal(timeLeftWords(9_000), '0:09 left');
  assert.equal(timeLeftWords(-5), '0:00 left');
});

test('the time of day alone, 24-hour', () => {
  const local = new Date(2026, 11, 1, 23, 2, 42).toISOString();
  assert.equal(clockTime(local), '23:02');
});
