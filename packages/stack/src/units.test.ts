import { describe, expect, it } from 'vitest';
import { parseBytes, parseCpus, parseDuration, parseMode } from './units.js';

describe('compose units', () => {
  it.each([
    ['10s', 10_000],
    ['1m30s', 90_000],
    ['500ms', 500],
    ['1.5h', 5_400_000],
    ['2h3m4s5ms', 7_384_005],
    ['1500us', 2],
    [0, 0],
    ['0', 0],
  ])('duration %s is %d ms', (v, ms) => expect(parseDuration(v, 'x')).toBe(ms));

  it.each(['10', 10, '10 s', 's', '1m30', '-1s', '', null])('duration %j is refused', (v) =>
    expect(() => parseDuration(v, 'services.web.stop_grace_period')).toThrow(
      /^services\.web\.stop_grace_period: invalid duration .*like 10s, 1m30s or 500ms/,
    ),
  );

  it.each([
    ['512M', 512 * 1024 ** 2],
    ['1g', 1024 ** 3],
    ['64mb', 64 * 1024 ** 2],
    ['1.5GiB', 1.5 * 1024 ** 3],
    ['100k', 102_400],
    ['2048', 2048],
    [4096, 4096],
    ['1T', 1024 ** 4],
  ])('size %s is %d bytes', (v, n) => expect(parseBytes(v, 'x')).toBe(n));

  it.each(['12q', '-1', 'M', 1.5, ''])('size %j is refused', (v) =>
    expect(() => parseBytes(v, 'deploy.resources.limits.memory')).toThrow(/invalid size/),
  );

  it.each([
    ['0.5', 500_000_000],
    [2, 2_000_000_000],
    ['0.001', 1_000_000],
  ])('cpus %s is %d nano cpus', (v, n) => expect(parseCpus(v, 'x')).toBe(n));

  it('refuses bad cpus and modes', () => {
    expect(() => parseCpus('half', 'c')).toThrow(/c: invalid cpus "half"/);
    expect(() => parseCpus(-1, 'c')).toThrow(/invalid cpus/);
    expect(() => parseMode('0999', 'm')).toThrow(/m: invalid file mode/);
    expect(() => parseMode(0o17777, 'm')).toThrow(/invalid file mode/);
  });

  it.each([
    [0o440, 0o440],
    ['0440', 0o440],
    ['440', 0o440],
    [256, 256],
  ])('mode %j is %o', (v, n) => expect(parseMode(v, 'm')).toBe(n));
});
