import { invalid, type SwarmletError } from '@swarmlet/api-types';

/** A YAML mapping as parsed: keys are strings, values anything YAML gives. */
export type RawMap = Record<string, unknown>;

/** An INVALID_ARGUMENT naming where in the compose model the problem is (`services.web.ports`). */
export function composeError(where: string, message: string): SwarmletError {
  return invalid(where === '' ? message : `${where}: ${message}`, { field: where });
}

export function isMap(v: unknown): v is RawMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (isMap(v)) return 'a mapping';
  return JSON.stringify(v);
}

/** A mapping, or `{}` for null/absent (an empty YAML key such as `networks:` with no body). */
export function asMap(v: unknown, where: string): RawMap {
  if (v === null || v === undefined) return {};
  if (!isMap(v)) throw composeError(where, `expected a mapping, got ${describe(v)}`);
  return v;
}

/** A scalar as a string (numbers and booleans as YAML wrote them). */
export function asString(v: unknown, where: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw composeError(where, `expected a string, got ${describe(v)}`);
}

/** A string or a list of strings, as a list. */
export function asStringList(v: unknown, where: string): string[] {
  if (v === null || v === undefined) return [];
  if (!Array.isArray(v)) return [asString(v, where)];
  return v.map((x, i) => asString(x, `${where}[${i}]`));
}

export function asList(v: unknown, where: string): unknown[] {
  if (v === null || v === undefined) return [];
  if (!Array.isArray(v)) throw composeError(where, `expected a list, got ${describe(v)}`);
  return v;
}

/** A non-negative integer, from a number or a decimal string (`"3"`). */
export function asInt(v: unknown, where: string): number {
  const n = typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0)
    throw composeError(where, `expected a non-negative integer, got ${describe(v)}`);
  return n;
}

export function asNumber(v: unknown, where: string): number {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n))
    throw composeError(where, `expected a number, got ${describe(v)}`);
  return n;
}

export function asBool(v: unknown, where: string): boolean {
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'false') return v === 'true';
  throw composeError(where, `expected true or false, got ${describe(v)}`);
}

/** One of `allowed`, for enumerations such as `deploy.mode`. */
export function asEnum<T extends string>(v: unknown, where: string, allowed: readonly T[]): T {
  const s = asString(v, where);
  if (!(allowed as readonly string[]).includes(s))
    throw composeError(where, `invalid value "${s}": use one of ${allowed.join(', ')}`);
  return s as T;
}

/**
 * `KEY=VALUE` lists and `KEY: VALUE` maps (environment, labels) as a map; a list entry without
 * `=` or a null map value is `null` (environment: "take it from the shell").
 */
export function asKeyValues(v: unknown, where: string): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  if (Array.isArray(v)) {
    v.forEach((entry, i) => {
      const s = asString(entry, `${where}[${i}]`);
      const eq = s.indexOf('=');
      const key = eq === -1 ? s : s.slice(0, eq);
      if (key === '') throw composeError(where, `invalid entry "${s}": expected KEY=VALUE`);
      out[key] = eq === -1 ? null : s.slice(eq + 1);
    });
    return out;
  }
  for (const [k, val] of Object.entries(asMap(v, where)))
    out[k] = val === null || val === undefined ? null : asString(val, `${where}.${k}`);
  return out;
}

/** Labels: like `asKeyValues`, a key without value is the empty string. */
export function asLabels(v: unknown, where: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(asKeyValues(v, where))) out[k] = val ?? '';
  return out;
}
