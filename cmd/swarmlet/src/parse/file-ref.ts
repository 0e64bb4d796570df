import { SwarmletError, type FileReference, type FileReferenceInput } from '@swarmlet/api-types';
import { invalidFlag } from '../errors.js';

/** The flags that take a file reference. */
export type FileRefFlag = '--secret' | '--config' | '--secret-add' | '--config-add';

/** Which list of the task a reference belongs to. */
export type FileRefKind = 'secret' | 'config';

function kindOf(flag: FileRefFlag): FileRefKind {
  return flag.startsWith('--config') ? 'config' : 'secret';
}

function integer(flag: FileRefFlag, raw: string, key: string, value: string): number {
  if (!/^\d+$/.test(value)) {
    throw invalidFlag(flag, raw, `${key} must be a non-negative integer`);
  }
  return Number(value);
}

/** `0440`, `440` and `0o440` are all octal, as file modes are written (max 07777). */
function mode(flag: FileRefFlag, raw: string, value: string): number {
  const digits = value.replace(/^0o/i, '');
  const n = /^[0-7]{1,5}$/.test(digits) ? parseInt(digits, 8) : NaN;
  if (!(n <= 0o7777)) {
    throw invalidFlag(flag, raw, 'mode must be an octal file mode, e.g. 0440');
  }
  return n;
}

function target(flag: FileRefFlag, raw: string, value: string): string {
  if (value === '') throw invalidFlag(flag, raw, 'target must not be empty');
  if (kindOf(flag) === 'config' && !value.startsWith('/')) {
    throw invalidFlag(flag, raw, 'target must be an absolute path');
  }
  return value;
}

/** `restart=true` is set; `restart=false` is the default and left out. Configs only. */
function restart(ref: FileReferenceInput, flag: FileRefFlag, raw: string, value: string): void {
  if (kindOf(flag) !== 'config') throw invalidFlag(flag, raw, 'restart= applies only to configs');
  if (value !== 'true' && value !== 'false') {
    throw invalidFlag(flag, raw, 'restart must be true or false');
  }
  if (value === 'true') ref.restart = true;
  else delete ref.restart;
}

function setField(ref: FileReferenceInput, flag: FileRefFlag, raw: string, part: string): void {
  const eq = part.indexOf('=');
  if (eq === -1) throw invalidFlag(flag, raw, `invalid field "${part}": must be key=value`);
  const key = part.slice(0, eq).trim().toLowerCase();
  const value = part.slice(eq + 1).trim();
  if (key === 'source' || key === 'src') ref.source = value;
  else if (key === 'target') ref.target = target(flag, raw, value);
  else if (key === 'uid' || key === 'gid') ref[key] = integer(flag, raw, key, value);
  else if (key === 'mode') ref.mode = mode(flag, raw, value);
  else if (key === 'restart') restart(ref, flag, raw, value);
  else throw invalidFlag(flag, raw, `unknown field "${key}"`);
}

/**
 * `--secret` and `--config` of `service create` (and `--secret-add`/`--config-add` of `service
 * update`), as docker: `NAME`, or the long form `source=NAME,target=FILE,uid=N,gid=N,mode=0440`
 * (`src` for `source`; mode in octal). Configs also take `restart=true|false`: with `true` a
 * `config update` rolls the service instead of updating the file in place; `false` (the default)
 * is left out. Fields not given are left out: the manager resolves the name and fills docker's
 * defaults (secrets at /run/secrets/NAME, configs at /NAME, uid/gid 0, mode 0444) and checks names
 * and secret targets. A config's target must be an absolute path. Throws `UsageError` naming the
 * flag.
 */
export function parseFileRef(flag: FileRefFlag, raw: string): FileReferenceInput {
  if (!raw.includes('=')) {
    if (raw.trim() === '') throw invalidFlag(flag, raw, 'a name is required');
    return { source: raw.trim() };
  }
  const ref: FileReferenceInput = {};
  for (const part of raw.split(',')) setField(ref, flag, raw, part);
  if (!ref.source) throw invalidFlag(flag, raw, 'source= is required');
  return ref;
}

/**
 * Where a reference will be mounted: its target, else the manager's default for its source
 * (secrets: the name, under /run/secrets; configs: /NAME). A source given as an id gets the
 * default of the id here; the manager still checks the resolved one.
 */
function targetOf(kind: FileRefKind, ref: FileReferenceInput): string {
  const source = ref.source ?? ref.name ?? ref.id ?? '';
  return ref.target ?? (kind === 'config' ? `/${source}` : source);
}

/** `--secret-rm X` matches a reference by its name or its target (for secrets, also /run/secrets/T). */
function matches(kind: FileRefKind, ref: FileReference, x: string): boolean {
  return (
    ref.name === x || ref.target === x || (kind === 'secret' && x === `/run/secrets/${ref.target}`)
  );
}

/** What `service update` changes in one list: `--*-add` specs (parsed) and `--*-rm` names. */
export interface FileRefChange {
  add: readonly FileReferenceInput[];
  rm: readonly string[];
}

/**
 * `service update --secret-rm/--secret-add` (or `--config-*`) on the task's current list (pure):
 * removes first, then appends, so `--secret-rm a --secret-add source=a,target=b` moves a secret.
 * Throws `SwarmletError` `NOT_FOUND` for a removal that matches nothing (naming it), and
 * `INVALID_ARGUMENT` for an addition whose target is already used by what remains or by an
 * earlier addition. Kept references are returned as read (ids included).
 */
export function updateFileRefs(
  kind: FileRefKind,
  service: string,
  current: readonly FileReference[],
  change: FileRefChange,
): FileReferenceInput[] {
  const { add, rm } = change;
  for (const x of rm) {
    if (!current.some((ref) => matches(kind, ref, x))) {
      throw new SwarmletError('NOT_FOUND', `${kind} ${x} is not used by service ${service}`);
    }
  }
  const next: FileReferenceInput[] = current.filter((r) => !rm.some((x) => matches(kind, r, x)));
  for (const ref of add) {
    const t = targetOf(kind, ref);
    if (next.some((other) => targetOf(kind, other) === t)) {
      throw new SwarmletError(
        'INVALID_ARGUMENT',
        `${kind} target ${t} is already used by service ${service}`,
      );
    }
    next.push(ref);
  }
  return next;
}
