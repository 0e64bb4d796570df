import { invalid } from '@swarmlet/api-types';

const KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

function unquote(raw: string, file: string, line: number): string {
  const q = raw[0];
  if (q !== '"' && q !== "'") return raw.replace(/\s+#.*$/, '').trim();
  const end = raw.indexOf(q, 1);
  if (end === -1) throw invalid(`${file} line ${line}: missing closing ${q}`);
  const body = raw.slice(1, end);
  if (q === "'") return body;
  return body.replace(/\\([nrt"\\])/g, (_m, ch: string) =>
    ch === 'n' ? '\n' : ch === 'r' ? '\r' : ch === 't' ? '\t' : ch,
  );
}

/**
 * Parses a `.env` or `env_file` file: `KEY=VALUE` lines, optional `export `, `#` comments,
 * values in single quotes (literal) or double quotes (`\n`, `\t`, `\"`, `\\` escapes), unquoted
 * values trimmed and cut at ` #`. A line `KEY` alone maps KEY to `null` (env_file: "take it from
 * the shell"). No interpolation inside the file. Throws INVALID_ARGUMENT naming file and line.
 */
export function parseDotEnv(text: string, file: string): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim().replace(/^export\s+/, '');
    if (line === '' || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    const key = (eq === -1 ? line : line.slice(0, eq)).trim();
    if (!KEY.test(key)) throw invalid(`${file} line ${i + 1}: invalid variable name "${key}"`);
    out[key] = eq === -1 ? null : unquote(line.slice(eq + 1).trim(), file, i + 1);
  });
  return out;
}
