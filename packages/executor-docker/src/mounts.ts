import type { MountSettings } from 'dockerode';
import type { Mount } from '@swarmlet/api-types';

/** Put on every named volume the agent creates, so `volume ls` tells them from the engine's others. */
export const VOLUME_LABEL = 'io.swarmlet.volume';

/** The driver of a volume mount: the spec's, else Docker's `local`. */
export function volumeDriver(m: Mount): string {
  return m.volumeDriver !== undefined && m.volumeDriver !== '' ? m.volumeDriver : 'local';
}

/**
 * A task's mount as Docker's `HostConfig.Mounts` entry. Volumes carry their driver, options and
 * `VOLUME_LABEL` (used by the engine only if it creates the volume itself; the agent creates named
 * ones first, see `ensureVolumes`); an anonymous volume (no source) is created by the engine and
 * removed with its container (`remove({v: true})`). tmpfs size/mode 0 keep Docker's defaults
 * (unlimited, 1777).
 */
export function hostMount(m: Mount): MountSettings {
  const out: MountSettings = { Type: m.type, Source: m.source, Target: m.target };
  if (m.readonly) out.ReadOnly = true;
  if (m.type === 'volume') {
    out.VolumeOptions = {
      NoCopy: false,
      Labels: m.source === '' ? {} : { [VOLUME_LABEL]: 'true' },
      DriverConfig: { Name: volumeDriver(m), Options: { ...(m.volumeOptions ?? {}) } },
    };
  }
  if (m.type === 'tmpfs' && (m.tmpfsSizeBytes || m.tmpfsMode)) {
    out.TmpfsOptions = { SizeBytes: m.tmpfsSizeBytes ?? 0, Mode: m.tmpfsMode ?? 0 };
  }
  return out;
}

/** The named volumes (source set) among a task's mounts, each once, with driver and options. */
export function namedVolumes(mounts: readonly Mount[] | undefined): Mount[] {
  const seen = new Set<string>();
  return (mounts ?? []).filter((m) => {
    if (m.type !== 'volume' || m.source === '' || seen.has(m.source)) return false;
    seen.add(m.source);
    return true;
  });
}
