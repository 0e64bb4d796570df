/** Default node certificate validity: 90 days (swarmkit's default). */
export const DEFAULT_CERT_VALIDITY_MS = 90 * 24 * 60 * 60 * 1000;

const RENEW_FROM = 0.5;
const RENEW_TO = 0.8;

/**
 * When to renew a certificate: a uniformly random instant between 50% and 80% of its validity
 * window (swarmkit's calculateRandomExpiry), so a cluster's nodes do not all renew at once; never
 * before `now` (an already overdue certificate renews immediately). `rand` returns a number in
 * [0, 1] and defaults to Math.random; `now` defaults to the current time.
 */
export function renewalTime(
  notBefore: Date,
  notAfter: Date,
  rand: () => number = Math.random,
  now: Date = new Date(),
): Date {
  const start = notBefore.getTime();
  const span = Math.max(0, notAfter.getTime() - start);
  const r = Math.min(1, Math.max(0, rand()));
  const at = start + span * (RENEW_FROM + (RENEW_TO - RENEW_FROM) * r);
  return new Date(Math.max(at, now.getTime()));
}
