import { dirname } from 'node:path';
import { invalid, type ServiceSpecInput } from '@swarmlet/api-types';
import { convertService } from './convert-service.js';
import { convertData, convertNetwork, convertVolume, type TopContext } from './convert-top.js';
import { parseDotEnv } from './dotenv.js';
import { specHash } from './hash.js';
import { interpolateTree, type InterpolationNotes } from './interpolate.js';
import { unsupportedKeys } from './keys.js';
import { mergeFiles, normalizeFile } from './merge.js';
import { SPEC_HASH_LABEL, type LoadedStack, type StackNetwork, type StackSource } from './model.js';
import { parseComposeFile } from './parse.js';
import { asMap, composeError, type RawMap } from './raw.js';

/** Stack names prefix service names, which are DNS labels. */
const STACK_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,49}$/;

/** The environment over the `.env` file: Compose's precedence. */
function variables(src: StackSource): Record<string, string | undefined> {
  const vars: Record<string, string | undefined> = {};
  if (src.dotEnv) {
    for (const [k, v] of Object.entries(parseDotEnv(src.dotEnv.text, src.dotEnv.path)))
      if (v !== null) vars[k] = v;
  }
  for (const [k, v] of Object.entries(src.env)) if (v !== undefined) vars[k] = v;
  return vars;
}

function mapOf<T extends { key: string }>(
  raw: unknown,
  where: string,
  fn: (k: string, v: unknown) => T,
): Map<string, T> {
  return new Map(Object.entries(asMap(raw, where)).map(([k, v]) => [k, fn(k, v)]));
}

/** The spec with its hash label: the digest of everything else the compose file set. */
function withHash(spec: ServiceSpecInput): ServiceSpecInput {
  return { ...spec, labels: { ...spec.labels, [SPEC_HASH_LABEL]: specHash(spec) } };
}

function warningsOf(doc: RawMap, notes: InterpolationNotes): string[] {
  const warnings: string[] = [];
  const keys = unsupportedKeys(doc);
  if (keys.length > 0) warnings.push(`ignoring unsupported keys: ${keys.join(', ')}`);
  if (notes.unset.size > 0)
    warnings.push(
      `variables not set, used as empty strings: ${[...notes.unset].sort().join(', ')}`,
    );
  return warnings;
}

/**
 * Reads a stack from its compose files: each file parsed and interpolated (environment over
 * `.env`), normalized and merged in order, then converted. Pure apart from `src.readFile`.
 * Throws INVALID_ARGUMENT naming the file or key at the first problem; unsupported keys and
 * unset variables come back as warnings.
 */
export function loadStack(src: StackSource): LoadedStack {
  if (!STACK_NAME.test(src.name))
    throw invalid(`invalid stack name "${src.name}": use letters, digits, '-' or '_' (at most 50)`);
  if (src.files.length === 0) throw invalid('no compose file given');
  const vars = variables(src);
  const notes: InterpolationNotes = { unset: new Set() };
  const docs = src.files.map(({ path, text }) => {
    const parsed = interpolateTree(parseComposeFile(text, path), vars, notes, `${path}:`) as RawMap;
    return normalizeFile(parsed, path);
  });
  const doc = mergeFiles(docs);
  const projectDir = src.projectDir ?? dirname(src.files[0]?.path ?? '.');
  const top: TopContext = { stack: src.name, projectDir, vars, readFile: src.readFile };
  const declaredNetworks = asMap(doc['networks'], 'networks');
  const volumes = mapOf(doc['volumes'], 'volumes', (k, v) => convertVolume(k, v, top));
  const secrets = mapOf(doc['secrets'], 'secrets', (k, v) => convertData('secrets', k, v, top));
  const configs = mapOf(doc['configs'], 'configs', (k, v) => convertData('configs', k, v, top));
  const networks = new Map<string, StackNetwork>();
  const network = (key: string, where: string): StackNetwork => {
    const known = networks.get(key);
    if (known) return known;
    if (key !== 'default' && !(key in declaredNetworks))
      throw composeError(where, `network "${key}" is not declared in the top-level networks`);
    const n = convertNetwork(key, declaredNetworks[key] ?? {}, top);
    networks.set(key, n);
    return n;
  };
  const serviceCtx = { ...top, network, volumes, secrets, configs };
  const services = Object.entries(asMap(doc['services'], 'services'))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, raw]) => withHash(convertService(key, raw, serviceCtx)));
  return {
    stack: {
      name: src.name,
      services,
      networks: [...networks.values()].sort((a, b) => a.name.localeCompare(b.name)),
      secrets: [...secrets.values()],
      configs: [...configs.values()],
    },
    warnings: warningsOf(doc, notes),
  };
}
