import { resolve } from 'node:path';
import { MOUNT_TYPES, type Mount, type MountType } from '@swarmlet/api-types';
import { invalidFlag } from '../errors.js';
import { parseBytes } from './bytes.js';

/** The flags that take a mount spec. */
export type MountFlag = '--mount' | '--mount-add';

const BAD_QUOTE = 'extraneous or missing " in quoted-field';

/** A quoted field starting at `raw[start] === '"'`: its text and the index after its closing quote. */
function quotedField(raw: string, start: number): { text: string; next: number } {
  let text = '';
  let i = start + 1;
  for (;;) {
    if (i >= raw.length) throw new Error(BAD_QUOTE);
    if (raw[i] !== '"') {
      text += raw[i++];
    } else if (raw[i + 1] === '"') {
      text += '"';
      i += 2;
    } else {
      return { text, next: i + 1 };
    }
  }
}

/**
 * Splits one CSV record as Go's `encoding/csv` does for docker's `--mount`: fields separated by
 * commas, a field may be double-quoted to hold commas (`"volume-opt=o=size=1m,uid=1"`), and `""`
 * inside quotes is a quote. Throws a plain Error on a stray or unterminated quote.
 */
export function splitCsv(raw: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (raw[i] === '"') {
      const q = quotedField(raw, i);
      if (q.next < raw.length && raw[q.next] !== ',') throw new Error(BAD_QUOTE);
      fields.push(q.text);
      i = q.next;
    } else {
      const comma = raw.indexOf(',', i);
      const end = comma === -1 ? raw.length : comma;
      const field = raw.slice(i, end);
      if (field.includes('"')) throw new Error('bare " in non-quoted-field');
      fields.push(field);
      i = end;
    }
    if (i >= raw.length) return fields;
    i++; // the comma
  }
}

/** Go's `strconv.ParseBool`. */
function parseBool(value: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  return undefined;
}

/** What one `--mount` value says, before the type checks at the end. */
interface Draft {
  mount: Mount;
  /** Which family of type-specific options was used (docker: "cannot mix"). */
  used: Set<'volume' | 'tmpfs'>;
}

type Fail = (why: string) => never;

function setFlag(d: Draft, key: string, field: string, fail: Fail): void {
  if (key === 'readonly' || key === 'ro') d.mount.readonly = true;
  else if (key === 'volume-nocopy') d.used.add('volume');
  else fail(`invalid field '${field}' must be a key=value pair`);
}

function setKey(d: Draft, key: string, val: string, field: string, fail: Fail, cwd: string): void {
  const m = d.mount;
  const bad = (): never => fail(`invalid value for ${key}: ${val}`);
  switch (key) {
    case 'type':
      m.type = val.toLowerCase() as MountType;
      return;
    case 'source':
    case 'src':
      // Docker makes `.` and `./x` absolute on the client (for binds of the working directory).
      m.source = val === '.' || val.startsWith('./') ? resolve(cwd, val) : val;
      return;
    case 'target':
    case 'dst':
    case 'destination':
      m.target = val;
      return;
    case 'readonly':
    case 'ro':
      m.readonly = parseBool(val) ?? bad();
      return;
    case 'consistency':
      return; // macOS only in docker; ignored on Linux
    case 'volume-nocopy':
      if (parseBool(val) === undefined) bad();
      d.used.add('volume');
      return;
    case 'volume-driver':
      m.volumeDriver = val;
      d.used.add('volume');
      return;
    case 'volume-opt': {
      const eq = val.indexOf('=');
      const k = eq === -1 ? val : val.slice(0, eq);
      if (k !== '') (m.volumeOptions ??= {})[k] = eq === -1 ? '' : val.slice(eq + 1);
      d.used.add('volume');
      return;
    }
    case 'tmpfs-size':
      try {
        m.tmpfsSizeBytes = parseBytes(val);
      } catch {
        bad();
      }
      d.used.add('tmpfs');
      return;
    case 'tmpfs-mode': {
      const mode = /^[0-7]+$/.test(val) ? parseInt(val, 8) : NaN;
      m.tmpfsMode = mode <= 0o7777 ? mode : bad();
      d.used.add('tmpfs');
      return;
    }
    case 'volume-label':
    case 'bind-propagation':
    case 'bind-nonrecursive':
      fail(`${key} is not supported by swarmlet`);
      return;
    default:
      fail(`unexpected key '${key}' in '${field}'`);
  }
}

