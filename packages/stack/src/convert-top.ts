import { isAbsolute, resolve } from 'node:path';
import type { NetworkCreateRequest } from '@swarmlet/api-types';
import { NAMESPACE_LABEL, type StackData, type StackNetwork, type StackVolume } from './model.js';
import {
  asBool,
  asLabels,
  asList,
  asMap,
  asString,
  composeError,
  isMap,
  type RawMap,
} from './raw.js';

/** What the top-level conversion needs from the caller. */
export interface TopContext {
  stack: string;
  /** Directory of the first compose file: relative `file:` paths start there. */
  projectDir: string;
  vars: Readonly<Record<string, string | undefined>>;
  readFile(path: string): Buffer;
}

/** `external: true`, or the legacy `external: { name: x }` (which also names it). */
function externalOf(raw: RawMap, where: string): { external: boolean; name?: string } {
  const ext = raw['external'];
  if (ext === undefined || ext === null) return { external: false };
  if (isMap(ext)) return { external: true, name: asString(ext['name'], `${where}.external.name`) };
  return { external: asBool(ext, `${where}.external`) };
}

/** The name in the cluster: the compose `name:`, the external name, else `<stack>_<key>`. */
function nameOf(
  raw: RawMap,
  key: string,
  stack: string,
  where: string,
): { name: string; external: boolean } {
  const ext = externalOf(raw, where);
  const explicit = raw['name'] === undefined ? ext.name : asString(raw['name'], `${where}.name`);
  return { external: ext.external, name: explicit ?? (ext.external ? key : `${stack}_${key}`) };
}

/** A top-level network (or the implicit `default`) as the stack creates it. */
export function convertNetwork(key: string, rawValue: unknown, ctx: TopContext): StackNetwork {
  const where = `networks.${key}`;
  const raw = asMap(rawValue, where);
  const { name, external } = nameOf(raw, key, ctx.stack, where);
  const driver =
    raw['driver'] === undefined ? 'overlay' : asString(raw['driver'], `${where}.driver`);
  if (driver !== 'overlay' && !external)
    throw composeError(
      `${where}.driver`,
      `driver "${driver}" is not supported: only overlay networks`,
    );
  const request: NetworkCreateRequest = {
    name,
    driver: 'overlay',
    labels: { ...asLabels(raw['labels'] ?? {}, `${where}.labels`), [NAMESPACE_LABEL]: ctx.stack },
  };
  if (raw['attachable'] !== undefined && asBool(raw['attachable'], `${where}.attachable`))
    request.attachable = true;
  const configs = asList(asMap(raw['ipam'], `${where}.ipam`)['config'], `${where}.ipam.config`);
  if (configs.length > 1)
    throw composeError(`${where}.ipam.config`, 'only one subnet per network is supported');
  const subnet = asMap(configs[0], `${where}.ipam.config[0]`)['subnet'];
  if (subnet !== undefined) request.subnet = asString(subnet, `${where}.ipam.config[0].subnet`);
  return { key, name, external, request };
}

/** A top-level volume: its name, driver and options for the mounts that use it. */
export function convertVolume(key: string, rawValue: unknown, ctx: TopContext): StackVolume {
  const where = `volumes.${key}`;
  const raw = asMap(rawValue, where);
  const v: StackVolume = { key, ...nameOf(raw, key, ctx.stack, where) };
  if (raw['driver'] !== undefined) v.driver = asString(raw['driver'], `${where}.driver`);
  if (raw['driver_opts'] !== undefined)
    v.options = asLabels(raw['driver_opts'], `${where}.driver_opts`);
  return v;
}

function readContent(
  raw: RawMap,
  kind: 'secrets' | 'configs',
  where: string,
  ctx: TopContext,
): Buffer {
  if (raw['file'] !== undefined) {
    const file = asString(raw['file'], `${where}.file`);
    const path = isAbsolute(file) ? file : resolve(ctx.projectDir, file);
    try {
      return ctx.readFile(path);
    } catch (err) {
      const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(err);
      throw composeError(`${where}.file`, `cannot read ${path}: ${why}`);
    }
  }
  if (raw['environment'] !== undefined) {
    const variable = asString(raw['environment'], `${where}.environment`);
    const value = ctx.vars[variable];
    if (value === undefined)
      throw composeError(`${where}.environment`, `variable ${variable} is not set`);
    return Buffer.from(value);
  }
  if (kind === 'configs' && raw['content'] !== undefined)
    return Buffer.from(asString(raw['content'], `${where}.content`));
  const sources = kind === 'configs' ? 'file, environment, content' : 'file, environment';
  throw composeError(where, `needs one of ${sources} or external: true`);
}

/** A top-level secret or config: its name, labels and (unless external) its value. */
export function convertData(
  kind: 'secrets' | 'configs',
  key: string,
  rawValue: unknown,
  ctx: TopContext,
): StackData {
  const where = `${kind}.${key}`;
  const raw = asMap(rawValue, where);
  const { name, external } = nameOf(raw, key, ctx.stack, where);
  const labels = {
    ...asLabels(raw['labels'] ?? {}, `${where}.labels`),
    [NAMESPACE_LABEL]: ctx.stack,
  };
  if (external) return { key, name, external, labels };
  return {
    key,
    name,
    external,
    labels,
    data: readContent(raw, kind, where, ctx).toString('base64'),
  };
}
