import { describe, expect, it } from 'vitest';
import { DEFAULT_CERT_VALIDITY_MS, renewalTime } from './renewal.js';

const HOUR = 60 * 60 * 1000;

describe('renewalTime', () => {
  const notBefore = new Date('2030-01-01T00:00:00Z');
  const notAfter = new Date(notBefore.getTime() + 100 * HOUR);
  const early = new Date('2029-01-01T00:00:00Z');

  it('is at 50% of the window for rand 0 and at 80% for rand 1', () => {
    expect(renewalTime(notBefore, notAfter, () => 0, early)).toEqual(
      new Date(notBefore.getTime() + 50 * HOUR),
    );
    expect(renewalTime(notBefore, notAfter, () => 1, early)).toEqual(
      new Date(notBefore.getTime() + 80 * HOUR),
    );
  });

  it('stays within [50%, 80%] for random draws (and out-of-range rand values)', () => {
    for (const r of [0.1, 0.5, 0.99, Math.random(), -3, 7]) {
      const t = renewalTime(notBefore, notAfter, () => r, early).getTime();
      expect(t).toBeGreaterThanOrEqual(notBefore.getTime() + 50 * HOUR);
      expect(t).toBeLessThanOrEqual(notBefore.getTime() + 80 * HOUR);
    }
  });

  it('is never before now: an overdue certificate renews immediately', () => {
    const now = new Date(notBefore.getTime() + 90 * HOUR);
    expect(renewalTime(notBefore, notAfter, () => 0, now)).toEqual(now);
    const before = Date.now();
    const t = renewalTime(new Date(before - 10 * HOUR), new Date(before - HOUR)).getTime();
    expect(t).toBeGreaterThanOrEqual(before);
  });

  it('defaults certificates to 90 days', () => {
    expect(DEFAULT_CERT_VALIDITY_MS).toBe(90 * 24 * HOUR);
  });
});
