import { isAbsolute, resolve } from 'node:path';
import { MOUNT_TYPES, type Mount } from '@swarmlet/api-types';
import type { StackVolume } from './model.js';
import {
  asBool,
  asEnum,
  asList,
  asMap,
  asString,
  asStringList,
  composeError,
  isMap,
} from './raw.js';
import { parseBytes, parseMode } from './units.js';

/** What volume conversion needs: named volumes by key, and where relative paths start. */
export interface MountContext {
  volumes: ReadonlyMap<string, StackVolume>;
  projectDir: string;
}

function target(s: string, where: string): string {
  if (!s.startsWith('/')) throw composeError(where, `mount target "${s}" must be an absolute path`);
  return s;
}

/** A named volume's mount: its stack name and the top-level driver and options. */
function volumeMount(
  key: string,
  tgt: string,
  readonly: boolean,
  ctx: MountContext,
  where: string,
): Mount {
  const vol = ctx.volumes.get(key);
  if (!vol) throw composeError(where, `volume "${key}" is not declared in the top-level volumes`);
  const m: Mount = { type: 'volume', source: vol.name, target: tgt };
  if (readonly) m.readonly = true;
  if (vol.driver !== undefined) m.volumeDriver = vol.driver;
  if (vol.options !== undefined) m.volumeOptions = { ...vol.options };
  return m;
}

function isPath(source: string): boolean {
  return source.startsWith('/') || source.startsWith('.') || source.startsWith('~');
}

/** `vol:/data[:ro]`, `/host:/data[:rw]`, `./rel:/data`, `/data` (anonymous volume). */
function shortMount(spec: string, ctx: MountContext, where: string): Mount {
  const parts = spec.split(':');
  if (parts.length > 3) throw composeError(where, `invalid volume "${spec}"`);
  if (parts.length === 1) return { type: 'volume', source: '', target: target(spec, where) };
  const [source = '', tgt = '', opts = ''] = parts;
  const flags = opts === '' ? [] : opts.split(',');
  for (const f of flags)
    if (!['ro', 'rw', 'z', 'Z'].includes(f))
      throw composeError(where, `invalid volume option "${f}" in "${spec}"`);
  const readonly = flags.includes('ro');
  if (!isPath(source)) return volumeMount(source, target(tgt, where), readonly, ctx, where);
  const host = isAbsolute(source) ? source : resolve(ctx.projectDir, source);
  return {
    type: 'bind',
    source: host,
    target: target(tgt, where),
    ...(readonly ? { readonly } : {}),
  };
}

function longMount(raw: Record<string, unknown>, ctx: MountContext, where: string): Mount {
  const type = asEnum(raw['type'], `${where}.type`, MOUNT_TYPES);
  const tgt = target(asString(raw['target'], `${where}.target`), `${where}.target`);
  const readonly = raw['read_only'] !== undefined && asBool(raw['read_only'], `${where}.read_only`);
  const source = raw['source'] === undefined ? '' : asString(raw['source'], `${where}.source`);
  if (type === 'volume')
    return source === ''
      ? { type, source, target: tgt, ...(readonly ? { readonly } : {}) }
      : volumeMount(source, tgt, readonly, ctx, where);
  if (type === 'bind') {
    if (source === '') throw composeError(where, 'a bind mount needs a source');
    const host = isAbsolute(source) ? source : resolve(ctx.projectDir, source);
    return { type, source: host, target: tgt, ...(readonly ? { readonly } : {}) };
  }
  if (source !== '') throw composeError(`${where}.source`, 'a tmpfs mount has no source');
  const m: Mount = { type, source: '', target: tgt };
  const tmpfs = asMap(raw['tmpfs'], `${where}.tmpfs`);
  if (tmpfs['size'] !== undefined)
    m.tmpfsSizeBytes = parseBytes(tmpfs['size'], `${where}.tmpfs.size`);
  if (tmpfs['mode'] !== undefined) m.tmpfsMode = parseMode(tmpfs['mode'], `${where}.tmpfs.mode`);
  return m;
}

/** A service's `volumes:` (short and long syntax) and `tmpfs:` paths as mounts, in file order. */
export function convertMounts(
  volumes: unknown,
  tmpfs: unknown,
  ctx: MountContext,
  where: string,
): Mount[] {
  const mounts = asList(volumes, `${where}.volumes`).map((v, i) => {
    const at = `${where}.volumes[${i}]`;
    return isMap(v) ? longMount(v, ctx, at) : shortMount(asString(v, at), ctx, at);
  });
  for (const [i, path] of asStringList(tmpfs, `${where}.tmpfs`).entries()) {
    const at = `${where}.tmpfs[${i}]`;
    if (path.includes(':'))
      throw composeError(
        at,
        `"${path}": give tmpfs options with the long volume syntax (tmpfs: {size})`,
      );
    mounts.push({ type: 'tmpfs', source: '', target: target(path, at) });
  }
  return mounts;
}
