import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { isExecutorError } from '@swarmlet/agent';
import type { Mount } from '@swarmlet/api-types';
import { VOLUME_LABEL } from './mounts.js';
import { ensureVolumes, listVolumes, removeVolume } from './volumes.js';

/** An engine error as dockerode shapes it. */
function engineError(statusCode: number, message: string): Error {
  return Object.assign(new Error(`(HTTP code ${statusCode}) - ${message}`), {
    statusCode,
    json: { message },
  });
}

/** Just the volume and container calls these functions make, over an in-memory volume table. */
function fakeEngine(opts: {
  existing?: string[];
  createError?: Error;
  removeError?: Error;
  mounts?: string[];
}) {
  const volumes = new Map<string, unknown>((opts.existing ?? []).map((n) => [n, {}]));
  const created: unknown[] = [];
  const engine = {
    getVolume: (name: string) => ({
      inspect: async () => {
        if (!volumes.has(name)) throw engineError(404, `get ${name}: no such volume`);
        return volumes.get(name);
      },
      remove: async () => {
        if (opts.removeError) throw opts.removeError;
        volumes.delete(name);
      },
    }),
    createVolume: async (o: { Name: string }) => {
      if (opts.createError) throw opts.createError;
      created.push(o);
      volumes.set(o.Name, o);
    },
    listVolumes: async () => ({
      Volumes: [...volumes.keys()].map((Name) => ({ Name, Driver: 'local', Labels: null })),
    }),
    listContainers: async () => [
      { Mounts: (opts.mounts ?? []).map((Name) => ({ Type: 'volume', Name })) },
    ],
  };
  return { docker: engine as unknown as Docker, created, volumes };
}

const vol = (source: string, extra: Partial<Mount> = {}): Mount => ({
  type: 'volume',
  source,
  target: `/${source || 'anon'}`,
  ...extra,
});

describe('ensureVolumes', () => {
  it('creates missing named volumes with driver, options and our label; leaves existing ones', async () => {
    const { docker, created } = fakeEngine({ existing: ['kept'] });
    await ensureVolumes(docker, [
      vol('kept'),
      vol('new', { volumeDriver: 'local', volumeOptions: { type: 'tmpfs' } }),
      vol(''),
      { type: 'tmpfs', source: '', target: '/t' },
    ]);
    expect(created).toEqual([
      {
        Name: 'new',
        Driver: 'local',
        DriverOpts: { type: 'tmpfs' },
        Labels: { [VOLUME_LABEL]: 'true' },
      },
    ]);
  });

  it('turns an engine refusal into a permanent create error naming the volume', async () => {
    const { docker } = fakeEngine({
      createError: engineError(404, 'create v1: plugin "x" not found'),
    });
    const err = await ensureVolumes(docker, [vol('v1', { volumeDriver: 'x' })]).catch(
      (e: unknown) => e,
    );
    expect(isExecutorError(err)).toBe(true);
    expect(err).toMatchObject({ kind: 'create', temporary: false });
    expect((err as Error).message).toBe('volume v1: create v1: plugin "x" not found');
  });

  it('keeps an engine 5xx temporary', async () => {
    const { docker } = fakeEngine({ createError: engineError(500, 'disk full') });
    await expect(ensureVolumes(docker, [vol('v1')])).rejects.toMatchObject({
      kind: 'create',
      temporary: true,
    });
  });
});

describe('listVolumes and removeVolume', () => {
  it('marks volumes mounted by any container as in use', async () => {
    const { docker } = fakeEngine({ existing: ['a', 'b'], mounts: ['b'] });
    expect(await listVolumes(docker)).toEqual([
      { name: 'a', driver: 'local', labels: {}, inUse: false },
      { name: 'b', driver: 'local', labels: {}, inUse: true },
    ]);
  });

  it('refuses a volume in use with a permanent runtime error saying so', async () => {
    const { docker, volumes } = fakeEngine({
      existing: ['a'],
      removeError: engineError(409, 'remove a: volume is in use - [abc]'),
    });
    await expect(removeVolume(docker, 'a')).rejects.toMatchObject({
      kind: 'runtime',
      temporary: false,
      message:
        'volume a is in use by a container on this node (remove a: volume is in use - [abc])',
    });
    expect(volumes.has('a')).toBe(true);
  });

  it('removes an unused volume', async () => {
    const { docker, volumes } = fakeEngine({ existing: ['a'] });
    await removeVolume(docker, 'a');
    expect(volumes.has('a')).toBe(false);
  });
});
