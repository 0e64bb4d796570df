import type Docker from 'dockerode';
import { ExecutorError, type VolumeInfo } from '@swarmlet/agent';
import type { Mount } from '@swarmlet/api-types';
import { engineMessage, statusCode, toExecutorError } from './errors.js';
import { VOLUME_LABEL, namedVolumes, volumeDriver } from './mounts.js';

/**
 * Creates the task's named volumes that do not exist on this node yet (driver, options and
 * `VOLUME_LABEL`); existing ones are used as they are, so a volume outlives its tasks. Done
 * before the container create because the engine answers a missing volume driver with 404 there,
 * which would read as "no such image". Engine refusals (unknown driver, bad options) are
 * permanent `create` errors, which reject the task; an unreachable engine or 5xx is temporary.
 */
export async function ensureVolumes(
  docker: Docker,
  mounts: readonly Mount[] | undefined,
): Promise<void> {
  for (const m of namedVolumes(mounts)) {
    try {
      await docker.getVolume(m.source).inspect();
      continue;
    } catch (err) {
      if (statusCode(err) !== 404) throw toExecutorError('create', err);
    }
    try {
      await docker.createVolume({
        Name: m.source,
        Driver: volumeDriver(m),
        DriverOpts: { ...(m.volumeOptions ?? {}) },
        Labels: { [VOLUME_LABEL]: 'true' },
      });
    } catch (err) {
      const e = toExecutorError('create', err);
      throw new ExecutorError('create', `volume ${m.source}: ${e.message}`, e.temporary, {
        cause: err,
      });
    }
  }
}

/** Every volume of the engine, with `inUse` when any container (running or not) mounts it. */
export async function listVolumes(docker: Docker): Promise<VolumeInfo[]> {
  try {
    const [{ Volumes }, containers] = await Promise.all([
      docker.listVolumes(),
      docker.listContainers({ all: true }),
    ]);
    const used = new Set<string>();
    for (const c of containers) {
      for (const m of c.Mounts ?? []) if (m.Type === 'volume' && m.Name) used.add(m.Name);
    }
    return (Volumes ?? []).map((v) => ({
      name: v.Name,
      driver: v.Driver,
      labels: { ...(v.Labels ?? {}) },
      inUse: used.has(v.Name),
    }));
  } catch (err) {
    throw toExecutorError('runtime', err);
  }
}

/**
 * Removes a volume. In use by a container (running or stopped): `ExecutorError('runtime')`, not
 * temporary, saying so; unknown: the engine's "no such volume", not temporary.
 */
export async function removeVolume(docker: Docker, name: string): Promise<void> {
  try {
    await docker.getVolume(name).remove();
  } catch (err) {
    if (statusCode(err) === 409) {
      throw new ExecutorError(
        'runtime',
        `volume ${name} is in use by a container on this node (${engineMessage(err)})`,
        false,
        { cause: err },
      );
    }
    throw toExecutorError('runtime', err);
  }
}
