/** `Label:` padded to a fixed column, as docker's `--pretty` output aligns values. */
export function kv(label: string, value: string | number, width = 16): string {
  const key = `${label}:`;
  return key.length >= width ? `${key} ${value}` : `${key.padEnd(width)}${value}`;
}
