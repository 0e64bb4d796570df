import { describe, expect, it } from 'vitest';
import { isSwarmletError, type Mount } from '@swarmlet/api-types';
import { normalizeMounts } from './mounts.js';
import { normalizeServiceSpec } from './spec.js';

/** The INVALID_ARGUMENT's field and message, or a failure when the mounts pass. */
function rejection(mounts: Mount[]): { field: unknown; message: string } {
  try {
    normalizeMounts(mounts);
  } catch (err) {
    if (!isSwarmletError(err, 'INVALID_ARGUMENT')) throw err;
    return { field: err.details?.['field'], message: err.message };
  }
  throw new Error(`accepted ${JSON.stringify(mounts)}`);
}

const vol = (source: string, target: string, extra: Partial<Mount> = {}): Mount => ({
  type: 'volume',
  source,
  target,
  ...extra,
});

describe('normalizeMounts: accepted', () => {
  it('keeps each kind and leaves defaults out', () => {
    expect(
      normalizeMounts([
        vol('data', '/data', { readonly: false, volumeOptions: {}, volumeDriver: '' }),
        vol('', '/anon'),
        { type: 'bind', source: '/srv/www', target: '/www', readonly: true },
        { type: 'tmpfs', source: '', target: '/tmp', tmpfsSizeBytes: 0, tmpfsMode: 0o1777 },
        vol('cache', '/cache', { volumeDriver: 'local', volumeOptions: { type: 'tmpfs' } }),
      ]),
    ).toEqual([
      vol('data', '/data'),
      vol('', '/anon'),
      { type: 'bind', source: '/srv/www', target: '/www', readonly: true },
      { type: 'tmpfs', source: '', target: '/tmp', tmpfsMode: 0o1777 },
      vol('cache', '/cache', { volumeDriver: 'local', volumeOptions: { type: 'tmpfs' } }),
    ]);
  });

  it('allows names other drivers take', () => {
    expect(normalizeMounts([vol('my vol:1', '/v', { volumeDriver: 'nfs' })])[0]?.source).toBe(
      'my vol:1',
    );
  });
});

describe('normalizeMounts: refused, naming the field', () => {
  it.each<[string, Mount[], string, RegExp]>([
    ['unknown type', [{ ...vol('a', '/a'), type: 'npipe' as 'bind' }], 'mounts[0].type', /npipe/],
    ['relative target', [vol('a', 'data')], 'mounts[0].target', /absolute path, got "data"/],
    ['empty target', [vol('a', '')], 'mounts[0].target', /target is required/],
    ['target /', [vol('a', '/')], 'mounts[0].target', /can't be '\/'/],
    [
      'duplicate target (after cleaning)',
      [vol('aa', '/data'), vol('bb', '/data/')],
      'mounts[1].target',
      /duplicate mount point: \/data\//,
    ],
    [
      'bind without source',
      [{ type: 'bind', source: '', target: '/a' }],
      'mounts[0].source',
      /type "bind": field Source must not be empty/,
    ],
    [
      'relative bind source',
      [{ type: 'bind', source: 'srv', target: '/a' }],
      'mounts[0].source',
      /bind source must be an absolute path/,
    ],
    [
      'tmpfs with source',
      [{ type: 'tmpfs', source: 'x', target: '/a' }],
      'mounts[0].source',
      /type "tmpfs": field Source must not be specified/,
    ],
    ['bad local volume name', [vol('a/b', '/a')], 'mounts[0].source', /invalid characters/],
    ['one-letter local name', [vol('a', '/a')], 'mounts[0].source', /local volume name/],
    [
      'slash in another driver',
      [vol('a/b', '/a', { volumeDriver: 'nfs' })],
      'mounts[0].source',
      /must not contain/,
    ],
    [
      'volume option on a bind',
      [{ type: 'bind', source: '/x', target: '/a', volumeOptions: { o: 'x' } }],
      'mounts[0].volumeOptions',
      /applies only to volume mounts, not bind/,
    ],
    [
      'tmpfs size on a volume',
      [vol('ab', '/a', { tmpfsSizeBytes: 10 })],
      'mounts[0].tmpfsSizeBytes',
      /only to tmpfs/,
    ],
    [
      'tmpfs mode too big',
      [{ type: 'tmpfs', source: '', target: '/a', tmpfsMode: 0o17777 }],
      'mounts[0].tmpfsMode',
      /file mode/,
    ],
    [
      'negative tmpfs size',
      [{ type: 'tmpfs', source: '', target: '/a', tmpfsSizeBytes: -1 }],
      'mounts[0].tmpfsSizeBytes',
      /non-negative/,
    ],
    [
      'readonly not a boolean',
      [vol('ab', '/a', { readonly: 'yes' as unknown as boolean })],
      'mounts[0].readonly',
      /true or false/,
    ],
  ])('%s', (_name, mounts, field, message) => {
    const r = rejection(mounts);
    expect(r.field).toBe(field);
    expect(r.message).toMatch(message);
  });
});

describe('normalizeServiceSpec stores mounts', () => {
  const base = { name: 'web', task: { container: { image: 'busybox' } } };

  it('under task.container.mounts, normalized', () => {
    const spec = normalizeServiceSpec({
      ...base,
      task: {
        container: { image: 'busybox', mounts: [vol('data', '/data', { readonly: false })] },
      },
    });
    expect(spec.task.container.mounts).toEqual([vol('data', '/data')]);
  });

  it('leaves the key out when there are none', () => {
    expect(normalizeServiceSpec(base).task.container).not.toHaveProperty('mounts');
    const empty = { ...base, task: { container: { image: 'busybox', mounts: [] } } };
    expect(normalizeServiceSpec(empty).task.container).not.toHaveProperty('mounts');
  });

  it('refuses a bad mount with INVALID_ARGUMENT', () => {
    const bad = { ...base, task: { container: { image: 'busybox', mounts: [vol('x', 'rel')] } } };
    expect(() => normalizeServiceSpec(bad)).toThrow(/absolute path/);
  });
});
