import { asKeyValues, asLabels, asMap, asStringList, isMap, type RawMap } from './raw.js';

/**
 * Rewrites the keys Compose lets one write as a list or a map into their map form, so that
 * files merge key by key: `environment`, `labels`, `deploy.labels` and a service's `networks`;
 * `env_file` and `tmpfs` as lists; `labels` of top-level networks, volumes, secrets, configs.
 */
export function normalizeFile(doc: RawMap, file: string): RawMap {
  const out: RawMap = { ...doc };
  const services = asMap(doc['services'], `${file}: services`);
  out['services'] = Object.fromEntries(
    Object.entries(services).map(([name, raw]) => [
      name,
      normalizeService(asMap(raw, `${file}: services.${name}`), `${file}: services.${name}`),
    ]),
  );
  for (const kind of ['networks', 'volumes', 'secrets', 'configs']) {
    if (doc[kind] === undefined) continue;
    const top = asMap(doc[kind], `${file}: ${kind}`);
    out[kind] = Object.fromEntries(
      Object.entries(top).map(([key, raw]) => {
        const where = `${file}: ${kind}.${key}`;
        const m = { ...asMap(raw, where) };
        if (m['labels'] !== undefined) m['labels'] = asLabels(m['labels'], `${where}.labels`);
        return [key, m];
      }),
    );
  }
  return out;
}

function normalizeService(raw: RawMap, where: string): RawMap {
  const s: RawMap = { ...raw };
  if (s['environment'] !== undefined)
    s['environment'] = asKeyValues(s['environment'], `${where}.environment`);
  if (s['labels'] !== undefined) s['labels'] = asLabels(s['labels'], `${where}.labels`);
  for (const key of ['env_file', 'tmpfs'])
    if (typeof s[key] === 'string') s[key] = asStringList(s[key], `${where}.${key}`);
  if (Array.isArray(s['networks']))
    s['networks'] = Object.fromEntries(
      asStringList(s['networks'], `${where}.networks`).map((n) => [n, null]),
    );
  if (isMap(s['deploy']) && s['deploy']['labels'] !== undefined)
    s['deploy'] = {
      ...s['deploy'],
      labels: asLabels(s['deploy']['labels'], `${where}.deploy.labels`),
    };
  return s;
}

/** Lists whose later entries replace the earlier list whole. */
const REPLACED = new Set([
  'services.*.command',
  'services.*.entrypoint',
  'services.*.healthcheck.test',
]);

/** `[ip:]published:target[/proto]` or a long-syntax port, as published:target/proto. */
function portKey(p: unknown): string {
  if (isMap(p))
    return `${String(p['published'] ?? '')}:${String(p['target'])}/${String(p['protocol'] ?? 'tcp')}`;
  const s = String(p);
  const [addr = '', proto = 'tcp'] = s.split('/');
  const parts = addr.split(':');
  const target = parts.pop() ?? '';
  return `${parts.pop() ?? ''}:${target}/${proto}`;
}

/** The container path of a short (`src:/target[:ro]`, `/target`) or long volume. */
function mountTarget(v: unknown): string {
  if (isMap(v)) return String(v['target']);
  const parts = String(v).split(':');
  return parts.length >= 2 ? (parts[1] ?? '') : (parts[0] ?? '');
}

function fileRefKey(r: unknown): string {
  return isMap(r) ? String(r['target'] ?? r['source']) : String(r);
}

/** Lists merged entry by entry: an override entry with the same key replaces the base one. */
const KEYED: Record<string, (x: unknown) => string> = {
  'services.*.ports': portKey,
  'services.*.volumes': mountTarget,
  'services.*.secrets': fileRefKey,
  'services.*.configs': fileRefKey,
};

function mergeLists(pattern: string, a: unknown[], b: unknown[]): unknown[] {
  if (REPLACED.has(pattern)) return b;
  const keyOf = KEYED[pattern] ?? ((x: unknown) => JSON.stringify(x));
  const merged = new Map<string, unknown>(a.map((x) => [keyOf(x), x]));
  for (const x of b) merged.set(keyOf(x), x);
  return [...merged.values()];
}

function mergeValue(path: string[], a: unknown, b: unknown): unknown {
  if (b === undefined) return a;
  const pattern = (path[0] === 'services' ? ['services', '*', ...path.slice(2)] : path).join('.');
  if (Array.isArray(a) && Array.isArray(b)) return mergeLists(pattern, a, b);
  if (!isMap(a) || !isMap(b)) return b;
  const out: RawMap = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = mergeValue([...path, k], a[k], v);
  return out;
}

/**
 * Merges normalized compose files the way `docker compose -f a -f b` does: mappings key by key,
 * scalars replaced by the later file; `command`, `entrypoint` and `healthcheck.test` replaced
 * whole; `ports` merged by published:target/protocol, `volumes` by container path, `secrets` and
 * `configs` by target; every other list appended without duplicates.
 */
export function mergeFiles(docs: readonly RawMap[]): RawMap {
  return docs.reduce<RawMap>((acc, d) => mergeValue([], acc, d) as RawMap, {});
}
