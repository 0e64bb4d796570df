import { describe, expect, it } from 'vitest';
import type { Mount } from '@swarmlet/api-types';
import { createOptions } from './container-config.js';
import { VOLUME_LABEL, hostMount, namedVolumes, volumeDriver } from './mounts.js';
import { makeTestTask } from './test-task.js';

describe('hostMount', () => {
  it('maps a read-only bind', () => {
    expect(hostMount({ type: 'bind', source: '/srv', target: '/www', readonly: true })).toEqual({
      Type: 'bind',
      Source: '/srv',
      Target: '/www',
      ReadOnly: true,
    });
  });

  it('gives a named volume its driver, options and our label', () => {
    expect(
      hostMount({
        type: 'volume',
        source: 'cache',
        target: '/c',
        volumeDriver: 'local',
        volumeOptions: { type: 'tmpfs', device: 'tmpfs' },
      }),
    ).toEqual({
      Type: 'volume',
      Source: 'cache',
      Target: '/c',
      VolumeOptions: {
        NoCopy: false,
        Labels: { [VOLUME_LABEL]: 'true' },
        DriverConfig: { Name: 'local', Options: { type: 'tmpfs', device: 'tmpfs' } },
      },
    });
  });

  it('leaves an anonymous volume unlabelled, on the local driver', () => {
    const m = hostMount({ type: 'volume', source: '', target: '/anon' });
    expect(m.Source).toBe('');
    expect(m.VolumeOptions?.Labels).toEqual({});
    expect(m.VolumeOptions?.DriverConfig).toEqual({ Name: 'local', Options: {} });
    expect(m).not.toHaveProperty('ReadOnly');
  });

  it('maps tmpfs size and mode, and leaves TmpfsOptions out when neither is set', () => {
    expect(
      hostMount({
        type: 'tmpfs',
        source: '',
        target: '/t',
        tmpfsSizeBytes: 1 << 20,
        tmpfsMode: 0o700,
      }).TmpfsOptions,
    ).toEqual({ SizeBytes: 1 << 20, Mode: 0o700 });
    expect(hostMount({ type: 'tmpfs', source: '', target: '/t' })).not.toHaveProperty(
      'TmpfsOptions',
    );
  });
});

describe('namedVolumes', () => {
  it('lists each named volume once, skipping anonymous volumes, binds and tmpfs', () => {
    const mounts: Mount[] = [
      { type: 'volume', source: 'data', target: '/a' },
      { type: 'volume', source: '', target: '/b' },
      { type: 'bind', source: '/x', target: '/c' },
      { type: 'tmpfs', source: '', target: '/d' },
      { type: 'volume', source: 'data', target: '/e', readonly: true },
      { type: 'volume', source: 'nfs', target: '/f', volumeDriver: 'nfsdrv' },
    ];
    expect(namedVolumes(mounts).map((m) => [m.source, volumeDriver(m)])).toEqual([
      ['data', 'local'],
      ['nfs', 'nfsdrv'],
    ]);
    expect(namedVolumes(undefined)).toEqual([]);
  });
});

describe('createOptions with mounts', () => {
  it('puts the mounts in HostConfig.Mounts, beside the secret binds', () => {
    const task = makeTestTask({
      id: 't1',
      nodeId: 'n1',
      container: {
        mounts: [
          { type: 'volume', source: 'data', target: '/data' },
          { type: 'tmpfs', source: '', target: '/scratch', tmpfsSizeBytes: 4096 },
        ],
      },
    });
    const opts = createOptions(task, 'n1', undefined, ['/run/x:/run/secrets:ro']);
    expect(opts.HostConfig?.Binds).toEqual(['/run/x:/run/secrets:ro']);
    expect(opts.HostConfig?.Mounts?.map((m) => [m.Type, m.Source, m.Target])).toEqual([
      ['volume', 'data', '/data'],
      ['tmpfs', '', '/scratch'],
    ]);
  });

  it('sets no Mounts without mounts', () => {
    const opts = createOptions(makeTestTask({ id: 't2', nodeId: 'n1' }), 'n1');
    expect(opts.HostConfig).not.toHaveProperty('Mounts');
  });
});
