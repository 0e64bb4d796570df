import { describe, expect, it } from 'vitest';
import { formatBytes, parseBytes, parseCpus } from './bytes.js';

describe('parseBytes', () => {
  it.each([
    ['1024', 1024],
    ['64M', 64 * 1024 ** 2],
    ['64m', 64 * 1024 ** 2],
    ['64mb', 64 * 1024 ** 2],
    ['1g', 1024 ** 3],
    ['1.5GiB', 1.5 * 1024 ** 3],
    ['512k', 512 * 1024],
    ['512 KB', 512 * 1024],
    ['10b', 10],
  ])('%s → %i', (input, bytes) => {
    expect(parseBytes(input)).toBe(bytes);
  });

  it.each(['64X', '', 'M', '-1m', '1.2.3m', 'lots'])('rejects %j', (input) => {
    expect(() => parseBytes(input)).toThrow(`invalid size: '${input}'`);
  });
});

describe('formatBytes', () => {
  it.each([
    [512, '512B'],
    [64 * 1024 ** 2, '64MiB'],
    [1.5 * 1024 ** 3, '1.5GiB'],
  ])('%i → %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});

describe('parseCpus', () => {
  it.each([
    ['0.5', 500_000_000],
    ['2', 2_000_000_000],
    ['.25', 250_000_000],
    ['0', 0],
  ])('%s → %i nano CPUs', (input, nano) => {
    expect(parseCpus(input)).toBe(nano);
  });

  it.each(['-1', 'half', '1e3', '', '0.0000000001'])('rejects %j', (input) => {
    expect(() => parseCpus(input)).toThrow();
  });
});