function finish(d: Draft, fail: Fail): Mount {
  const m = d.mount;
  if (m.type === ('' as MountType)) fail('type is required');
  if (!(MOUNT_TYPES as readonly string[]).includes(m.type)) {
    fail(`invalid mount type '${m.type}': must be one of ${MOUNT_TYPES.join(', ')}`);
  }
  if (m.target === '') fail('target is required');
  for (const family of d.used) {
    if (family !== m.type) fail(`cannot mix '${family}-*' options with mount type '${m.type}'`);
  }
  if (m.readonly === false) delete m.readonly;
  return m;
}

/**
 * `--mount` of `service create` (and `--mount-add` of `service update`), as docker's `MountOpt`:
 * CSV fields `type=bind|volume|tmpfs` (default volume), `source`/`src`, `target`/`dst`/
 * `destination`, `readonly`/`ro` (bare, or `=true|false`), `volume-driver=`, `volume-opt=K=V`
 * (repeatable), `volume-nocopy` (accepted, ignored), `tmpfs-size=64m`, `tmpfs-mode=1770` (octal),
 * `consistency=` (ignored). `volume-label`, `bind-propagation` and `bind-nonrecursive` are refused.
 * A source of `.` or `./x` is made absolute against `cwd`, as docker does. The manager checks the
 * rest (absolute targets and bind sources, volume names). Throws `UsageError` naming the flag.
 */
export function parseMount(raw: string, flag: MountFlag = '--mount', cwd = process.cwd()): Mount {
  const fail: Fail = (why) => {
    throw invalidFlag(flag, raw, why);
  };
  let fields: string[];
  try {
    fields = splitCsv(raw);
  } catch (err) {
    return fail((err as Error).message);
  }
  const d: Draft = { mount: { type: 'volume', source: '', target: '' }, used: new Set() };
  for (const field of fields) {
    const eq = field.indexOf('=');
    if (eq === -1) setFlag(d, field, field, fail);
    else setKey(d, field.slice(0, eq), field.slice(eq + 1), field, fail, cwd);
  }
  return finish(d, fail);
}

/** What `service update` changes in the mounts: `--mount-add` specs (parsed), `--mount-rm` targets. */
export interface MountChange {
  add: readonly Mount[];
  rm: readonly string[];
}

/**
 * `service update --mount-add/--mount-rm` on the task's current mounts (pure), as docker: an
 * added mount replaces the one with the same target (in place; others keep their order, new ones
 * are appended), two additions with one target are an error, then every mount whose target is
 * named by `--mount-rm` is removed (a target matching nothing is ignored, as docker does).
 * Returns the spec unchanged (same object) when no flag was given.
 */
export function applyMountChanges<S extends { task: { container: { mounts?: Mount[] } } }>(
  spec: S,
  change: MountChange,
): S {
  if (change.add.length === 0 && change.rm.length === 0) return spec;
  const added = new Map<string, Mount>();
  for (const m of change.add) {
    if (added.has(m.target)) {
      throw invalidFlag('--mount-add', m.target, 'duplicate mount target');
    }
    added.set(m.target, m);
  }
  const next: Mount[] = (spec.task.container.mounts ?? []).map((m) => added.get(m.target) ?? m);
  const kept = new Set(next.map((m) => m.target));
  for (const m of change.add) if (!kept.has(m.target)) next.push(m);
  const mounts = next.filter((m) => !change.rm.includes(m.target));
  const out = structuredClone(spec);
  if (mounts.length > 0) out.task.container.mounts = mounts;
  else delete out.task.container.mounts;
  return out;
}
