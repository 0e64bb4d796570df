import type { Mount } from '@swarmlet/api-types';
import { describe, expect, it } from 'vitest';
import { applyMountChanges, parseMount, splitCsv } from './mount.js';
import { buildServiceSpec } from './service-flags.js';

describe('splitCsv', () => {
  it('splits on commas and keeps commas inside quoted fields', () => {
    expect(splitCsv('a=1,"b=x,y",c')).toEqual(['a=1', 'b=x,y', 'c']);
    expect(splitCsv('"say ""hi"""')).toEqual(['say "hi"']);
    expect(splitCsv('a,,b')).toEqual(['a', '', 'b']);
  });

  it('refuses stray quotes', () => {
    expect(() => splitCsv('a"b')).toThrow(/bare "/);
    expect(() => splitCsv('"ab')).toThrow(/missing "/);
  });
});

describe('parseMount', () => {
  it('defaults to a volume and takes docker aliases', () => {
    expect(parseMount('src=data,dst=/data')).toEqual({
      type: 'volume',
      source: 'data',
      target: '/data',
    });
    expect(parseMount('type=bind,source=/srv,destination=/srv,ro')).toEqual({
      type: 'bind',
      source: '/srv',
      target: '/srv',
      readonly: true,
    });
  });

  it.each([
    ['readonly', true],
    ['ro=true', true],
    ['readonly=1', true],
    ['ro=False', undefined],
    ['readonly=0', undefined],
  ])('reads %s', (field, want) => {
    expect(parseMount(`type=bind,src=/a,target=/b,${field}`).readonly).toBe(want);
  });

  it('collects volume-driver and repeated volume-opt (quoted when the value has commas)', () => {
    const m = parseMount(
      'type=volume,source=cache,target=/c,volume-driver=local,volume-opt=type=tmpfs,' +
        'volume-opt=device=tmpfs,"volume-opt=o=size=10m,uid=1000",volume-nocopy',
    );
    expect(m).toEqual({
      type: 'volume',
      source: 'cache',
      target: '/c',
      volumeDriver: 'local',
      volumeOptions: { type: 'tmpfs', device: 'tmpfs', o: 'size=10m,uid=1000' },
    });
  });

  it('reads tmpfs-size with units and tmpfs-mode in octal', () => {
    expect(parseMount('type=tmpfs,target=/scratch,tmpfs-size=64m,tmpfs-mode=1770')).toEqual({
      type: 'tmpfs',
      source: '',
      target: '/scratch',
      tmpfsSizeBytes: 64 * 1024 * 1024,
      tmpfsMode: 0o1770,
    });
    expect(parseMount('type=TMPFS,dst=/t,tmpfs-size=1048576').tmpfsSizeBytes).toBe(1048576);
  });

  it('makes . and ./x sources absolute against the working directory, as docker', () => {
    expect(parseMount('type=bind,src=.,dst=/w', '--mount', '/home/me').source).toBe('/home/me');
    expect(parseMount('type=bind,src=./conf,dst=/w', '--mount', '/home/me').source).toBe(
      '/home/me/conf',
    );
    expect(parseMount('type=bind,src=rel,dst=/w', '--mount', '/home/me').source).toBe('rel');
  });

  it.each([
    ['type=bind,src=/a', 'target is required'],
    ['type=,target=/a', 'type is required'],
    ['type=npipe,target=/a', "invalid mount type 'npipe'"],
    ['target=/a,bogus', "invalid field 'bogus' must be a key=value pair"],
    ['target=/a,color=red', "unexpected key 'color' in 'color=red'"],
    ['target=/a,ro=maybe', 'invalid value for ro: maybe'],
    ['target=/a,volume-nocopy=x', 'invalid value for volume-nocopy: x'],
    ['type=tmpfs,target=/a,tmpfs-size=lots', 'invalid value for tmpfs-size: lots'],
    ['type=tmpfs,target=/a,tmpfs-mode=0800', 'invalid value for tmpfs-mode: 0800'],
    ['type=tmpfs,target=/a,tmpfs-mode=17777', 'invalid value for tmpfs-mode: 17777'],
    [
      'type=bind,src=/a,target=/a,volume-driver=x',
      "cannot mix 'volume-*' options with mount type 'bind'",
    ],
    [
      'type=volume,target=/a,tmpfs-size=1m',
      "cannot mix 'tmpfs-*' options with mount type 'volume'",
    ],
    ['type=tmpfs,target=/a,volume-nocopy', "cannot mix 'volume-*' options with mount type 'tmpfs'"],
    ['target=/a,volume-label=a=b', 'volume-label is not supported by swarmlet'],
    ['type=bind,src=/a,target=/a,bind-propagation=shared', 'bind-propagation is not supported'],
    ['target=/a,"src=x', 'extraneous or missing "'],
  ])('%s → %s', (raw, why) => {
    expect(() => parseMount(raw)).toThrow(`invalid argument "${raw}" for "--mount": ${why}`);
  });

  it('names the flag it was given', () => {
    expect(() => parseMount('src=x', '--mount-add')).toThrow(
      'for "--mount-add": target is required',
    );
  });

  it('is wired into service create', () => {
    const spec = buildServiceSpec(
      'busybox',
      [],
      { mount: ['src=data,dst=/data', 'type=tmpfs,dst=/tmp,tmpfs-size=1m'] },
      'web',
    );
    expect(spec.task.container.mounts).toEqual([
      { type: 'volume', source: 'data', target: '/data' },
      { type: 'tmpfs', source: '', target: '/tmp', tmpfsSizeBytes: 1024 * 1024 },
    ]);
    expect(buildServiceSpec('busybox', [], {}, 'web').task.container).not.toHaveProperty('mounts');
  });
});

describe('applyMountChanges', () => {
  const vol = (source: string, target: string): Mount => ({ type: 'volume', source, target });
  const spec = (mounts?: Mount[]): { task: { container: { mounts?: Mount[] } } } => ({
    task: { container: mounts ? { mounts } : {} },
  });

  it('returns the spec itself when no flag was given', () => {
    const s = spec([vol('a', '/a')]);
    expect(applyMountChanges(s, { add: [], rm: [] })).toBe(s);
  });

  it('replaces a mount of the same target in place and appends new ones', () => {
    const s = spec([vol('a', '/a'), vol('b', '/b')]);
    const next = applyMountChanges(s, { add: [vol('c', '/c'), vol('a2', '/a')], rm: [] });
    expect(next.task.container.mounts).toEqual([vol('a2', '/a'), vol('b', '/b'), vol('c', '/c')]);
    expect(s.task.container.mounts).toEqual([vol('a', '/a'), vol('b', '/b')]);
  });

  it('removes by target after adding; an unknown target is ignored', () => {
    const s = spec([vol('a', '/a'), vol('b', '/b')]);
    const next = applyMountChanges(s, { add: [vol('x', '/x')], rm: ['/a', '/x', '/nope'] });
    expect(next.task.container.mounts).toEqual([vol('b', '/b')]);
  });

  it('drops the key when the last mount goes', () => {
    const next = applyMountChanges(spec([vol('a', '/a')]), { add: [], rm: ['/a'] });
    expect(next.task.container).not.toHaveProperty('mounts');
  });

  it('refuses two additions with one target', () => {
    expect(() =>
      applyMountChanges(spec(), { add: [vol('a', '/a'), vol('b', '/a')], rm: [] }),
    ).toThrow('duplicate mount target');
  });
});
