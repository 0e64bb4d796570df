import type { FileReferenceInput } from '@swarmlet/api-types';
import { invalidFlag } from '../errors.js';

/** The flags that take a file reference. */
export type FileRefFlag = '--secret' | '--config';

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
  if (flag === '--config' && !value.startsWith('/')) {
    throw invalidFlag(flag, raw, 'target must be an absolute path');
  }
  return value;
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
  else throw invalidFlag(flag, raw, `unknown field "${key}"`);
}

/**
 * `--secret` and `--config` of `service create`, as docker: `NAME`, or the long form
 * `source=NAME,target=FILE,uid=N,gid=N,mode=0440` (`src` for `source`; mode in octal). Fields
 * not given are left out: the manager resolves the name and fills docker's defaults (secrets at
 * /run/secrets/NAME, configs at /NAME, uid/gid 0, mode 0444) and checks names and secret targets.
 * A config's target must be an absolute path. Throws `UsageError` naming the flag.
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
