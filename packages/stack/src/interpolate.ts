import { invalid } from '@swarmlet/api-types';
import { isMap } from './raw.js';

/** Variables for `${VAR}`: the process environment over the `.env` file (Compose's order). */
export type Variables = Readonly<Record<string, string | undefined>>;

/** What interpolation saw besides the result: variables used but unset (blank, as Compose). */
export interface InterpolationNotes {
  unset: Set<string>;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

/** Index of the `}` closing the `${` whose body starts at `start` (nested `${...}` allowed). */
function closingBrace(s: string, start: number): number {
  let depth = 1;
  for (let i = start; i < s.length; i++) {
    if (s[i] === '$' && s[i + 1] === '{') {
      depth++;
      i++;
    } else if (s[i] === '}' && --depth === 0) return i;
  }
  return -1;
}

function braced(body: string, vars: Variables, notes: InterpolationNotes, where: string): string {
  const name = NAME.exec(body)?.[0];
  const bad = (): Error => invalid(`${where}: invalid interpolation format "\${${body}}"`);
  if (name === undefined) throw bad();
  const rest = body.slice(name.length);
  const op = /^(:-|-|:\?|\?|:\+|\+)?/.exec(rest)?.[0] ?? '';
  if (op === '' && rest !== '') throw bad();
  const arg = (): string => interpolateString(rest.slice(op.length), vars, notes, where);
  const value = vars[name];
  const unsetOrEmpty = value === undefined || value === '';
  switch (op) {
    case ':-':
      return unsetOrEmpty ? arg() : value;
    case '-':
      return value === undefined ? arg() : value;
    case ':?':
    case '?':
      if (op === ':?' ? unsetOrEmpty : value === undefined) {
        const why = arg();
        throw invalid(
          `${where}: required variable ${name} is missing a value${why ? `: ${why}` : ''}`,
          { variable: name },
        );
      }
      return value ?? '';
    case ':+':
      return unsetOrEmpty ? '' : arg();
    case '+':
      return value === undefined ? '' : arg();
    default:
      if (value === undefined) notes.unset.add(name);
      return value ?? '';
  }
}

/**
 * Compose's interpolation of one string: `$$` is a literal `$`; `$VAR` and `${VAR}` the value
 * (blank if unset, noted in `notes.unset`); `${VAR:-default}` (unset or empty) and
 * `${VAR-default}` (unset); `${VAR:?err}` and `${VAR?err}` fail naming VAR; `${VAR:+alt}` and
 * `${VAR+alt}` give `alt` when set. Defaults may hold interpolations. A `$` followed by anything
 * else stays as written. `where` names the file and key in error messages.
 */
export function interpolateString(
  s: string,
  vars: Variables,
  notes: InterpolationNotes,
  where: string,
): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c !== '$') {
      out += c;
      continue;
    }
    const next = s[i + 1];
    if (next === '$') {
      out += '$';
      i++;
    } else if (next === '{') {
      const end = closingBrace(s, i + 2);
      if (end === -1) throw invalid(`${where}: invalid interpolation format "${s}": missing }`);
      out += braced(s.slice(i + 2, end), vars, notes, where);
      i = end;
    } else {
      const name = NAME.exec(s.slice(i + 1))?.[0];
      if (name === undefined) out += '$';
      else {
        out += braced(name, vars, notes, where);
        i += name.length;
      }
    }
  }
  return out;
}

/** Interpolates every string value (not keys) of a parsed compose file, as Compose does. */
export function interpolateTree(
  value: unknown,
  vars: Variables,
  notes: InterpolationNotes,
  where: string,
): unknown {
  if (typeof value === 'string') return interpolateString(value, vars, notes, where);
  if (Array.isArray(value))
    return value.map((v, i) => interpolateTree(v, vars, notes, `${where}[${i}]`));
  if (isMap(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value))
      out[k] = interpolateTree(
        v,
        vars,
        notes,
        where.endsWith(':') ? `${where} ${k}` : `${where}.${k}`,
      );
    return out;
  }
  return value;
}
