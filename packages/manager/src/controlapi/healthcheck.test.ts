import { describe, expect, it } from 'vitest';
import { isSwarmletError, type Healthcheck, type ServiceSpecInput } from '@swarmlet/api-types';
import { normalizeHealthcheck } from './healthcheck.js';
import { normalizeServiceSpec } from './spec.js';

/** The field an INVALID_ARGUMENT names, or 'ok' when the input is accepted. */
function fieldOf(input: Partial<Healthcheck>): unknown {
  try {
    normalizeHealthcheck(input);
    return 'ok';
  } catch (err) {
    if (!isSwarmletError(err, 'INVALID_ARGUMENT')) throw err;
    return err.details?.['field'];
  }
}

const F = 'task.container.healthcheck';

describe('normalizeHealthcheck', () => {
  it('fills zero defaults around what is given', () => {
    expect(
      normalizeHealthcheck({ test: ['CMD-SHELL', 'test -f /ready'], intervalMs: 200 }),
    ).toEqual({
      test: ['CMD-SHELL', 'test -f /ready'],
      intervalMs: 200,
      timeoutMs: 0,
      retries: 0,
      startPeriodMs: 0,
    });
    // Only options: the image's command runs with them.
    expect(normalizeHealthcheck({ retries: 5 })).toMatchObject({ test: [], retries: 5 });
  });

  it('returns undefined when nothing is set, so specs without one stay as they were', () => {
    expect(normalizeHealthcheck(undefined)).toBeUndefined();
    expect(normalizeHealthcheck({})).toBeUndefined();
    expect(normalizeHealthcheck({ test: [], intervalMs: 0, retries: 0 })).toBeUndefined();
  });

  it('accepts the test forms Docker knows', () => {
    expect(fieldOf({ test: ['NONE'] })).toBe('ok');
    expect(fieldOf({ test: ['CMD', '/bin/check', '--quick'] })).toBe('ok');
    expect(fieldOf({ test: ['CMD-SHELL', 'wget -q -O- localhost'] })).toBe('ok');
  });

  it.each([
    [['NONE', 'x']],
    [['CMD']],
    [['CMD', '']],
    [['CMD-SHELL']],
    [['CMD-SHELL', ' ']],
    [['CMD-SHELL', 'a', 'b']],
    [['SHELL', 'true']],
    [['cmd-shell', 'true']],
  ])('rejects the test %j', (test) => {
    expect(fieldOf({ test })).toBe(`${F}.test`);
  });

  it.each([
    ['intervalMs', -1],
    ['timeoutMs', 1.5],
    ['startPeriodMs', Number.NaN],
    ['retries', -3],
  ] as const)('rejects %s = %s', (key, value) => {
    expect(fieldOf({ test: ['CMD', 'true'], [key]: value })).toBe(`${F}.${key}`);
  });

  it('rejects a disabled check with options (--no-healthcheck with --health-*)', () => {
    expect(fieldOf({ test: ['NONE'], intervalMs: 1000 })).toBe(F);
    expect(fieldOf({ test: ['NONE'], retries: 1 })).toBe(F);
    expect(() => normalizeHealthcheck({ test: ['NONE'], timeoutMs: 5 })).toThrow(/takes no/);
  });
});

describe('normalizeServiceSpec: health check', () => {
  const spec = (healthcheck?: Partial<Healthcheck>): ServiceSpecInput => ({
    name: 'web',
    task: { container: { image: 'busybox', ...(healthcheck && { healthcheck }) } },
  });

  it('keeps the key out when the input has none', () => {
    expect(normalizeServiceSpec(spec()).task.container).not.toHaveProperty('healthcheck');
    expect(normalizeServiceSpec(spec({})).task.container).not.toHaveProperty('healthcheck');
  });

  it('stores the normalized check and refuses an invalid one', () => {
    expect(normalizeServiceSpec(spec({ test: ['NONE'] })).task.container.healthcheck).toEqual({
      test: ['NONE'],
      intervalMs: 0,
      timeoutMs: 0,
      retries: 0,
      startPeriodMs: 0,
    });
    expect(() => normalizeServiceSpec(spec({ test: ['CMD'] }))).toThrow(/invalid health check/);
  });
});
