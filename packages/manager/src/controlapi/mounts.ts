import { posix } from 'node:path';
import { MOUNT_TYPES, invalid, type Mount } from '@swarmlet/api-types';

/** Docker's local volume driver's name rule (at least two characters). */
const LOCAL_VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

type Fail = (message: string, key: string) => never;

function absolute(path: string, what: string, fail: Fail, key: string): void {
  if (!path.startsWith('/') || path.includes('\0')) {
    fail(`${what} must be an absolute path, got "${path}"`, key);
  }
}

function checkTarget(m: Mount, seen: Set<string>, fail: Fail): void {
  if (typeof m.target !== 'string' || m.target === '') fail('mount target is required', 'target');
  absolute(m.target, 'mount target', fail, 'target');
  const clean = posix.normalize(m.target).replace(/(.)\/$/, '$1');
  if (clean === '/') fail(`mount target can't be '/'`, 'target');
  if (seen.has(clean)) fail(`duplicate mount point: ${m.target}`, 'target');
  seen.add(clean);
}

function checkSource(m: Mount, fail: Fail): void {
  const s = m.source;
  if (typeof s !== 'string') fail('mount source must be a string', 'source');
  const config = `invalid mount config for type "${m.type}"`;
  if (m.type === 'bind') {
    if (s === '') fail(`${config}: field Source must not be empty`, 'source');
    absolute(s, `${config}: bind source`, fail, 'source');
  } else if (m.type === 'tmpfs') {
    if (s !== '') fail(`${config}: field Source must not be specified`, 'source');
  } else if (s !== '') {
    const local = (m.volumeDriver ?? '') === '' || m.volumeDriver === 'local';
    if (local && !LOCAL_VOLUME_NAME.test(s)) {
      fail(
        `"${s}" includes invalid characters for a local volume name, only ` +
          '"[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, ' +
          'use type=bind with an absolute path',
        'source',
      );
    }
    if (!local && /[/\0]/.test(s)) fail(`volume name "${s}" must not contain '/'`, 'source');
  }
}

/** Options of another type are refused, naming the option and the type it belongs to. */
function checkOptions(m: Mount, fail: Fail): void {
  const owners = {
    volumeDriver: 'volume',
    volumeOptions: 'volume',
    tmpfsSizeBytes: 'tmpfs',
    tmpfsMode: 'tmpfs',
  } as const;
  for (const [key, owner] of Object.entries(owners)) {
    if (m[key as keyof typeof owners] !== undefined && m.type !== owner) {
      fail(`${key} applies only to ${owner} mounts, not ${m.type}`, key);
    }
  }
  if (m.readonly !== undefined && typeof m.readonly !== 'boolean') {
    fail('readonly must be true or false', 'readonly');
  }
  if (m.volumeDriver !== undefined && typeof m.volumeDriver !== 'string') {
    fail('volumeDriver must be a string', 'volumeDriver');
  }
  for (const [k, v] of Object.entries(m.volumeOptions ?? {})) {
    if (k === '' || typeof v !== 'string') {
      fail(`volume option "${k}" must be a non-empty key with a string value`, 'volumeOptions');
    }
  }
  const size = m.tmpfsSizeBytes;
  if (size !== undefined && !(Number.isInteger(size) && size >= 0)) {
    fail(`tmpfsSizeBytes must be a non-negative integer, got ${size}`, 'tmpfsSizeBytes');
  }
  const mode = m.tmpfsMode;
  if (mode !== undefined && !(Number.isInteger(mode) && mode >= 0 && mode <= 0o7777)) {
    fail(`tmpfsMode must be a file mode (0-07777), got ${mode}`, 'tmpfsMode');
  }
}

/** The stored form: defaults (false, '', 0, {}) left out, so equal mounts compare equal. */
function canonical(m: Mount): Mount {
  const out: Mount = { type: m.type, source: m.source, target: m.target };
  if (m.readonly) out.readonly = true;
  if (m.volumeDriver) out.volumeDriver = m.volumeDriver;
  if (m.volumeOptions && Object.keys(m.volumeOptions).length > 0) {
    out.volumeOptions = { ...m.volumeOptions };
  }
  if (m.tmpfsSizeBytes) out.tmpfsSizeBytes = m.tmpfsSizeBytes;
  if (m.tmpfsMode) out.tmpfsMode = m.tmpfsMode;
  return out;
}

/**
 * Validates a service's mounts as Docker's daemon does before storing them: a known type; an
 * absolute target other than `/`, unique across the mounts (compared after cleaning the path);
 * a bind's source absolute (whether it exists is only known on the node, which rejects the task);
 * a tmpfs without source; a volume's name as the local driver allows (any driver: no `/`; none:
 * an anonymous volume); volume and tmpfs options only on their own type. Throws INVALID_ARGUMENT
 * with `field` like `mounts[1].target`. Returns the mounts in the stored form (defaults left out).
 */
export function normalizeMounts(input: readonly Mount[]): Mount[] {
  const seen = new Set<string>();
  return input.map((m, i) => {
    const fail: Fail = (message, key) => {
      throw invalid(message, { field: `mounts[${i}].${key}` });
    };
    if (!(MOUNT_TYPES as readonly string[]).includes(m.type)) {
      fail(`invalid mount type "${String(m.type)}": use one of ${MOUNT_TYPES.join(', ')}`, 'type');
    }
    checkTarget(m, seen, fail);
    checkSource(m, fail);
    checkOptions(m, fail);
    return canonical(m);
  });
}
