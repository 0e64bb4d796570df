import { describe, expect, it } from 'vitest';
import { ago, humanDuration } from './age.js';
import { capitalize, ellipsis, formatTable, stripDigest, truncateId } from './table.js';

describe('formatTable', () => {
  it('pads columns to max(10, widest + 3) and leaves the last one unpadded', () => {
    const out = formatTable(['ID', 'NAME', 'IMAGE'], [['abcdefghijkl', 'web', 'nginx:latest']]);
    expect(out).toBe('ID             NAME      IMAGE\nabcdefghijkl   web       nginx:latest\n');
  });

  it('prints only the header when there are no rows, without trailing spaces', () => {
    expect(formatTable(['ID', 'NAME', 'ERROR'], [])).toBe('ID        NAME      ERROR\n');
    expect(formatTable(['A', 'B'], [['x', '']])).toBe('A         B\nx\n');
  });
});

describe('small formatters', () => {
  it('truncates ids, capitalizes, shortens and strips digests', () => {
    expect(truncateId('0123456789abcdefghijklmno')).toBe('0123456789ab');
    expect(capitalize('running')).toBe('Running');
    expect(ellipsis('abcdef', 4)).toBe('abc…');
    expect(ellipsis('abc', 4)).toBe('abc');
    expect(stripDigest('nginx:1@sha256:abc')).toBe('nginx:1');
    expect(stripDigest('nginx')).toBe('nginx');
  });
});

describe('humanDuration', () => {
  const s = 1000;
  const h = 3600 * s;
  it.each([
    [500, 'Less than a second'],
    [1 * s, '1 second'],
    [42 * s, '42 seconds'],
    [61 * s, 'About a minute'],
    [150 * s, '2 minutes'],
    [59 * 60 * s, '59 minutes'],
    [1.2 * h, 'About an hour'],
    [5 * h, '5 hours'],
    [72 * h, '3 days'],
    [24 * 20 * h, '2 weeks'],
    [24 * 90 * h, '3 months'],
    [24 * 800 * h, '2 years'],
  ])('%i ms → %s', (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });

  it('renders ages relative to now', () => {
    const now = new Date('2026-01-01T00:02:00Z');
    expect(ago('2026-01-01T00:00:00Z', now)).toBe('2 minutes ago');
    expect(ago('2026-01-01T00:03:00Z', now)).toBe('less than a second ago');
  });
});
