import { composeError } from './raw.js';

const DURATION_UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * A Go duration as Compose writes them (`10s`, `1m30s`, `500ms`, `1.5h`) in whole
 * milliseconds (rounded). A bare `0` is allowed; other bare numbers are refused (their unit is
 * ambiguous).
 */
export function parseDuration(v: unknown, where: string): number {
  if (v === 0 || v === '0') return 0;
  const s = typeof v === 'string' ? v.trim() : '';
  const part = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;
  let total = 0;
  let pos = 0;
  while (s !== '' && pos < s.length) {
    part.lastIndex = pos;
    const m = part.exec(s);
    if (!m) break;
    total += Number(m[1]) * (DURATION_UNITS[m[2] ?? ''] ?? 0);
    pos = part.lastIndex;
  }
  if (s === '' || pos !== s.length)
    throw composeError(
      where,
      `invalid duration ${JSON.stringify(v)}: use a number with a unit, like 10s, 1m30s or 500ms`,
    );
  return Math.round(total);
}

const BYTE_UNITS: Record<string, number> = {
  '': 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
};

/**
 * A size as Compose writes them: a number of bytes, or `512M`, `1g`, `64mb`, `1.5GiB`, `100k`
 * (units are powers of 1024, case-insensitive).
 */
export function parseBytes(v: unknown, where: string): number {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  const m = typeof v === 'string' ? /^(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?$/i.exec(v.trim()) : null;
  if (!m)
    throw composeError(
      where,
      `invalid size ${JSON.stringify(v)}: use bytes or a number with a unit, like 512M or 1g`,
    );
  return Math.round(Number(m[1]) * (BYTE_UNITS[(m[2] ?? '').toLowerCase()] ?? 1));
}

/** `cpus: '0.5'` (or a number) in Docker's NanoCPUs. */
export function parseCpus(v: unknown, where: string): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n) || n < 0)
    throw composeError(where, `invalid cpus ${JSON.stringify(v)}: use a number such as '0.5'`);
  return Math.round(n * 1e9);
}

/**
 * A file mode: a YAML number (`0440` is read as octal, as Compose does) or an octal string
 * (`"0440"`, `"440"`).
 */
export function parseMode(v: unknown, where: string): number {
  const n =
    typeof v === 'number'
      ? v
      : typeof v === 'string' && /^0?[0-7]{1,4}$/.test(v)
        ? parseInt(v, 8)
        : NaN;
  if (!Number.isInteger(n) || n < 0 || n > 0o7777)
    throw composeError(where, `invalid file mode ${JSON.stringify(v)}: use octal such as 0440`);
  return n;
}
