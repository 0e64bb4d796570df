const MULTIPLIER: Record<string, number> = {
  '': 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
  p: 1024 ** 5,
};

const SIZE = /^(\d+(?:\.\d+)?) ?([kmgtp]?)(?:i?b)?$/i;

/**
 * Parses a memory size like docker's `units.RAMInBytes`: binary multiples, case-insensitive,
 * optional `b`/`ib` suffix (`64M`, `64mb`, `1g`, `512k`, `1.5GiB`, `1048576`). Returns whole bytes.
 */
export function parseBytes(input: string): number {
  const m = SIZE.exec(input.trim());
  if (!m) throw new Error(`invalid size: '${input}'`);
  const [, num = '', unit = ''] = m;
  return Math.floor(Number(num) * (MULTIPLIER[unit.toLowerCase()] ?? 1));
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** Formats bytes like docker's `units.BytesSize`: `64MiB`, `1.5GiB`, `512B`. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let i = 0;
  while (value >= 1024 && i < UNITS.length - 1) {
    value /= 1024;
    i++;
  }
  return `${Number(value.toFixed(4)).toString()}${UNITS[i] ?? 'B'}`;
}

/**
 * Parses a CPU count (`0.5`, `2`) into nano CPUs, as docker's `--limit-cpu`. Rejects
 * negative, non-numeric and sub-nano values.
 */
export function parseCpus(input: string): number {
  if (!/^\d*\.?\d+$/.test(input)) throw new Error(`failed to parse ${input} as a rational number`);
  const nano = Math.round(Number(input) * 1e9);
  if (nano === 0 && Number(input) !== 0) throw new Error(`value ${input} is too precise`);
  return nano;
}
