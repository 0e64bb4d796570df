import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    ['0', 0],
    ['300ms', 300],
    ['5s', 5000],
    ['1m30s', 90_000],
    ['1.5h', 5_400_000],
    ['2h45m', 9_900_000],
    ['1500us', 2],
    ['100ns', 0],
    ['.5s', 500],
    ['+10s', 10_000],
    ['90d', 7_776_000_000],
    ['1d12h', 129_600_000],
  ])('%s → %i ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  it.each([
    ['5x', 'time: unknown unit "x" in duration "5x"'],
    ['5', 'time: missing unit in duration "5"'],
    ['', 'time: invalid duration ""'],
    ['s', 'time: invalid duration "s"'],
    ['1m 30s', 'time: invalid duration "1m 30s"'],
    ['-5s', 'time: negative duration "-5s"'],
  ])('rejects %j', (input, message) => {
    expect(() => parseDuration(input)).toThrow(message);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [300, '300ms'],
    [5000, '5s'],
    [90_000, '1m30s'],
    [300_000, '5m0s'],
    [3_600_000, '1h0m0s'],
    [1500, '1.5s'],
  ])('%i ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
