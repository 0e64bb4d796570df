import { describe, expect, it } from 'vitest';
import { isExecutorError } from '@swarmlet/agent';
import {
  fileKey,
  parseMountPoints,
  planTaskFiles,
  TaskFiles,
  taskBinds,
  unescapeMountPath,
  validateOwnership,
  validateTarget,
  validateTaskId,
  type TaskFile,
} from './task-files.js';

function file(target: string, extra: Partial<TaskFile> = {}): TaskFile {
  return { target, data: Buffer.from('x'), uid: 0, gid: 0, mode: 0o444, ...extra };
}

function permanentError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(isExecutorError(err)).toBe(true);
    expect((err as { temporary: boolean }).temporary).toBe(false);
    return (err as Error).message;
  }
  throw new Error('expected a throw');
}

describe('validateTarget', () => {
  it('accepts absolute normalised file paths', () => {
    for (const t of ['/run/secrets/db', '/etc/app.conf', '/a', '/run/secrets/sub/x', '/run/x']) {
      expect(() => validateTarget(t)).not.toThrow();
    }
  });

  it.each([
    ['relative', 'etc/app.conf', /not absolute/],
    ['root', '/', /not a file/],
    ['trailing slash', '/etc/', /not a file/],
    ['dot-dot', '/etc/../shadow', /not normalised/],
    ['dot', '/etc/./x', /not normalised/],
    ['double slash', '/etc//x', /not normalised/],
    ['colon (breaks Binds syntax)', '/etc/a:b', /':'/],
    ['comma', '/etc/a,b', /','/],
    ['NUL', '/etc/a\0b', /NUL/],
    ['the secrets dir', '/run/secrets', /hide/],
    ['a parent of the secrets dir', '/run', /hide/],
  ])('rejects %s', (_name, target, message) => {
    expect(permanentError(() => validateTarget(target))).toMatch(message);
  });
});

describe('validateOwnership', () => {
  it('accepts ids and permission bits', () => {
    expect(() =>
      validateOwnership(file('/a', { uid: 1000, gid: 65534, mode: 0o640 })),
    ).not.toThrow();
    expect(() => validateOwnership(file('/a', { mode: 0 }))).not.toThrow();
  });

  it.each([
    ['negative uid', { uid: -1 }, /uid/],
    ['fractional gid', { gid: 1.5 }, /gid/],
    ['uid above 2^32-2', { uid: 0xffffffff }, /uid/],
    ['setuid bit', { mode: 0o4755 }, /mode 4755/],
    ['sticky bit', { mode: 0o1444 }, /mode/],
    ['negative mode', { mode: -1 }, /mode/],
  ])('rejects %s', (_name, extra, message) => {
    expect(permanentError(() => validateOwnership(file('/a', extra)))).toMatch(message);
  });
});

describe('validateTaskId', () => {
  it('accepts swarm-like ids and rejects path tricks', () => {
    expect(() => validateTaskId('k3j2h4g5f6d7s8a9')).not.toThrow();
    for (const id of ['', '.', '..', 'a/b', '../x', '-x', 'a b']) {
      expect(() => validateTaskId(id)).toThrow(/bad task id/);
    }
  });

  it('guards every path the store builds', () => {
    expect(() => new TaskFiles({ root: '/tmp/x' }).taskDir('../etc')).toThrow(/bad task id/);
    expect(new TaskFiles({ root: '/tmp/x' }).taskDir('t1')).toBe('/tmp/x/t1');
    expect(new TaskFiles().root).toBe('/run/swarmlet/tasks');
  });
});

