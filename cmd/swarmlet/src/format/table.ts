/**
 * Aligns rows like Go's tabwriter as docker configures it (min width 10, padding 3, spaces):
 * every column but the last is padded to max(10, widest cell + 3). Returns lines with '\n'.
 */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const all = [header, ...rows];
  const widths = header.map((_, col) =>
    Math.max(10, ...all.map((row) => (row[col] ?? '').length + 3)),
  );
  return all.map((row) => formatRow(row, widths)).join('');
}

function formatRow(row: readonly string[], widths: readonly number[]): string {
  const cells = row.map((cell, col) =>
    col === row.length - 1 ? cell : cell.padEnd(widths[col] ?? 0),
  );
  return `${cells.join('').trimEnd()}\n`;
}

/** First 12 characters of an id, as docker's `stringid.TruncateID`. */
export function truncateId(id: string): string {
  return id.slice(0, 12);
}

/** `running` → `Running`, as docker's `command.PrettyPrint`. */
export function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Shortens `s` to `max` characters with a trailing ellipsis. */
export function ellipsis(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/** Drops an image digest (`nginx:1@sha256:...` → `nginx:1`), as `service ls` and `ps` show. */
export function stripDigest(image: string): string {
  const at = image.indexOf('@');
  return at === -1 ? image : image.slice(0, at);
}
