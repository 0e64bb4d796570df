/**
 * Milliseconds per unit of Go's `time.ParseDuration`, which docker uses for every duration flag,
 * plus `d` (days) for certificate lifetimes.
 */
const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

const PART = /^(\d+\.?\d*|\.\d+)([a-zµμ]*)/;

/**
 * Parses a Go/docker duration (`300ms`, `5s`, `1m30s`, `1.5h`, `90d`, `0`) into whole milliseconds
 * (rounded). Negative durations are rejected: no flag here accepts them. Throws an Error whose
 * message follows Go's (`time: unknown unit "x" in duration "5x"`).
 */
export function parseDuration(input: string): number {
  if (input === '0') return 0;
  if (input === '') throw new Error(`time: invalid duration ""`);
  let rest = input.startsWith('+') ? input.slice(1) : input;
  if (rest.startsWith('-')) throw new Error(`time: negative duration "${input}"`);
  let total = 0;
  while (rest !== '') {
    const m = PART.exec(rest);
    if (!m) throw new Error(`time: invalid duration "${input}"`);
    const [whole, num = '', unit = ''] = m;
    if (unit === '') throw new Error(`time: missing unit in duration "${input}"`);
    const ms = UNIT_MS[unit];
    if (ms === undefined) throw new Error(`time: unknown unit "${unit}" in duration "${input}"`);
    total += Number(num) * ms;
    rest = rest.slice(whole.length);
  }
  return Math.round(total);
}

/** Formats milliseconds like Go's `Duration.String()`: `5s`, `1m30s`, `300ms`, `1h0m0s`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}