describe('planTaskFiles', () => {
  it('puts /run/secrets targets in the directory and others in files/<key>', () => {
    const planned = planTaskFiles([
      file('/run/secrets/db'),
      file('/run/secrets/tls/key'),
      file('/etc/app.conf'),
    ]);
    expect(planned.map((p) => [p.kind, p.path])).toEqual([
      ['dir', 'run-secrets/db'],
      ['dir', 'run-secrets/tls/key'],
      ['single', `files/${fileKey('/etc/app.conf')}`],
    ]);
  });

  it('rejects duplicates and a target inside another target', () => {
    expect(permanentError(() => planTaskFiles([file('/a'), file('/a')]))).toMatch(/duplicate/);
    expect(permanentError(() => planTaskFiles([file('/etc/x/y'), file('/etc/x')]))).toMatch(
      /inside target \/etc\/x/,
    );
  });

  it('validates every file', () => {
    expect(permanentError(() => planTaskFiles([file('/ok'), file('rel')]))).toMatch(/absolute/);
    expect(permanentError(() => planTaskFiles([file('/ok', { mode: 0o2777 })]))).toMatch(/mode/);
  });

  it('keys are stable and distinct per target', () => {
    expect(fileKey('/etc/a')).toBe(fileKey('/etc/a'));
    expect(fileKey('/etc/a')).not.toBe(fileKey('/etc/b'));
    expect(fileKey('/etc/a')).toMatch(/^[0-9a-f]{20}$/);
  });
});

describe('taskBinds', () => {
  it('binds the secrets directory once and each other file with rslave, all read-only', () => {
    const planned = planTaskFiles([file('/run/secrets/a'), file('/run/secrets/b'), file('/etc/c')]);
    expect(taskBinds('/r/t1', planned)).toEqual([
      '/r/t1/run-secrets:/run/secrets:ro',
      `/r/t1/files/${fileKey('/etc/c')}:/etc/c:ro,rslave`,
    ]);
  });

  it('has no /run/secrets bind without secrets, and nothing without files', () => {
    expect(taskBinds('/r/t1', planTaskFiles([file('/etc/c')]))).toHaveLength(1);
    expect(taskBinds('/r/t1', [])).toEqual([]);
  });
});

describe('mountinfo parsing', () => {
  it('decodes octal escapes', () => {
    expect(unescapeMountPath('/a\\040b\\011c\\134d')).toBe('/a b\tc\\d');
  });

  it('lists mount points, repeating stacked ones', () => {
    const text = [
      '64 27 0:84 / /run/swarmlet/tasks/t1 rw,relatime - tmpfs tmpfs rw,size=16384k,mode=700',
      '67 64 0:84 /files /run/swarmlet/tasks/t1/files rw,relatime shared:8 - tmpfs tmpfs rw',
      '93 67 0:84 /versions/k.1 /run/swarmlet/tasks/t1/files/k ro,relatime shared:10 - tmpfs tmpfs rw',
      '94 93 0:84 /versions/k.2 /run/swarmlet/tasks/t1/files/k ro,relatime shared:11 - tmpfs tmpfs rw',
      '',
    ].join('\n');
    expect(parseMountPoints(text)).toEqual([
      '/run/swarmlet/tasks/t1',
      '/run/swarmlet/tasks/t1/files',
      '/run/swarmlet/tasks/t1/files/k',
      '/run/swarmlet/tasks/t1/files/k',
    ]);
  });
});

describe('TaskFiles argument checks (before any IO)', () => {
  const store = new TaskFiles({ root: '/nonexistent/swarmlet-test', tmpfsBytes: 1024 * 1024 });

  it('rejects invalid files and task ids as permanent create errors', async () => {
    await expect(store.prepare('t1', [file('/a'), file('/a')])).rejects.toThrow(/duplicate/);
    await expect(store.prepare('../t', [file('/a')])).rejects.toThrow(/bad task id/);
    await expect(store.update('t1', [file('relative')])).rejects.toThrow(/absolute/);
    await expect(store.release('a/b')).rejects.toThrow(/bad task id/);
  });

  it('rejects files that cannot fit the tmpfs with room for an update', async () => {
    const big = file('/etc/big', { data: Buffer.alloc(600 * 1024) });
    await expect(store.prepare('t1', [big])).rejects.toThrow(/do not fit/);
  });

  it('lists nothing when the root does not exist', async () => {
    await expect(store.list()).resolves.toEqual([]);
  });
});
